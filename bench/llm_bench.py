"""Benchmark the LLM drafting path: the time Overturn adds around the model call (p50/p95) and
the model calls and tokens per letter, on the scripted fake and on the recorded cassettes.

    /work/venv/bin/python bench/llm_bench.py [--runs 30]

"Overhead" is the wall time of draft_with_model minus the time spent inside LLM.complete
(prompt rendering, redaction, parsing, id checks, merge, render + validate of the skeleton and
of each answer). For cassettes the adapter's own time (litellm request building and the vcr
replay) is reported separately as "adapter".
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fake_llm import FakeLLM, answer, case, checker, good  # noqa: E402
from test_llm_cassettes import draft  # noqa: E402

from service.drafting.llm_drafter import draft_with_model  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _bad_id() -> str:
    data = json.loads(answer())
    data["points"][0]["citations"] = ["NW-IMG-999@v1#coverage-criteria-9"]
    return json.dumps(data)


def fake_run(script: list) -> tuple[float, dict]:
    inp = case()
    started = time.perf_counter()
    result = draft_with_model(inp, llm=FakeLLM(*script), check=checker(inp))
    return time.perf_counter() - started, result.usage


def cassette_run(name: str, steps: list) -> tuple[float, dict]:
    started = time.perf_counter()
    result, _ = draft(name, *steps)
    return time.perf_counter() - started, result.usage


SCENARIOS = {
    "fake: one good answer": (fake_run, ([good],)),
    "fake: one repair": (fake_run, ([_bad_id(), good],)),
    "cassette: draft_released": (cassette_run, ("draft_released", [good])),
    "cassette: repair_unknown_id": (cassette_run, ("repair_unknown_id", [_bad_id(), good])),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    cassette_run("draft_released", [good])  # warm-up: litellm import and first-call setup
    print(f"{'scenario':32} {'overhead p50':>12} {'p95':>8} {'adapter p50':>12} "
          f"{'calls':>6} {'tokens in/out':>14}")
    for label, (fn, fargs) in SCENARIOS.items():
        overhead, adapter, usage = [], [], {}
        for _ in range(args.runs):
            total, usage = fn(*fargs)
            overhead.append((total - usage["model_seconds"]) * 1000)
            adapter.append(usage["model_seconds"] * 1000)
        adapter_p50 = f"{statistics.median(adapter):.1f} ms" if "cassette" in label else "-"
        print(f"{label:32} {pct(overhead, .5):9.1f} ms {pct(overhead, .95):5.1f} ms "
              f"{adapter_p50:>12} {usage['calls']:6.0f} "
              f"{usage['prompt_tokens']:7.0f}/{usage['completion_tokens']:<6.0f}")


if __name__ == "__main__":
    main()
