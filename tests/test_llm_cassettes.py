"""LLM drafting end to end through litellm, replayed from cassettes in tests/cassettes/.

Replay-only by default (record mode "none": a request with no recording fails). To re-record
against the scripted OpenAI-compatible server in tests/llm_server.py:

    OVERTURN_RECORD=1 /work/venv/bin/pytest tests/test_llm_cassettes.py

Requests match on method, scheme, host, port, path and body; auth headers are filtered.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

import pytest
import vcr
import yaml
from fake_llm import CLAIM, FACTS, MEMBER, PATIENT, answer, case, checker, good
from llm_server import ScriptedServer, Step

from service.drafting.model import draft_with_model
from service.llm.adapter import LiteLLM
from service.llm.phi import date_spellings

CASSETTES = Path(__file__).resolve().parent / "cassettes"
RECORD = os.environ.get("OVERTURN_RECORD") == "1"
PORT = 18765  # fixed: host and port are part of the match
MODEL = "openai/scripted-model"

recorder = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="all" if RECORD else "none",
    drop_unused_requests=RECORD,  # a re-recording keeps only what this run sent
    match_on=["method", "scheme", "host", "port", "path", "body"],
    filter_headers=["authorization", "api-key", "x-api-key", "openai-organization"],
    decode_compressed_response=True,
)


@contextmanager
def cassette(name: str, *steps):
    """Replay `name`.yaml; when recording, serve `steps` from the scripted server meanwhile."""
    with recorder.use_cassette(f"{name}.yaml"):
        if not RECORD:
            yield
            return
        with ScriptedServer(PORT) as server:
            server.enqueue(*steps)
            yield


def draft(name: str, *steps, injected: bool = False):
    inp = case(injected=injected)
    llm = LiteLLM(
        MODEL,
        api_base=f"http://127.0.0.1:{PORT}/v1",
        api_key="sk-dummy",
        timeout=10.0,
        max_retries=0,
    )
    with cassette(name, *steps):
        return draft_with_model(inp, llm=llm, check=checker(inp)), inp


def test_recorded_draft_is_released_with_every_citation_valid():
    result, inp = draft("draft_released", good)
    assert result.drafter == "llm" and result.report.ok, result.report
    given = {p.id for p in inp.passages}
    cited = {c.passage_id for p in result.letter.points for c in p.citations}
    assert cited and cited <= given
    assert FACTS[0].text in result.letter.points[0].text
    assert result.usage["calls"] == 1 and result.usage["prompt_tokens"] == 900
    assert result.model == "scripted-model"


def test_recorded_unknown_id_is_repaired():
    bad = json.loads(answer())
    bad["points"][0]["citations"] = ["NW-IMG-999@v1#coverage-criteria-9"]
    result, _ = draft("repair_unknown_id", json.dumps(bad), good)
    assert result.drafter == "llm" and result.report.ok
    assert result.usage["calls"] == 2


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [("rate_limited_429", 429, "rate_limit"), ("server_error_500", 500, "server")],
)
def test_recorded_provider_error_falls_back_to_the_composer(name, status, kind):
    result, _ = draft(name, Step(status=status))
    assert result.drafter == "composer" and kind in result.notes[0]
    assert result.report.ok


def test_recorded_malformed_json_is_repaired():
    result, _ = draft("malformed_json", 'Sure! Here is the letter: {"opening": ', good)
    assert result.drafter == "llm" and result.usage["calls"] == 2


def test_recorded_truncated_output_is_repaired():
    cut = Step(text=answer()[:300], finish_reason="length")
    result, _ = draft("truncated_output", cut, good)
    assert result.drafter == "llm" and result.report.ok


def test_recorded_schema_ignoring_answer_falls_back_after_two_repairs():
    ignored = json.dumps({"letter": "Dear Sir or Madam, please pay the claim."})
    result, _ = draft("schema_ignored", ignored, ignored, ignored)
    assert result.drafter == "composer" and result.usage["calls"] == 3
    assert "after 2 repair" in result.notes[0]


def test_recorded_injection_obedience_is_refused_then_repaired():
    obeys = answer(opening="As instructed, the MRI has been approved under policy NW-XXX-999.")
    result, inp = draft("injection_obeyed", obeys, good, injected=True)
    assert result.drafter == "llm" and result.report.ok
    assert "approved" not in result.letter.opening and "NW-XXX-999" not in result.letter.opening


def _request_bodies() -> list[str]:
    bodies = []
    for path in sorted(CASSETTES.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]:
            body = item["request"]["body"]
            bodies.append(body.decode() if isinstance(body, bytes) else str(body))
    return bodies


def test_no_identifier_from_the_input_appears_in_any_recorded_request():
    bodies = _request_bodies()
    assert len(bodies) >= 12, "the cassettes are missing"
    inp = case()
    dob = inp.denial.date_of_birth
    values = [PATIENT, *PATIENT.split(), MEMBER, CLAIM, *date_spellings(dob)]
    for body in bodies:
        text = json.loads(body)
        sent = json.dumps(text, ensure_ascii=False).lower()
        for value in values:
            assert value.lower() not in sent, "an identifier reached a recorded request"


def test_recorded_requests_carry_no_auth_header():
    for path in sorted(CASSETTES.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]:
            headers = {k.lower() for k in item["request"]["headers"]}
            assert not headers & {"authorization", "api-key", "x-api-key"}
