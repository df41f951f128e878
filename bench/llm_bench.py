"""Benchmark the LLM drafting path: the time Overturn adds around the model call (p50/p95) and
the model calls and tokens per letter, on the scripted fake and on the recorded cassettes, and
for the five real denial letters through the full pipeline (extraction + draft) on cassettes.

    /work/venv/bin/python bench/llm_bench.py [--runs 30]

"Overhead" is the wall time of draft_with_model minus the time spent inside LLM.complete
(prompt rendering, redaction, parsing, id checks, merge, render + validate of the skeleton and
of each answer). For cassettes the adapter's own time (litellm request building and the vcr
replay) is reported separately as "adapter". For the real letters "overhead" is the wall time
of draft_appeal (parse, extraction merge, triage, evidence, skeleton, render, validate) minus
the time inside both model calls.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fake_llm import FakeLLM, answer, case, checker, good  # noqa: E402
from support import FakeRetriever  # noqa: E402
from test_llm_cassettes import draft  # noqa: E402
from test_llm_real_denials import (  # noqa: E402
    CORRECTIONS,
    LETTERS,
    cassette,
    inputs,
    model_settings,
)

from service.drafting.model import draft_with_model  # noqa: E402
from service.pipelines.appeal import draft_appeal  # noqa: E402


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


def real_run(name: str, data_dir: str) -> tuple[float, dict]:
    """One real letter through draft_appeal with the model configured, replayed."""
    denial, chart = inputs(name)
    started = time.perf_counter()
    with cassette(name):
        result = draft_appeal(
            denial,
            chart,
            settings=model_settings(data_dir),
            retriever=FakeRetriever([]),
            corrections=CORRECTIONS.get(name),
        )
    assert result.status.value == "released", name
    return time.perf_counter() - started, result.provenance.usage


def real_letters(runs: int) -> None:
    """Per real letter: calls, tokens, and Overturn's overhead around the two model calls."""
    os.environ.setdefault("OPENAI_API_KEY", "sk-replay")  # litellm wants one; replays ignore it
    print(
        f"\n{'real letter (full pipeline)':32} {'overhead p50':>12} {'p95':>8} "
        f"{'adapter p50':>12} {'calls':>6} {'tokens in/out':>14}"
    )
    every: list[float] = []
    with tempfile.TemporaryDirectory() as data_dir:
        real_run(LETTERS[0], data_dir)  # warm-up: the ICD-10 code set loads on first parse
        for name in LETTERS:
            overhead, adapter, usage = [], [], {}
            for _ in range(runs):
                total, usage = real_run(name, data_dir)
                overhead.append((total - usage["model_seconds"]) * 1000)
                adapter.append(usage["model_seconds"] * 1000)
            every += overhead
            print(
                f"{name:32} {pct(overhead, 0.5):9.1f} ms {pct(overhead, 0.95):5.1f} ms "
                f"{statistics.median(adapter):9.1f} ms {usage['calls']:6.0f} "
                f"{usage['prompt_tokens']:7.0f}/{usage['completion_tokens']:<6.0f}"
            )
    print(f"{'all five':32} {pct(every, 0.5):9.1f} ms {pct(every, 0.95):5.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    cassette_run("draft_released", [good])  # warm-up: litellm import and first-call setup
    print(
        f"{'scenario':32} {'overhead p50':>12} {'p95':>8} {'adapter p50':>12} "
        f"{'calls':>6} {'tokens in/out':>14}"
    )
    for label, (fn, fargs) in SCENARIOS.items():
        overhead, adapter, usage = [], [], {}
        for _ in range(args.runs):
            total, usage = fn(*fargs)
            overhead.append((total - usage["model_seconds"]) * 1000)
            adapter.append(usage["model_seconds"] * 1000)
        adapter_p50 = f"{statistics.median(adapter):.1f} ms" if "cassette" in label else "-"
        print(
            f"{label:32} {pct(overhead, 0.5):9.1f} ms {pct(overhead, 0.95):5.1f} ms "
            f"{adapter_p50:>12} {usage['calls']:6.0f} "
            f"{usage['prompt_tokens']:7.0f}/{usage['completion_tokens']:<6.0f}"
        )
    real_letters(args.runs)


if __name__ == "__main__":
    main()
