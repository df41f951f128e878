"""Offline drafting latency and throughput, on this machine.

Drafts the five real denial letters (with the team's charts) and a corpus-payer case that goes
through hybrid retrieval, N rounds each, through the real embedded index. Prints p50/p95 per
letter and letters per second; also the one-time index build. Run: python bench/draft_bench.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from service.config import Settings
from service.pipelines.appeal import draft_appeal
from service.policies.retrieve import build_retriever

REPO = Path(__file__).resolve().parents[1]
DENIALS = REPO.parent / "shared" / "data" / "denial_letters"
REAL = REPO / "evals" / "cases" / "real"

CORPUS_DENIAL = """Northwind Health  Claim Appeals
October 2, 2026
Member: Dana Whitfield   Member ID: NWH448812   Claim number: CLM-2026-0091
Date of service: 09/20/2026   Service: 72148 MRI lumbar spine without contrast   Diagnosis: M54.16
CARC CO-50. The notes do not show six weeks of physical therapy and anti-inflammatory medicines
that did not help, nor weakness, reflex changes or a positive straight leg raise.
"""
CORPUS_CHART = """08/26/2026 PT discharge note
Completed 8 weeks of physical therapy with no improvement in leg pain.
08/26/2026 Progress note
Pain persists at 7/10 despite naproxen 500 mg twice daily for 8 weeks.
09/02/2026 Progress note
Exam: positive straight leg raise on the left at 40 degrees; left ankle reflex diminished.
Electronically signed by Maria Lopez, MD, NPI 1234567893, phone 555-010-2000
"""


def cases() -> list[tuple[str, str, str, dict | None]]:
    corrections = json.loads((REAL / "corrections.json").read_text())
    out = [("corpus-lumbar", CORPUS_DENIAL, CORPUS_CHART, None)]
    for chart in sorted(REAL.glob("*.chart.txt")):
        name = chart.name.removesuffix(".chart.txt")
        out.append(
            (name, (DENIALS / f"{name}.txt").read_text(), chart.read_text(), corrections.get(name))
        )
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=tmp, today="2026-11-22", practice_phone="555-010-2000")
        t0 = time.perf_counter()
        retriever = build_retriever(settings)
        build = time.perf_counter() - t0
        work = cases()
        draft_appeal(work[0][1], work[0][2], settings=settings, retriever=retriever)  # warm-up
        times: list[float] = []
        statuses: dict[str, str] = {}
        start = time.perf_counter()
        for _ in range(args.rounds):
            for name, denial, chart, corr in work:
                t = time.perf_counter()
                result = draft_appeal(
                    denial, chart, settings=settings, retriever=retriever, corrections=corr
                )
                times.append(time.perf_counter() - t)
                statuses[name] = result.status.value
        wall = time.perf_counter() - start
    print(
        json.dumps(
            {
                "index_build_s": round(build, 1),
                "passages": retriever.count(),
                "letters": len(times),
                "p50_ms": round(pct(times, 0.5) * 1000, 1),
                "p95_ms": round(pct(times, 0.95) * 1000, 1),
                "mean_ms": round(statistics.mean(times) * 1000, 1),
                "letters_per_s": round(len(times) / wall, 1),
                "statuses": statuses,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
