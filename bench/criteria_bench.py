"""Criteria benchmark: per-criterion verdict accuracy of the evidence stage on the criteria cases.

    .venv/bin/python bench/criteria_bench.py                # the open set, both modes
    .venv/bin/python bench/criteria_bench.py --set sealed   # aggregates only, once, at the end
    .venv/bin/python bench/criteria_bench.py --cases        # and one line per criterion

Modes (see service/evals/criteria.py): `reader` feeds the criteria the real intake reads from the
denial or policy; `key` feeds the answer key's criterion texts (the evaluator alone).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from service.evals.criteria import MODES, report, score_set  # noqa: E402

SETS = {
    "open": REPO / "evals" / "criteria" / "cases",
    "sealed": REPO / "evals" / "criteria" / "sealed",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--set", choices=sorted(SETS), default="open")
    parser.add_argument("--mode", choices=MODES, action="append")
    parser.add_argument(
        "--cases", action="store_true", help="print every criterion (open set only)"
    )
    args = parser.parse_args(argv)
    if args.cases and args.set == "sealed":
        parser.error("the sealed set is scored in aggregate only")
    for mode in args.mode or MODES:
        start = time.perf_counter()
        tally = score_set(SETS[args.set], mode)
        if args.cases:
            print("\n".join(tally.rows))
        print(report(args.set, mode, tally))
        print(f"  ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
