"""The eval suite catches a broken composer or template, and names the metric and the cases."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import jinja2
import pytest
import yaml
from llm_server import ScriptedServer, Step
from scripted_model import respond
from support import FakeRetriever

from service.drafting import composer, points
from service.evals import cli, runner
from service.evals.cases import load_cases
from service.evals.metrics import reading_grade
from service.llm import prompts
from service.models import Citation, CitationKind
from service.policies.corpus import load_corpus
from service.policies.retrieve import SHIPPED_CORPUS
from service.render import text as render

CASES = [
    "nw-lumbar-mri-met",
    "nw-cgrp-preventives",
    "med-cpap-redetermination",
    "hard-json-denial-chart",
    "nw-coding-modifier",
]


def _config(tmp_path, *models: dict) -> Path:
    """The suite's config with its own matrix: the composer unless models are given."""
    config = yaml.safe_load(runner.CONFIG.read_text(encoding="utf-8"))
    config["models"] = list(models) or [{"model": "composer"}]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _args(tmp_path, *extra: str, cases=CASES) -> argparse.Namespace:
    thresholds = tmp_path / "thresholds.yaml"
    if thresholds.is_file():  # a test's own gate
        extra = (*extra, "--thresholds", str(thresholds))
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    only = [x for cid in cases for x in ("--only", cid)]
    config = tmp_path / "config.yaml"
    if not config.is_file():
        _config(tmp_path)
    return parser.parse_args(
        [
            "eval",
            *extra,
            *only,
            "--no-progress",
            "--out",
            str(tmp_path / "out"),
            "--baseline",
            str(tmp_path / "base.json"),
            "--index-dir",
            str(tmp_path / "index"),
            "--config",
            str(config),
        ]
    )


@pytest.fixture(scope="module")
def retriever():
    return FakeRetriever(load_corpus(SHIPPED_CORPUS))


@pytest.fixture
def accepted(tmp_path, retriever):
    """A clean run of the handful of cases, accepted as this test's baseline."""
    _, failures = cli.evaluate(_args(tmp_path), retriever=retriever)
    assert failures == [], [f.message for f in failures]
    assert cli.accept(_args(tmp_path, "--force")) == cli.EXIT_PASS
    return tmp_path


def _failed(tmp_path, retriever, cases=CASES) -> dict[str, set[str]]:
    """Run again; metric -> the cases the gate names for it."""
    results, failures = cli.evaluate(_args(tmp_path, cases=cases), retriever=retriever)
    assert not results["gate"]["ok"]
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    out: dict[str, set[str]] = {}
    for f in failures:
        assert f.metric in report and all(f"#case-{c}" in report for c in f.cases)
        out.setdefault(f.metric, set()).update(f.cases)
    return out


def test_the_clean_run_passes_and_the_cases_load(accepted, retriever):
    results, failures = cli.evaluate(_args(accepted), retriever=retriever)
    assert failures == [] and results["gate"]["ok"]
    assert len(load_cases()) >= 40
    assert {c.kind for c in load_cases()} == {"appeal", "necessity"}


def test_dropping_the_policy_citation_fails_citation_recall(accepted, retriever, monkeypatch):
    monkeypatch.setattr(
        points,
        "policy_citation",
        lambda p: Citation(kind=CitationKind.DENIAL, label="the policy"),
    )
    failed = _failed(accepted, retriever)
    assert "nw-lumbar-mri-met" in failed["citation_recall"]
    assert "nw-cgrp-preventives" in failed["citation_recall"]


def test_dropping_the_signature_block_fails_element_coverage(accepted, retriever, monkeypatch):
    source = (render.TEMPLATES_DIR / "appeal.txt.j2").read_text(encoding="utf-8")
    broken = source.split("Sincerely,")[0]
    env = jinja2.Environment(
        loader=jinja2.DictLoader({"appeal.txt.j2": broken}),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = render.long_date
    monkeypatch.setattr(render, "environment", lambda: env)
    failed = _failed(accepted, retriever)
    assert {"nw-lumbar-mri-met", "med-cpap-redetermination"} <= failed["element_coverage"]
    details = json.loads((accepted / "out" / "results.json").read_text())
    misses = details["variants"]["composer"]["cases"]["nw-lumbar-mri-met"]["failures"]
    assert any("signer_npi" in m["detail"] for m in misses)


def test_an_invented_code_fails_the_hallucination_metric(accepted, retriever, monkeypatch):
    closing = composer._closing
    monkeypatch.setattr(composer, "_closing", lambda *args: closing(*args) + " See also CPT 99499.")
    failed = _failed(accepted, retriever)
    assert "nw-lumbar-mri-met" in failed["hallucinated_codes"]
    assert "nw-lumbar-mri-met" in failed["validator_pass"]  # the validator holds it too


def test_reading_grade_orders_plain_and_dense_prose():
    plain = "The scan was done. The pain is bad. We ask you to pay."
    dense = (
        "Comprehensive neurodiagnostic evaluation demonstrated multilevel degenerative "
        "foraminal stenosis necessitating interventional consideration."
    )
    assert reading_grade(plain) < 4 < 14 < reading_grade(dense)


def test_a_prompt_changed_without_re_recording_fails_model_drafted(
    tmp_path, retriever, monkeypatch
):
    """A model variant replays its cassettes; a changed prompt misses them and must not pass
    quietly on the composer's fallback letters."""
    case = ["nw-lumbar-mri-met"]
    # this test is about the model path, not the scripted model's letter: gate model_drafted
    # (and, against the baseline, every metric's regression)
    (tmp_path / "thresholds.yaml").write_text(
        "default_tolerance: 0.0\nmetrics:\n  model_drafted: {min: 1.0}\n", encoding="utf-8"
    )
    with ScriptedServer(estimate_usage=True) as server:
        server.enqueue(*[Step(text=respond)] * 6)
        _config(
            tmp_path,
            {
                "model": "openai/scripted-model",
                "label": "scripted",
                "api_base": server.api_base,
                "cassettes": str(tmp_path / "tapes"),
            },
        )
        recorded, failures = cli.evaluate(
            _args(tmp_path, "--live", cases=case), retriever=retriever
        )
    assert failures == [], [f.message for f in failures]
    assert recorded["variants"]["scripted@current"]["metrics"]["model_drafted"] == 1.0
    assert cli.accept(_args(tmp_path, "--force", cases=case)) == cli.EXIT_PASS
    replayed, failures = cli.evaluate(_args(tmp_path, cases=case), retriever=retriever)
    assert failures == [] and replayed["gate"]["ok"]  # the server is gone: this was a replay

    changed = tmp_path / "prompts"
    changed.mkdir()
    for source in prompts.PROMPTS_DIR.glob("*.md"):
        (changed / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    draft = changed / "draft_appeal.md"
    draft.write_text(draft.read_text(encoding="utf-8") + "\nWrite briefly.\n", encoding="utf-8")
    monkeypatch.setattr(prompts, "PROMPTS_DIR", changed)
    prompts.load_prompt.cache_clear()
    try:
        failed = _failed(tmp_path, retriever, cases=case)
    finally:
        prompts.load_prompt.cache_clear()
    assert failed["model_drafted"] == set(case)
