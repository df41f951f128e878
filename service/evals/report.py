"""The eval report: one self-contained HTML page (metrics against thresholds and baseline, the
gate's verdict with the cases behind it, every case's letters side by side with a diff against
the baseline) and a short console summary."""

from __future__ import annotations

import difflib
import html

from service.evals.gate import GateFailure
from service.evals.metrics import METRICS

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 7px;
vertical-align:top}th{background:#f3f3f3}.bad{background:#fde2e2}.good{background:#e2f6e2}
.warn{background:#fff4d6}pre{white-space:pre-wrap;font:12px/1.35 monospace;margin:0}
.letters{display:flex;gap:1em}.letters>div{flex:1;min-width:0;border:1px solid #ddd;padding:.5em}
summary{cursor:pointer;font-weight:600}table.diff{font:12px monospace}.diff_add{background:#cfc}
.diff_chg{background:#ffa}.diff_sub{background:#fcc}.verdict{font-size:1.3em;padding:.4em}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def _metric_rows(results: dict, baseline: dict | None, thresholds: dict, failed: set) -> str:
    names = list(results["variants"])
    head = "".join(f"<th colspan=3>{_e(n)}</th>" for n in names)
    sub = "<th>now</th><th>baseline</th><th>Δ</th>" * len(names)
    rows = [f"<tr><th>metric</th><th>threshold</th>{head}</tr><tr><th></th><th></th>{sub}</tr>"]
    for metric, spec in METRICS.items():
        rule = thresholds["metrics"].get(metric, {})
        limit = " ".join(f"{k} {_fmt(v)}" for k, v in rule.items() if k in ("min", "max"))
        cells = []
        for name in names:
            now = results["variants"][name]["metrics"].get(metric)
            base = ((baseline or {}).get("variants", {}).get(name) or {}).get("metrics", {})
            before = base.get(metric)
            delta = now - before if now is not None and before is not None else None
            cls = "bad" if (name, metric) in failed else ""
            cells.append(
                f"<td class='{cls}'>{_fmt(now)}</td><td>{_fmt(before)}</td>"
                f"<td>{_fmt(delta) if delta else ''}</td>"
            )
        rows.append(
            f"<tr><td title='{_e(spec.help)}'>{_e(metric)}</td><td>{_e(limit)}</td>"
            f"{''.join(cells)}</tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _gate_list(failures: list[GateFailure]) -> str:
    if not failures:
        return (
            "<p class='verdict good'>PASS: every metric meets its threshold and the baseline.</p>"
        )
    items = []
    for f in failures:
        links = ", ".join(f"<a href='#case-{_e(c)}'>{_e(c)}</a>" for c in f.cases[:30])
        more = f" and {len(f.cases) - 30} more" if len(f.cases) > 30 else ""
        items.append(
            f"<li><b>{_e(f.variant)}</b> · <b>{_e(f.metric)}</b> ({_e(f.kind)}): "
            f"{_e(f.message)}<br>cases: {links or 'none individually'}{more}</li>"
        )
    return f"<p class='verdict bad'>FAIL</p><ul>{''.join(items)}</ul>"


def _case_index(results: dict, cases: list[str]) -> str:
    names = list(results["variants"])
    head = "".join(f"<th>{_e(n)}</th>" for n in names)
    rows = [f"<tr><th>case</th><th>category</th><th>payer</th><th>expected</th>{head}</tr>"]
    for cid in cases:
        first: dict = next(
            (v["cases"][cid] for v in results["variants"].values() if cid in v["cases"]), {}
        )
        cells = []
        for name in names:
            rec = results["variants"][name]["cases"].get(cid)
            if rec is None:
                cells.append("<td class='warn'>skipped</td>")
                continue
            n = len(rec["failures"])
            cls = "bad" if n else "good"
            cells.append(f"<td class='{cls}'>{_e(rec['status'])} · {n} failing</td>")
        rows.append(
            f"<tr><td><a href='#case-{_e(cid)}'>{_e(cid)}</a></td>"
            f"<td>{_e(first.get('category', ''))}</td><td>{_e(first.get('payer', ''))}"
            f"</td><td>{_e(first.get('expected_status') or '')}</td>{''.join(cells)}</tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _diff(before: str, now: str) -> str:
    if before == now:
        return "<p>Letter unchanged from the baseline.</p>"
    table = difflib.HtmlDiff(wrapcolumn=70).make_table(
        before.splitlines(), now.splitlines(), "baseline", "now", context=True, numlines=2
    )
    return f"<details open><summary>diff against the baseline</summary>{table}</details>"


def _readiness(rec: dict) -> str:
    """A necessity case's readiness verdict and the criteria it found undocumented."""
    r = rec.get("readiness")
    if not r:
        return ""
    missing = ", ".join(r["undocumented"]) or "none"
    flags = ", ".join(r["flags"]) or "none"
    return (
        f"<p>readiness: {'ready' if r['ready'] else 'not ready'} · policy "
        f"{_e(r['policy_id'] or 'none found')} · undocumented: {_e(missing)} · flags: "
        f"{_e(flags)}</p>"
    )


def _judge(rec: dict) -> str:
    """The LLM judge's scores (1-5) and comment, or why there are none."""
    v = rec.get("judge")
    if not v:
        return ""
    if v["status"] != "ok":
        return f"<p class='warn'>judge: {_e(v['status'])} ({_e(v.get('reason', ''))})</p>"
    scores = ", ".join(f"{k} {s}/5" for k, s in v["scores"].items())
    return f"<p>judge ({_e(v.get('model', ''))}): {_e(scores)} · {_e(v.get('comments', ''))}</p>"


def _case_block(cid: str, results: dict, baseline: dict | None) -> str:
    letters, details = [], []
    failing = False
    for name, run in results["variants"].items():
        rec = run["cases"].get(cid)
        if rec is None:
            continue
        failing = failing or bool(rec["failures"])
        fails = "".join(
            f"<li><b>{_e(f['metric'])}</b>: {_e(f['detail'])}</li>" for f in rec["failures"]
        )
        probs = ", ".join(f"{p['code']} ({p['severity']}) at {p['where']}" for p in rec["problems"])
        letters.append(
            f"<div><b>{_e(name)}</b> · {_e(rec['status'])}<pre>{_e(rec['text'])}</pre></div>"
        )
        base = ((baseline or {}).get("variants", {}).get(name) or {}).get("cases", {}).get(cid)
        diff = _diff(base["text"], rec["text"]) if base else "<p>Not in the baseline.</p>"
        notes = "; ".join(rec.get("notes") or [])
        details.append(
            f"<h4>{_e(name)}</h4><ul>{fails or '<li>no failing checks</li>'}</ul>"
            f"<p>report: {_e(probs or 'no problems')}</p>{_readiness(rec)}"
            f"{_judge(rec)}<p>notes: {_e(notes or '–')}</p>{diff}"
        )
    opened = " open" if failing else ""
    return (
        f"<details id='case-{_e(cid)}'{opened}><summary>{_e(cid)}</summary>"
        f"<div class='letters'>{''.join(letters)}</div>{''.join(details)}</details>"
    )


def render_html(
    results: dict, failures: list[GateFailure], baseline: dict | None, thresholds: dict
) -> str:
    """The whole report as one HTML page with inline CSS and no outside resources."""
    meta = results["meta"]
    failed = {(f.variant, f.metric) for f in failures}
    cases = list(dict.fromkeys(c for v in results["variants"].values() for c in v["cases"]))
    skipped = "".join(
        f"<li>{_e(v)} · {_e(c)}: {_e(r)}</li>"
        for v, items in results["skipped"].items()
        for c, r in items.items()
    )
    retrieval = results.get("retrieval", {})
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Overturn eval</title>"
        f"<style>{_CSS}</style></head><body><h1>Overturn eval</h1>",
        f"<p>{meta['cases']} cases · variants {_e(', '.join(meta['variants']))} · letter date "
        f"{_e(meta['today'])} · corpus {_e(meta['corpus_version'])} · {meta['seconds']} s"
        f"{' · filtered run' if meta['filtered'] else ''}"
        f"{' · LLM judge ' + _e(meta['judge']) if meta.get('judge') else ''}</p>",
        "<h2>Verdict</h2>",
        _gate_list(failures),
        "<h2>Metrics</h2>",
        _metric_rows(results, baseline, thresholds, failed),
        "<h2>Retrieval</h2>",
        f"<pre>{_e(retrieval.get('metrics') or retrieval.get('status', ''))}</pre>"
        f"<p>{_e(retrieval.get('note', ''))}</p>",
        "<h2>Cases</h2>",
        _case_index(results, cases),
        f"<h3>Skipped</h3><ul>{skipped or '<li>none</li>'}</ul>",
        "<h2>Letters</h2>",
        *(_case_block(c, results, baseline) for c in cases),
        "</body></html>",
    ]
    return "\n".join(parts)


def summary_lines(results: dict, failures: list[GateFailure]) -> list[str]:
    """A few lines for the console: the metrics per variant, then each gate failure."""
    lines = []
    for name, run in results["variants"].items():
        shown = ", ".join(f"{m}={_fmt(v)}" for m, v in run["metrics"].items() if v is not None)
        lines.append(f"{name}: {len(run['cases'])} cases; {shown}")
    judged = [
        r.get("judge", {}).get("status")
        for v in results["variants"].values()
        for r in v["cases"].values()
        if r.get("judge")
    ]
    if judged:
        lines.append(
            f"judge {results['meta'].get('judge')}: {judged.count('ok')} letters "
            f"scored, {judged.count('judge unavailable')} judge unavailable"
        )
    skipped = sum(len(v) for v in results["skipped"].values())
    if skipped:
        lines.append(f"skipped: {skipped} (see the report)")
    for f in failures:
        cases = ", ".join(f.cases[:8]) + (" ..." if len(f.cases) > 8 else "")
        lines.append(f"FAIL {f.variant} {f.metric}: {f.message}; cases: {cases or '-'}")
    lines.append("PASS" if not failures else f"FAIL: {len(failures)} gate failure(s)")
    return lines
