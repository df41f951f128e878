"""Criteria benchmark: does the evidence stage decide each payer criterion as a reviewer would?

Each case in evals/criteria/<set>/ holds the payer's text (a denial or a policy), an answer key
of criteria with their verdicts, and two charts (one meeting every criterion, one failing
exactly one). Two ways of feeding criteria to the evidence stage are scored:

- `reader`: the real intake reads the denial (stated criteria) or the policy document (criterion
  passages); each key criterion is matched to the criterion, or requirement, the reader produced
  that says the same thing. A key criterion nothing matches counts as wrong.
- `key`: the key's own criterion texts are fed as stated criteria, isolating the evaluator from
  the reader.

The chart always goes through the real chart intake. Only aggregate figures are printed unless
per-case output is asked for (the sealed set must be scored without looking at its cases).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from service.config import Settings
from service.drafting.composer import ComposeInput, compose
from service.errors import OverturnError
from service.evidence.match import build_evidence_map
from service.intake.chart_text import parse_chart_text
from service.intake.denial_text import parse_denial_text
from service.models import (
    Category,
    Chart,
    Denial,
    DiagnosisCode,
    EvidenceMap,
    ServiceLine,
    StatedCriterion,
    Strategy,
    Triage,
)
from service.policies.documents import load_document
from service.validate.criteria import check_criteria, check_points

MODES = ("key", "reader")
VERDICTS = ("met", "not_met", "not_documented")
_WORD = re.compile(r"[a-z0-9][a-z0-9.%-]*")
_STOP_WORDS = (
    "the a an and or of to in for with on at by is are be been was were this that your you "
    "should must have has had it its as from we our us if than then any each one who"
)
_STOP = frozenset(_STOP_WORDS.split(" "))
FOUND_KEY_SHARE = 0.6  # share of the key criterion's words a produced node must use
FOUND_NODE_SHARE = 0.35  # share of the node's words the key criterion must use (not a blob)


@dataclass
class Node:
    """A criterion or requirement the evidence stage decided, with its verdict."""

    text: str
    verdict: str  # met / not_met / not_documented, or gap for the engine that cannot tell
    criterion: str = ""  # the id of the criterion (evidence link) it belongs to


@dataclass
class Tally:
    """Counts for one set and one feeding mode."""

    criteria: int = 0
    correct: int = 0
    found: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_key: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    charts: int = 0
    charts_exact: int = 0
    released_unmet: int = 0
    released_unmet_missed: int = 0  # of those, the failing criterion was never read
    released: int = 0  # letters the criteria gate released
    answered: int = 0  # key criteria a point of the letter answers, over every letter
    rows: list[str] = field(default_factory=list)


def load_cases(folder: Path) -> list[dict[str, Any]]:
    """Every case file in a folder, in name order."""
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml"))]


def _words(text: str) -> set[str]:
    return {w.strip(".-") for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


def _nodes(evidence: EvidenceMap) -> list[Node]:
    """Each link's criterion, and the requirements its evaluation split it into."""
    out: list[Node] = []
    for link in evidence.links:
        evaluation = getattr(link, "evaluation", None)
        verdict = evaluation.verdict.value if evaluation is not None else "gap"
        if evaluation is None and link.status.value == "met":
            verdict = "met"
        cid = link.criterion.id
        out.append(Node(link.criterion.text, verdict, cid))
        if evaluation is not None:
            out.extend(Node(c.text, c.verdict.value, cid) for c in _descendants(evaluation))
    return out


def _descendants(evaluation: Any) -> Iterator[Any]:
    for child in getattr(evaluation, "children", []) or []:
        yield child
        yield from _descendants(child)


def _align(key_text: str, nodes: list[Node]) -> Node | None:
    """The produced node that states the key criterion (not a blob of several), if any."""
    want = _words(key_text)
    best: tuple[float, Node] | None = None
    for node in nodes:
        have = _words(node.text)
        if not want or not have:
            continue
        shared = len(want & have)
        if shared / len(want) >= FOUND_KEY_SHARE and shared / len(have) >= FOUND_NODE_SHARE:
            score = shared / len(want | have)
            if best is None or score > best[0]:
                best = (score, node)
    return best[1] if best else None


def _request(case: dict[str, Any]) -> Denial:
    """The request as the necessity intake would carry it: service, diagnoses, date."""
    dos = dt.date.fromisoformat(str(case["date_of_service"]))
    service = case.get("service") or {}
    return Denial(
        payer=case.get("payer"),
        dates_of_service=[dos],
        service_lines=[
            ServiceLine(code=service.get("code"), description=service.get("description", ""))
        ],
        diagnosis_codes=[DiagnosisCode(code=c) for c in case.get("diagnosis_codes") or []],
    )


def _policy_passages(case: dict[str, Any]) -> list[Any]:
    defaults = dict(
        policy_id=f"bench-{case['id']}",
        payer_id="bench",
        title=case["id"],
        effective_date="2000-01-01",
        version="1",
    )
    try:
        return load_document(case["text"].encode("utf-8"), f"{case['id']}.md", defaults=defaults)
    except Exception:  # noqa: BLE001 - a document the reader refuses yields no criteria
        return []


