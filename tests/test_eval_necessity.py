"""The eval's necessity adapter: a not-ready chart must hold its letter, a broken necessity
template must fail the eval, and readiness expectations are checked exactly."""

from __future__ import annotations

import argparse

import jinja2
import pytest
from support import FakeRetriever

from service.evals import cli, necessity, runner
from service.evals.cases import EvalCase, load_cases
from service.models import DraftStatus
from service.pipelines import necessity as pipeline
from service.policies.corpus import load_corpus
from service.policies.retrieve import SHIPPED_CORPUS
from service.render import text as render

READY = ["lmn-etanercept-step-ready", "lmn-power-wheelchair-ready"]
NOT_READY = "lmn-etanercept-no-tb-test"
CASES = [*READY, NOT_READY]


def _args(tmp_path, *extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    only = [x for cid in CASES for x in ("--only", cid)]
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
        ]
    )


@pytest.fixture(scope="module")
def retriever():
    return FakeRetriever(load_corpus(SHIPPED_CORPUS))


@pytest.fixture
def accepted(tmp_path, retriever):
    """A clean run of the necessity cases, accepted as this test's baseline."""
    results, failures = cli.evaluate(_args(tmp_path), retriever=retriever)
    assert failures == [], [f.message for f in failures]
    assert results["variants"]["composer"]["cases"][NOT_READY]["status"] == "held"
    assert cli.accept(_args(tmp_path, "--force")) == cli.EXIT_PASS
    return tmp_path


def _failed(tmp_path, retriever) -> dict[str, set[str]]:
    results, failures = cli.evaluate(_args(tmp_path), retriever=retriever)
    assert not results["gate"]["ok"]
    out: dict[str, set[str]] = {}
    for f in failures:
        out.setdefault(f.metric, set()).update(f.cases)
    return out


def test_the_suite_has_necessity_cases_of_every_kind():
    cases = [c for c in load_cases() if c.kind == "necessity"]
    assert len(cases) >= 20
    codes = {necessity.request_body(c)["service"]["code"][:1] for c in cases}
    assert {"J", "E", "K", "9", "7"} <= codes  # drug, DME, therapy and procedure codes
    assert any(c.expect.ready is False and c.expect.undocumented for c in cases)


def test_a_not_ready_case_that_releases_fails_the_gate(accepted, retriever, monkeypatch):
    monkeypatch.setattr(pipeline, "gate", lambda report: DraftStatus.RELEASED)
    failed = _failed(accepted, retriever)
    assert NOT_READY in failed["unready_released"]
    assert NOT_READY in failed["status_accuracy"]


def test_a_broken_necessity_template_fails_the_eval(accepted, retriever, monkeypatch):
    loader = jinja2.FileSystemLoader(render.TEMPLATES_DIR)
    sources = {
        name: loader.get_source(jinja2.Environment(), name)[0]
        for name in loader.list_templates()
        if name.endswith(".j2")
    }
    base = sources["necessity_procedure.txt.j2"]
    sources["necessity_procedure.txt.j2"] = base.replace("NPI", "").replace(
        "signer.npi", "signer.name"
    )
    assert sources["necessity_procedure.txt.j2"] != base
    env = jinja2.Environment(
        loader=jinja2.DictLoader(sources),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = render.long_date
    monkeypatch.setattr(render, "environment", lambda: env)
    failed = _failed(accepted, retriever)
    assert set(READY) <= failed["element_coverage"] | failed.get("status_accuracy", set())


def _case(**expect) -> EvalCase:
    case = next(c for c in load_cases() if c.id == NOT_READY)
    return case.model_copy(update={"expect": case.expect.model_copy(update=expect)})


def test_undocumented_must_match_exactly(retriever):
    config = runner.load_config()
    settings = runner.case_settings(config, _case(), str(runner.EVALS_DIR / ".index"))
    result, parsed = necessity.draft(_case(), settings, retriever)
    good = necessity.score_necessity(_case(), result, parsed, settings)
    assert good.values["undocumented_exact"] == 1.0 and good.values["readiness_accuracy"] == 1.0
    extra = necessity.score_necessity(_case(undocumented=[]), result, parsed, settings)
    assert extra.values["undocumented_exact"] == 0.0
    wrong = necessity.score_necessity(
        _case(undocumented=["NW-RX-415#coverage-criteria-3"], ready=True), result, parsed, settings
    )
    assert wrong.values["undocumented_exact"] == 0.0
    assert wrong.values["readiness_accuracy"] == 0.0
    assert any("criteria-3" in f.detail for f in wrong.failures)


def test_the_case_chart_overrides_the_request_chart():
    case = next(c for c in load_cases() if c.id == NOT_READY)
    body = necessity.request_body(case)
    assert "Methotrexate" in body["chart"] and body["signer"]["npi"]


def test_model_variants_skip_necessity_cases():
    case = next(c for c in load_cases() if c.id == NOT_READY)
    assert runner.skip_reason(case, runner.Variant(model="composer"), live=False) is None
    assert "composer only" in runner.skip_reason(case, runner.Variant(model="x/y"), live=False)
