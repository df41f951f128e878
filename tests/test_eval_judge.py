"""The optional LLM judge: scores shown but not gated unless thresholds name them; a malformed
answer or a model error marks the case "judge unavailable" and never stops the run."""

from __future__ import annotations

import argparse
import json

import pytest
from fake_llm import FakeLLM
from support import FakeRetriever

from service.errors import LLMError
from service.evals import cli, judge
from service.llm.prompts import load_prompt, render
from service.policies.corpus import load_corpus
from service.policies.retrieve import SHIPPED_CORPUS

CASE = "nw-lumbar-mri-met"
LOW = json.dumps(
    {
        "rebuttal": 2,
        "plan_language": 1,
        "factual_accuracy": 3,
        "advocacy": 1,
        "comments": "It concedes the therapy point.",
    }
)


def _args(tmp_path, *extra: str, thresholds: str | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    more = ["--thresholds", thresholds] if thresholds else []
    return parser.parse_args(
        [
            "eval",
            *extra,
            *more,
            "--only",
            CASE,
            "--variant",
            "composer",
            "--no-progress",
            "--out",
            str(tmp_path / "out"),
            "--baseline",
            str(tmp_path / "base.json"),
            "--index-dir",
            str(tmp_path / "index"),
        ]
    )


@pytest.fixture(scope="module")
def retriever():
    return FakeRetriever(load_corpus(SHIPPED_CORPUS))


def _record(results):
    return results["variants"]["composer"]["cases"][CASE]


def test_scores_are_reported_but_not_gated(tmp_path, retriever):
    llm = FakeLLM(LOW)
    results, failures = cli.evaluate(_args(tmp_path), retriever=retriever, judge=llm)
    assert failures == []
    rec = _record(results)
    assert rec["judge"]["status"] == "ok" and rec["judge"]["scores"]["advocacy"] == 1
    assert rec["metrics"]["judge_advocacy"] == 0.0 and rec["metrics"]["judge_rebuttal"] == 0.25
    assert results["variants"]["composer"]["metrics"]["judge_factual_accuracy"] == 0.5
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "advocacy 1/5" in page
    sent = llm.sent_text()
    assert "Alan Brenner" not in sent and "NWH302915" not in sent  # identifiers withheld
    assert "72148" in sent


def test_a_threshold_naming_a_judge_metric_gates_it(tmp_path, retriever):
    rules = tmp_path / "thresholds.yaml"
    rules.write_text("metrics:\n  judge_advocacy: {min: 0.75}\n", encoding="utf-8")
    _, failures = cli.evaluate(
        _args(tmp_path, thresholds=str(rules)), retriever=retriever, judge=FakeLLM(LOW)
    )
    assert [f.metric for f in failures] == ["judge_advocacy"]
    assert failures[0].cases == []  # no per-case failure to name; the value is below the floor


@pytest.mark.parametrize(
    "answer",
    [
        "Sure! The letter is great.",
        json.dumps({"rebuttal": 9, "plan_language": 1, "factual_accuracy": 1, "advocacy": 1}),
        json.dumps({"rebuttal": 4}),
        LLMError("The model call failed (timeout).", kind="timeout"),
    ],
)
def test_a_malformed_answer_or_error_marks_the_case_unavailable(tmp_path, retriever, answer):
    results, failures = cli.evaluate(_args(tmp_path), retriever=retriever, judge=FakeLLM(answer))
    rec = _record(results)
    assert rec["judge"]["status"] == judge.UNAVAILABLE
    assert not any(k.startswith("judge_") for k in rec["metrics"])
    assert any(judge.UNAVAILABLE in n for n in rec["notes"])
    assert failures == [] and rec["status"] == "released"


def test_a_fenced_json_answer_is_accepted():
    scores = judge.parse_scores("```json\n" + LOW + "\n```")
    assert scores.plan_language == 1


def test_the_judge_is_off_by_default(tmp_path, retriever):
    results, _ = cli.evaluate(_args(tmp_path), retriever=retriever)
    assert "judge" not in _record(results) and results["meta"]["judge"] is None
    assert judge.build_judge(None) is None and judge.build_judge("") is None


def test_the_prompt_renders_its_sample_and_accepted_baselines_drop_judge_scores(
    tmp_path, retriever
):
    messages = render(load_prompt("judge_appeal"), load_prompt("judge_appeal").sample)
    assert "rebuttal" in messages[0]["content"] and "<<<DATA" in messages[-1]["content"]
    cli.evaluate(_args(tmp_path), retriever=retriever, judge=FakeLLM(LOW))
    assert cli.accept(_args(tmp_path, "--force")) == cli.EXIT_PASS
    base = json.loads((tmp_path / "base.json").read_text(encoding="utf-8"))
    rec = base["variants"]["composer"]["cases"][CASE]
    assert "judge" not in rec and "judge_advocacy" not in rec["metrics"]
