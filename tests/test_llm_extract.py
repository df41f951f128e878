"""LLM-assisted extraction keeps only what is written in the source, verbatim."""

from __future__ import annotations

import datetime as dt
import json

from fake_llm import FakeLLM

from service.drafting.llm_extract import extract_with_model, find_verbatim
from service.errors import LLMError
from service.models import Chart, ChartFact, Denial, FactType, Person, StatedCriterion

DENIAL = ("Member: Dana Whitfield, ID NWH448812.\nThe notes do not show six weeks of\n"
          "physical therapy that failed. The notes do not show x-rays that were normal.")
NOTES = ("07/01/2026 PT discharge: Ms. Whitfield completed physical therapy for 8 weeks, "
         "no improvement.\n09/02/2026 Exam: positive straight leg raise on the left.")


def _inputs():
    denial = Denial(patient_name="Dana Whitfield", member_id="NWH448812", source_text=DENIAL,
                    stated_criteria=[StatedCriterion(
                        id="SC1", text="The notes do not show x-rays that were normal.")])
    chart = Chart(patient=Person(name="Dana Whitfield"), source_text=NOTES, facts=[ChartFact(
        id="F1", type=FactType.EXAM, date=dt.date(2026, 9, 2),
        text="positive straight leg raise on the left")])
    return denial, chart


def _answer(messages) -> str:
    sent = messages[-1]["content"]
    pt = sent[sent.index("Ms. \u27e6"):].split(", no improvement")[0]  # as the model saw it
    return json.dumps({
        "stated_criteria": [
            {"text": "The notes do not show six weeks of physical therapy that failed."},
            {"text": "The notes do not show x-rays that were normal."},  # already known
            {"text": "The patient must be 18 or older."},  # not in the letter
        ],
        "chart_facts": [
            {"type": "prior_treatment", "text": pt, "date_as_written": "07/01/2026",
             "source": "PT discharge"},
            {"type": "imaging", "text": "MRI showed a herniated disc", "date_as_written": ""},
            {"type": "exam", "text": "positive straight leg raise on the left",
             "date_as_written": "09/03/2026"},
        ],
    })


def test_only_verbatim_items_with_written_dates_survive_and_identifiers_stay_home():
    denial, chart = _inputs()
    fake = FakeLLM(_answer)
    criteria, facts = extract_with_model(denial, chart, llm=fake)
    assert [(c.id, c.text) for c in criteria] == [
        ("SC2", "The notes do not show six weeks of physical therapy that failed.")]
    assert criteria[0].span is not None
    assert len(facts) == 1 and facts[0].id == "F2"
    assert facts[0].date == dt.date(2026, 7, 1)
    assert facts[0].text.startswith("Ms. Whitfield completed physical therapy")
    assert NOTES[facts[0].span.start:facts[0].span.end] == facts[0].text
    assert "Whitfield" not in fake.sent_text() and "NWH448812" not in fake.sent_text()


def test_model_failure_or_garbage_leaves_the_parse_as_is():
    denial, chart = _inputs()
    assert extract_with_model(denial, chart, llm=FakeLLM(LLMError("x", kind="timeout"))) == (
        [], [])
    assert extract_with_model(denial, chart, llm=FakeLLM("no json here")) == ([], [])


def test_find_verbatim_allows_only_whitespace_to_differ():
    assert find_verbatim("six weeks of physical", DENIAL) is not None
    assert find_verbatim("six weeks of Physical", DENIAL) is None
    assert find_verbatim("", DENIAL) is None
