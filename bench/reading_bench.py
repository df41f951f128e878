"""Reading benchmark: how well the parsers read denials, charts and policies they were not tuned on.

    .venv/bin/python bench/reading_bench.py evals/reading/cases [more folders] [--detail] [--json]
        [--glob 'b2-*'] [--exclude 'b2-*']

Prints, per folder: field accuracy (expected values read exactly) and nulls not invented,
criteria-split accuracy, codes invented per letter, payer/reviewer/employer, chart clinician and
NPI, and policy id/title/date/criteria figures. `--detail` lists the misses case by case; it
is refused for a folder named `sealed`, whose cases are measured and never looked into.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    from service.evals.reading import score_folder, summary

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--detail", action="store_true", help="list each miss (not for sealed)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--glob", default="*", help="only cases whose file name matches (b2-*)")
    parser.add_argument("--exclude", help="leave out cases whose file name matches (b2-*)")
    args = parser.parse_args(argv)
    results = {}
    for folder in args.folders:
        if args.detail and folder.resolve().name == "sealed":
            print("--detail is refused for sealed cases: report aggregates only", file=sys.stderr)
            return 2
        score = score_folder(folder, args.glob, args.exclude)
        results[str(folder)] = summary(score)
        if args.detail:
            results[str(folder)]["misses"] = score.misses
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for folder, figures in results.items():
        print(f"== {folder}")
        for name, value in figures.items():
            if name == "misses":
                print("misses:")
                print("\n".join(f"  {m}" for m in value))
            else:
                print(f"  {name:28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
