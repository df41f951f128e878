"""The five real denial letters through the full pipeline with a model configured, replayed.

Settings name a model (as OVERTURN_MODEL would) on a loopback server, PHI placeholders on;
`draft_appeal` (the CLI's entry; the API runs the same intake + draft_case) makes the
extraction call and the draft call through litellm, and vcr replays both from
tests/cassettes/real_denials/<letter>.yaml. The letters themselves stay out of the project:
each request's fenced copy of the denial letter is stored (and matched) as its SHA-256 digest,
while every body as actually sent is kept in memory for the identifier check. Replay-only; to
re-record against the scripted model (tests/scripted_model.py served by tests/llm_server.py):

    OVERTURN_RECORD=1 /work/venv/bin/pytest tests/test_llm_real_denials.py
"""

from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from llm_server import ScriptedServer, Step
from scripted_model import respond
from support import REAL_LETTERS, REPO, TODAY, FakeRetriever, denial_letter

from service.config import Settings
from service.evals.recording import recorder as make_recorder
from service.llm.phi import date_spellings
from service.llm.prompts import load_prompt
from service.models import CitationKind
from service.pipelines.appeal import draft_appeal
from service.pipelines.appeal import read_appeal_case as intake

CASSETTES = Path(__file__).resolve().parent / "cassettes" / "real_denials"
RECORD = os.environ.get("OVERTURN_RECORD") == "1"
PORT = 18766  # fixed: host and port are part of the match
MODEL = "openai/scripted-model"
REAL = REPO / "evals" / "cases" / "real"
CORRECTIONS = json.loads((REAL / "corrections.json").read_text(encoding="utf-8"))
LETTERS = REAL_LETTERS

SENT: list[str] = []  # request bodies exactly as Overturn sent them, during this test run
recorder = make_recorder(record=RECORD, library=CASSETTES, seen=SENT.append)


@contextmanager
def cassette(name: str):
    """Replay `name`.yaml; when recording, the scripted model answers every call meanwhile."""
    with recorder.use_cassette(f"{name}.yaml"):
        if not RECORD:
            yield
            return
        with ScriptedServer(PORT, estimate_usage=True) as server:
            server.enqueue(*[Step(text=respond)] * 6)
            yield


def model_settings(data_dir: str) -> Settings:
    """What OVERTURN_MODEL / OVERTURN_LLM_API_BASE give, PHI placeholders left at their default."""
    env = {
        "OVERTURN_MODEL": MODEL,
        "OVERTURN_LLM_API_BASE": f"http://127.0.0.1:{PORT}/v1",
        "OVERTURN_LLM_MAX_RETRIES": "0",
        "OVERTURN_LLM_TIMEOUT": "10",
    }
    return Settings.from_env(env, today=TODAY, data_dir=data_dir)


def inputs(name: str) -> tuple[str, str]:
    denial = denial_letter(name)
    return denial, (REAL / f"{name}.chart.txt").read_text(encoding="utf-8")


def replay(name: str, tmp_path, monkeypatch):
    """The appeal for one real letter, drafted with the model from its cassette."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-replay")  # litellm wants a key; never recorded
    settings = model_settings(str(tmp_path))
    assert settings.model == MODEL and settings.phi_placeholders == "on"
    denial, chart = inputs(name)
    SENT.clear()
    with cassette(name):
        return draft_appeal(
            denial,
            chart,
            settings=settings,
            retriever=FakeRetriever([]),
            corrections=CORRECTIONS.get(name),
        )


def identifiers(name: str, tmp_path) -> list[str]:
    """Every patient identifier the letter and chart give (parsed offline), with its spellings."""
    denial, chart = inputs(name)
    case = intake(
        denial, chart, Settings(today=TODAY, data_dir=str(tmp_path)), CORRECTIONS.get(name)
    )
    d, p = case.denial, case.chart.patient
    names = [n for n in (d.patient_name, p.name) if n]
    values = names + [part for n in names for part in n.split() if len(part) >= 3]
    values += [v for v in (d.member_id, p.member_id, d.claim_number, d.reference_number) if v]
    for dob in {x for x in (d.date_of_birth, p.date_of_birth) if x}:
        values += date_spellings(dob)
    assert names, "each real case names its patient"
    return values


def recorded_bodies(name: str) -> list[dict]:
    data = yaml.safe_load((CASSETTES / f"{name}.yaml").read_text(encoding="utf-8"))
    bodies = [item["request"]["body"] for item in data["interactions"]]
    return [json.loads(b.decode() if isinstance(b, bytes) else b) for b in bodies]


def assert_no_identifier(values: list[str], sent: str) -> None:
    for value in values:
        pattern = rf"(?<![\w]){re.escape(value)}(?![\w])"
        assert not re.search(pattern, sent, re.IGNORECASE), "an identifier reached the model"


# The Lupron letter allows only the 3.75 mg strength; the team's chart prescribes 11.25 mg.
NOT_MET = {"lupron_cancer"}


@pytest.mark.parametrize("name", LETTERS)
def test_real_denial_is_drafted_by_the_model_and_released(name, tmp_path, monkeypatch):
    result = replay(name, tmp_path, monkeypatch)
    sent = "\n".join(m["content"] for b in SENT for m in json.loads(b)["messages"])
    assert "The denial letter:" in sent and "Criteria:" in sent and "sha256:" not in sent
    assert_no_identifier(identifiers(name, tmp_path), sent)  # the letter text included
    if name in NOT_MET:  # the chart contradicts the stated criterion: held, never argued met
        assert result.status.value == "held"
        assert [p.where for p in result.report.problems if p.code == "stated_criterion_not_met"]
        assert not result.points
        return
    assert result.status.value == "released", result.report.problems
    stamp = result.provenance
    assert stamp.drafter == "llm" and stamp.model == "scripted-model"
    assert (stamp.prompt_id, stamp.prompt_version) == (
        "draft_appeal",
        load_prompt("draft_appeal").version,
    )
    # every citation is valid: a passage the model was given, or the denial itself
    given = {p.id for p in result.passages}
    for point in result.points:
        assert point.citations
        for c in point.citations:
            assert c.kind is CitationKind.DENIAL or c.passage_id in given
    assert {c.passage_id for p in result.points for c in p.citations if c.passage_id} <= given
    assert not [p for p in result.report.problems if p.code == "invalid_citation"]
    stated = {sc.id for sc in result.denial.stated_criteria}
    assert stated and stated <= {p.answers for p in result.points}
    # both calls were made and counted: the extraction, then the draft
    usage = stamp.usage
    assert usage["calls"] == 2 and usage["extract_calls"] == 1
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    version = load_prompt("extract_denial").version
    assert any(f"extract_denial v{version}" in n for n in stamp.notes)


@pytest.mark.parametrize("name", LETTERS)
def test_no_identifier_reaches_a_recorded_request(name, tmp_path):
    bodies = recorded_bodies(name)
    assert len(bodies) == 2, "the cassette should hold the extraction and the draft"
    assert "The denial letter:" in bodies[0]["messages"][-1]["content"]
    assert "Criteria:" in bodies[1]["messages"][-1]["content"]
    sent = "\n".join(m["content"] for b in bodies for m in b["messages"])
    assert "\u27e6PATIENT_1\u27e7" in sent  # the names were there, and were replaced
    assert sent.count("sha256:") == 2  # the letter is stored only as a digest
    assert_no_identifier(identifiers(name, tmp_path), sent)
