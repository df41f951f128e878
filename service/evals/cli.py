"""`overturn eval` (run the suite, write evals/out/, exit 1 when the gate fails) and
`overturn eval accept` (make the last full run the committed baseline).

Exit codes: 0 pass, 1 a metric failed its threshold or regressed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.evals import paths

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def add_parser(
    subparsers: Any, parents: Sequence[argparse.ArgumentParser] = ()
) -> argparse.ArgumentParser:
    """Add the `eval` command to an argparse subparsers object."""
    p = subparsers.add_parser(
        "eval", parents=list(parents), help="run the eval suite, or accept its last run"
    )
    p.add_argument(
        "action",
        nargs="?",
        choices=["run", "accept"],
        default="run",
        help="run (default) or accept: write the last full run as the baseline",
    )
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="ID",
        help="case id, tag, category or payer to run (repeatable)",
    )
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME",
        help="variant to run, e.g. composer (repeatable; default all)",
    )
    p.add_argument(
        "--live",
        action="store_true",
        help="call the models and record cassettes instead of replaying",
    )
    p.add_argument("--out", default=str(paths.OUT_DIR), help="folder for results and report")
    p.add_argument("--baseline", default=str(paths.BASELINE))
    p.add_argument("--thresholds", default=str(paths.THRESHOLDS))
    p.add_argument("--config", default=str(paths.CONFIG))
    p.add_argument(
        "--index-dir",
        default=str(paths.INDEX_DIR),
        help="policy index folder, built on first use and reused",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--force", action="store_true", help="accept a filtered run as baseline")
    p.add_argument(
        "--judge",
        default="",
        metavar="MODEL",
        help="also score appeal letters with this LLM (litellm model string); "
        "off by default, shown in the report, gated only if thresholds name it",
    )
    return p


def evaluate(
    args: argparse.Namespace, retriever: Any = None, judge: Any = None
) -> tuple[dict, list]:
    """Run the suite, write results.json and report.html, return the results and failures."""
    from service.evals import gate, report, runner  # the suite's weight, loaded only to run it

    opts = runner.Options(
        only=args.only,
        variants=args.variant,
        live=args.live,
        progress=not args.no_progress and sys.stderr.isatty(),
        index_dir=args.index_dir,
        config=Path(args.config),
        judge=getattr(args, "judge", ""),
    )
    results = runner.run_eval(opts, retriever=retriever, judge=judge)
    thresholds = gate.load_thresholds(Path(args.thresholds))
    baseline = gate.load_baseline(Path(args.baseline))
    failures = gate.check(results, thresholds, baseline)
    results["gate"] = {
        "ok": not failures,
        "failures": [f.as_dict() for f in failures],
        "baseline": args.baseline if baseline else None,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    page = report.render_html(results, failures, baseline, thresholds)
    (out / "report.html").write_text(page, encoding="utf-8")
    return results, failures


def accept(args: argparse.Namespace) -> int:
    """Copy the last run's results to the baseline (refusing a filtered run unless forced)."""
    path = Path(args.out) / "results.json"
    if not path.is_file():
        print(f"no results at {path}: run `overturn eval` first", file=sys.stderr)
        return EXIT_USAGE
    results = json.loads(path.read_text(encoding="utf-8"))
    if (results["meta"]["filtered"] or results["meta"]["live"]) and not args.force:
        print("the last run was filtered or live; rerun in full (or pass --force)", file=sys.stderr)
        return EXIT_USAGE
    for run in results["variants"].values():
        for rec in run["cases"].values():
            rec.pop("seconds", None)  # timing would make every accept a diff
            rec.pop("judge", None)  # a live model's opinion is not part of the baseline
            for name in [m for m in rec.get("metrics", {}) if m.startswith("judge_")]:
                rec["metrics"].pop(name)
        for name in [m for m in run["metrics"] if m.startswith("judge_")]:
            run["metrics"][name] = None
    results.pop("gate", None)
    results["meta"].pop("seconds", None)
    Path(args.baseline).write_text(
        json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"baseline written to {args.baseline}", file=sys.stderr)
    return EXIT_PASS


def run(args: argparse.Namespace) -> int:
    """Entry point for `overturn eval`: 0 pass, 1 gate failed, 2 usage error."""
    from service.evals import report

    if args.action == "accept":
        return accept(args)
    results, failures = evaluate(args)
    for line in report.summary_lines(results, failures):
        print(line)
    print(f"report: {Path(args.out) / 'report.html'}")
    return EXIT_FAIL if failures else EXIT_PASS


def main(argv: list[str] | None = None) -> int:
    """`python -m service.evals.cli ...`, the same as `overturn eval ...`."""
    parser = argparse.ArgumentParser(prog="overturn")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main(["eval", *sys.argv[1:]]))