def _inputs(case: dict[str, Any], mode: str) -> tuple[Denial, list[Any]]:
    """(denial or request, policy passages) the evidence stage is given in a mode."""
    request = _request(case)
    if case["source"] == "denial":
        try:
            denial = parse_denial_text(case["text"])
        except OverturnError:
            # the reader refuses the letter: nothing is read from it; the key-fed run still
            # judges the key's criteria on the request
            denial = request.model_copy(update={"stated_criteria": []})
            if mode == "reader":
                return denial, []
        if mode == "reader":
            return denial, []
        if not denial.dates_of_service:
            denial = denial.model_copy(update={"dates_of_service": request.dates_of_service})
    else:
        denial = request
        if mode == "reader":
            return denial, _policy_passages(case)
    stated = [
        StatedCriterion(id=c["id"], text=c.get("text") or c.get("subject") or c["id"])
        for c in case["criteria"]
    ]
    return denial.model_copy(update={"stated_criteria": stated, "denial_reason": None}), []


def _correct(predicted: str | None, expected: str) -> bool:
    if predicted is None:
        return False
    return predicted == expected or (predicted == "gap" and expected != "met")


def gated(
    denial: Denial, chart: Chart, evidence: EvidenceMap, passages: list[Any]
) -> tuple[bool, set[str]]:
    """(released, criterion ids its points answer) for the composer's letter on this evidence,
    by the validator's criteria gate (validate/criteria.py); a policy criterion the chart does
    not document holds it too, as it holds a letter of medical necessity."""
    triage = Triage(
        category=Category.MEDICAL_NECESSITY,
        strategy=Strategy.APPEAL,
        letter_type="appeal",
        appeal_level="",
    )
    today = denial.dates_of_service[0] if denial.dates_of_service else dt.date.today()
    inp = ComposeInput(denial, chart, triage, evidence, passages, Settings(), today)
    letter = compose(inp)
    problems = check_points(letter, evidence, chart, triage)
    problems += check_criteria(letter, evidence, denial, chart)
    held = [p for p in problems if p.severity == "error" or p.code.startswith("policy_criterion")]
    return not held, {p.answers for p in letter.points}


def score_chart(case: dict[str, Any], which: str, mode: str, tally: Tally) -> None:
    """Evaluate one chart of a case and add it to the tally."""
    chart_key = case["charts"][which]
    denial, passages = _inputs(case, mode)
    chart = parse_chart_text(chart_key["text"])
    evidence = build_evidence_map(denial, chart, passages)
    nodes = _nodes(evidence)
    released, answered = gated(denial, chart, evidence, passages)
    exact, missed = True, False
    for crit in case["criteria"]:
        expected = chart_key["verdicts"][crit["id"]]
        if mode == "key":
            link = next((lk for lk in evidence.links if lk.criterion.id == crit["id"]), None)
            node = next((n for n in nodes if link and n.text == link.criterion.text), None)
        else:
            node = _align(crit.get("text") or "", nodes)
        predicted = node.verdict if node else None
        tally.answered += bool(node and node.criterion in answered)
        ok = _correct(predicted, expected)
        tally.criteria += 1
        tally.correct += ok
        tally.found += node is not None
        missed = missed or (node is None and expected != "met")
        tally.by_kind[crit["kind"]][0] += ok
        tally.by_kind[crit["kind"]][1] += 1
        tally.by_key[expected][0] += ok
        tally.by_key[expected][1] += 1
        exact = exact and ok
        tally.rows.append(
            f"{case['id']:<42} {which:<5} {crit['id']:<4} {crit['kind']:<16} "
            f"key={expected:<15} got={predicted or 'not read'}"
        )
    tally.charts += 1
    tally.charts_exact += exact
    tally.released += released
    if released and any(v != "met" for v in chart_key["verdicts"].values()):
        tally.released_unmet += 1
        tally.released_unmet_missed += missed


def score_set(folder: Path, mode: str) -> Tally:
    """Score every case and chart of a folder in one mode."""
    tally = Tally()
    for case in load_cases(folder):
        for which in ("meets", "fails"):
            score_chart(case, which, mode, tally)
    return tally


def _share(hit: int, total: int) -> str:
    return f"{hit}/{total} ({hit / total:.3f})" if total else "0/0"


def _per(n: int, letters: int) -> str:
    return f"{n / letters:.2f}" if letters else "0"


def report(name: str, mode: str, t: Tally) -> str:
    """The aggregate figures of one set and mode, as text."""
    lines = [
        f"[{name} / {mode}] verdict accuracy {_share(t.correct, t.criteria)}; "
        f"criteria found {_share(t.found, t.criteria)}; charts all-correct "
        f"{_share(t.charts_exact, t.charts)}; released with a criterion not met "
        f"{t.released_unmet} (of which the reader missed the criterion: {t.released_unmet_missed})",
        f"  letters released {t.released}/{t.charts}; criteria answered per letter "
        f"{_per(t.answered, t.charts)} of {_per(t.criteria, t.charts)} stated",
        "  by key verdict: "
        + ", ".join(f"{k} {_share(*t.by_key[k])}" for k in VERDICTS if k in t.by_key),
        "  by kind: " + ", ".join(f"{k} {_share(*v)}" for k, v in sorted(t.by_kind.items())),
    ]
    return "\n".join(lines)
