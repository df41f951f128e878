"""LLM-assisted extraction: the model fills the parser's gaps, only with what is written."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fake_llm import FakeLLM
from scripted_model import respond
from support import TODAY

from service.config import Settings
from service.errors import LLMError, SchemaError
from service.intake.extract import extract_with_model, find_verbatim
from service.intake.request import apply_corrections, read_chart, read_denial
from service.models import Chart, ChartFact, Denial, FactType, Person, StatedCriterion
from service.pipelines.appeal import draft_appeal
from service.pipelines.appeal import read_appeal_case as intake

DENIAL = (
    "Member: Dana Whitfield, ID NWH448812.\nThe notes do not show six weeks of\n"
    "physical therapy that failed. The notes do not show x-rays that were normal."
)
NOTES = (
    "07/01/2026 PT discharge: Ms. Whitfield completed physical therapy for 8 weeks, "
    "no improvement.\n09/02/2026 Exam: positive straight leg raise on the left."
)
# A messy letter the parser reads little of: the model may fill what is written here.
MESSY = (
    "Lakeshore Mutual\nMarch 3, 2026\nRe: Dana Whitfield / NWH448812 / born 04/12/1961\n"
    "we reviewed 72148 MRI lumbar spine without contrast for dx M54.16 and it is not "
    "covered. The notes do not show six weeks of physical therapy that failed."
)


def _inputs():
    denial = Denial(
        patient_name="Dana Whitfield",
        member_id="NWH448812",
        source_text=DENIAL,
        stated_criteria=[
            StatedCriterion(id="SC1", text="The notes do not show x-rays that were normal.")
        ],
    )
    chart = Chart(
        patient=Person(name="Dana Whitfield"),
        source_text=NOTES,
        facts=[
            ChartFact(
                id="F1",
                type=FactType.EXAM,
                date=dt.date(2026, 9, 2),
                text="positive straight leg raise on the left",
            )
        ],
    )
    return denial, chart


def _answer(messages) -> str:
    sent = messages[-1]["content"]
    pt = sent[sent.index("Ms. \u27e6") :].split(", no improvement")[0]  # as the model saw it
    return json.dumps(
        {
            "stated_criteria": [
                {"text": "The notes do not show six weeks of physical therapy that failed."},
            ],
            "chart_facts": [
                {
                    "type": "prior_treatment",
                    "text": pt,
                    "date_as_written": "07/01/2026",
                    "source": "PT discharge",
                },
                {"type": "imaging", "text": "MRI showed a herniated disc", "date_as_written": ""},
                {
                    "type": "exam",
                    "text": "positive straight leg raise",
                    "date_as_written": "09/03/2026",
                },  # not the date written: dropped
                {
                    "type": "exam",
                    "text": "positive straight leg raise on the left",
                    "date_as_written": "09/02/2026",
                },  # the parser already has it
            ],
        }
    )


def test_verbatim_facts_with_written_dates_are_added_and_identifiers_stay_home():
    denial, chart = _inputs()
    fake = FakeLLM(_answer)
    out = extract_with_model(denial, chart, llm=fake)
    assert out.denial.stated_criteria == denial.stated_criteria  # the parser's list wins
    assert [f.id for f in out.chart.facts] == ["F1", "F2"]
    added = out.chart.facts[1]
    assert added.date == dt.date(2026, 7, 1) and added.source == "PT discharge"
    assert added.text.startswith("Ms. Whitfield completed physical therapy")
    assert NOTES[added.span.start : added.span.end] == added.text
    assert out.filled == ["chart_facts"] and out.dropped == ["chart_facts"]
    assert out.usage["calls"] == 1 and out.usage["prompt_tokens"] == 1000
    assert "Whitfield" not in fake.sent_text() and "NWH448812" not in fake.sent_text()


def _messy_answer(**fields) -> str:
    base = {
        "payer": "Lakeshore Mutual",
        "patient_name": "Dana Whitfield",
        "member_id": "NWH448812",
        "claim_number": "CLM-555",  # no claim number is written
        "denial_date": "March 3, 2026",
        "date_of_birth": "1961-04-12",  # reformatted: dropped
        "service_codes": [
            {"code": "72148", "description": "MRI lumbar spine without contrast"},
            {"code": "72158", "description": "MRI lumbar spine"},
        ],
        "diagnosis_codes": ["M54.16"],
    }
    return json.dumps(
        {
            "fields": {**base, **fields},
            "stated_criteria": [
                {"text": "The notes do not show six weeks of physical therapy that failed."},
                {"text": "The patient must be 18 or older."},
            ],
        }
    )


def test_model_fills_only_gaps_with_verbatim_values_and_names_what_it_dropped():
    denial = Denial(source_text=MESSY, payer="Lakeshore")  # the parser found the payer only
    out = extract_with_model(denial, Chart(), llm=FakeLLM(_messy_answer()), redact=False)
    d = out.denial
    assert d.payer == "Lakeshore"  # the parser's value wins
    assert (d.patient_name, d.member_id) == ("Dana Whitfield", "NWH448812")
    assert d.denial_date == dt.date(2026, 3, 3) and d.date_of_birth is None
    assert d.claim_number is None
    assert [(s.code, s.code_system.value) for s in d.service_lines] == [("72148", "CPT")]
    assert d.service_lines[0].description == "MRI lumbar spine without contrast"
    assert [c.code for c in d.diagnosis_codes] == ["M54.16"]
    assert [c.text for c in d.stated_criteria] == [
        "The notes do not show six weeks of physical therapy that failed."
    ]
    assert MESSY[d.sources["member_id"].start : d.sources["member_id"].end] == "NWH448812"
    assert set(out.dropped) == {"claim_number", "date_of_birth", "service_lines", "stated_criteria"}
    said = " ".join(out.notes + d.warnings)
    assert "claim_number" in said and "date_of_birth" in said
    assert "CLM-555" not in said and "1961" not in said  # field names only, never values


def test_model_failure_or_garbage_leaves_the_parse_as_is_with_a_note():
    denial, chart = _inputs()
    down = extract_with_model(denial, chart, llm=FakeLLM(LLMError("x", kind="timeout")))
    assert (down.denial, down.chart, down.usage) == (denial, chart, {})
    assert "timeout" in down.notes[0]
    garbage = extract_with_model(denial, chart, llm=FakeLLM("no json here"))
    assert (garbage.denial, garbage.chart) == (denial, chart) and garbage.notes


def test_find_verbatim_allows_only_whitespace_to_differ():
    assert find_verbatim("six weeks of physical", DENIAL) is not None
    assert find_verbatim("six weeks of Physical", DENIAL) is None
    assert find_verbatim("", DENIAL) is None


# --- wired into intake --------------------------------------------------------------------


def _settings(**kw) -> Settings:
    return Settings(today=TODAY, **kw)


def test_with_no_model_intake_is_exactly_the_offline_parse():
    settings = _settings()
    case = intake(MESSY, NOTES, settings, {"claim_number": "CLM-1"})
    offline = apply_corrections(read_denial(MESSY, settings), {"claim_number": "CLM-1"})
    assert case.denial == offline and case.chart == read_chart(NOTES, settings)
    assert case.notes == [] and case.usage == {}


def test_llm_extract_false_makes_no_call_and_default_asks_the_model():
    never = FakeLLM()  # raises if asked
    off = intake(MESSY, NOTES, _settings(), llm=never, llm_extract=False)
    assert not never.requests and off.notes == []
    fake = FakeLLM(_messy_answer())
    on = intake(MESSY, NOTES, _settings(), llm=fake)
    assert len(fake.requests) == 1 and on.usage["calls"] == 1
    assert on.denial.denial_date == dt.date(2026, 3, 3)
    with pytest.raises(SchemaError):
        intake(MESSY, NOTES, _settings(), llm=fake, llm_extract="yes")


def test_corrections_win_over_the_model_and_are_redacted_before_it_reads():
    fake = FakeLLM(_messy_answer(member_id="NWH448812"))
    case = intake(MESSY, NOTES, _settings(), {"member_id": "NWH448812"}, llm=fake)
    assert "NWH448812" not in fake.sent_text()
    assert case.denial.member_id == "NWH448812"
    assert "member_id" not in case.denial.sources  # the user's value, not the model's


def test_outage_in_intake_falls_back_to_the_parse_and_the_letter_says_so():
    fake = FakeLLM(LLMError("x", kind="connection"), respond, respond, respond)
    result = draft_appeal(MESSY, NOTES, settings=_settings(), retriever=None, llm=fake)
    offline = intake(MESSY, NOTES, _settings())
    assert result.denial == offline.denial
    assert any("extraction model call failed (connection)" in n for n in result.provenance.notes)
    assert result.provenance.usage.get("extract_calls", 0) == 0
    assert result.provenance.drafter == "llm"  # the draft call still went to the model
