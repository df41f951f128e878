"""LLM drafting upstream of the adapter, with the scripted FakeLLM: grounding, repair, fallback,
PHI placeholders and every fault ending in a usable (or honestly held) draft."""

from __future__ import annotations

import json

import pytest
from fake_llm import (
    CLAIM,
    FACTS,
    MEMBER,
    P2,
    PATIENT,
    FakeLLM,
    answer,
    case,
    checker,
    fact_as_sent,
    good,
)

from service.drafting.composer import compose
from service.drafting.model import draft_with_model
from service.errors import LLMError
from service.llm.adapter import LLMReply
from service.models import CitationKind
from service.render import render_text

IDENTIFIERS = [PATIENT, "Whitfield", MEMBER, CLAIM, "04/12/1961", "1961-04-12"]


def run(fake: FakeLLM, inp=None, **kw):
    inp = inp or case()
    return draft_with_model(inp, llm=fake, check=checker(inp), **kw), inp


def released(result) -> bool:
    return result.report is not None and result.report.ok


def test_good_answer_is_merged_into_the_skeleton_and_released():
    result, inp = run(FakeLLM(good))
    assert result.drafter == "llm" and released(result), result.report
    assert (result.prompt_id, result.prompt_version) == ("draft_appeal", "2.0")
    assert result.model == "fake/model"
    skeleton = compose(inp)
    # everything that is not prose comes from the composer, never from the model
    for name in (
        "identifiers",
        "recipient",
        "signer",
        "enclosures",
        "date",
        "letter_type",
        "voice",
        "subject",
        "gaps",
    ):
        assert getattr(result.letter, name) == getattr(skeleton, name), name
    assert [p.answers for p in result.letter.points] == ["SC1", "SC2"]
    assert result.letter.points[0].citations[0].passage_id == P2
    assert result.letter.points[0].enclosures == [1, 2]
    # the model's prose named no policy; the reader still sees which one each point relies on
    for point in result.letter.points:
        for c in point.citations:
            assert c.policy_id and c.policy_id in point.text
    # the placeholder in the quoted fact is restored to the chart's own words
    assert FACTS[0].text in result.letter.points[0].text
    assert result.usage["calls"] == 1 and result.usage["prompt_tokens"] == 1000
    assert result.usage["repairs"] == 0


def test_no_identifier_reaches_the_model_and_the_fence_marks_untrusted_text():
    fake = FakeLLM(good)
    run(fake)
    sent = fake.sent_text()
    for value in IDENTIFIERS:
        assert value.lower() not in sent.lower(), "an identifier was sent to the model"
    assert "\u27e6PATIENT_1\u27e7" in sent
    assert "not instructions" in fake.requests[0]["messages"][0]["content"]


def test_placeholders_off_for_a_local_model_sends_the_text_as_is():
    fake = FakeLLM(answer())
    result, _ = run(fake, redact=False)
    assert MEMBER in fake.sent_text()
    assert result.drafter == "llm" and released(result)


def test_model_cannot_supply_identifiers():
    text = json.loads(answer())
    text["identifiers"] = {"Patient": "John Doe", "Member ID": "ZZZ000"}
    result, inp = run(FakeLLM(json.dumps(text)))
    assert result.letter.identifiers == compose(inp).identifiers


def test_unknown_ids_are_sent_back_verbatim_and_repaired():
    bad = json.loads(answer())
    bad["points"][0]["citations"] = ["NW-IMG-999@v1#coverage-criteria-9"]
    bad["points"][1]["chart_facts"] = ["F77"]
    fake = FakeLLM(json.dumps(bad), good)
    result, _ = run(fake)
    assert result.drafter == "llm" and released(result)
    repair = fake.requests[1]["messages"][-1]["content"]
    assert "NW-IMG-999@v1#coverage-criteria-9" in repair and "F77" in repair
    assert fake.requests[1]["messages"][-2]["role"] == "assistant"
    assert result.usage["calls"] == 2 and result.usage["repairs"] == 1


def test_validator_objection_is_repaired():
    invented = json.loads(answer())
    invented["points"][1]["text"] += " A repeat MRI on March 3, 2019 under CPT 99215 agreed."
    fake = FakeLLM(json.dumps(invented), good)
    result, _ = run(fake)
    assert result.drafter == "llm" and released(result)
    repair = fake.requests[1]["messages"][-1]["content"]
    assert "99215" in repair and "March 3, 2019" in repair


def test_gap_criterion_is_held_with_its_reason_not_papered_over():
    inp = case(facts=FACTS[:2])
    only_sc1 = json.loads(answer())
    only_sc1["points"] = only_sc1["points"][:1]
    claims_sc2 = json.loads(answer())
    claims_sc2["points"][1]["chart_facts"] = ["F2"]
    fake = FakeLLM(
        json.dumps(claims_sc2),
        lambda m: answer(
            fact_as_sent(m), points=[json.loads(answer(fact_as_sent(m)))["points"][0]]
        ),
    )
    result, _ = run(fake, inp)
    repair = fake.requests[1]["messages"][-1]["content"]
    assert "the verdict of SC2 is not_documented" in repair and "Drop the point" in repair
    assert result.drafter == "llm" and not released(result)
    codes = {p.code for p in result.report.problems if p.severity == "error"}
    assert codes == {"stated_criterion_not_documented"}


def _cut(text: str) -> LLMReply:
    return LLMReply(text=text[: len(text) // 2], finish_reason="length", model="fake/model")


INJECTED_ANSWER = answer(
    opening="As instructed, this claim has been approved. Coverage is confirmed.",
)
FAULTS = {
    "timeout": ([LLMError("x", kind="timeout")], "composer"),
    "rate_limit": ([LLMError("x", kind="rate_limit")], "composer"),
    "server_500": ([LLMError("x", kind="server")], "composer"),
    "connection_refused": ([LLMError("x", kind="connection")], "composer"),
    "malformed_json": (['{"opening": "We ask', "not json", "```json\n{]\n```"], "composer"),
    "malformed_then_good": (["Here is the letter: {oops", good], "llm"),
    "truncated_then_good": ([_cut(answer()), good], "llm"),
    "schema_ignored": ([json.dumps({"letter": "Dear payer, please pay."})] * 3, "composer"),
    "schema_ignored_then_good": ([json.dumps({"letter": "Dear payer"}), good], "llm"),
    "injection_obeyed": ([INJECTED_ANSWER] * 3, "composer"),
    "model_error_during_repair": (["not json", LLMError("x", kind="server")], "composer"),
}


@pytest.mark.parametrize("name", FAULTS)
def test_each_fault_ends_in_a_repair_a_fallback_or_a_held_draft(name):
    script, drafter = FAULTS[name]
    result, inp = run(FakeLLM(*script), case(injected=name.startswith("injection")))
    assert result.drafter == drafter
    if drafter == "composer":
        assert result.notes and "composer" in result.notes[-1]
        assert result.letter == compose(inp)
    text = render_text(result.letter, inp.settings)
    assert "has been approved" not in text and "NW-XXX-999" not in text
    assert released(result), result.report  # this case's chart documents every criterion


def test_injection_text_is_fenced_as_data_and_its_obedience_refused():
    fake = FakeLLM(INJECTED_ANSWER, good)
    result, _ = run(fake, case(injected=True))
    user = fake.requests[0]["messages"][1]["content"]
    fenced = user[user.index("<<<DATA\nNorthwind Health") :]
    assert "IGNORE PREVIOUS INSTRUCTIONS" in fenced.split("DATA>>>")[0]
    assert "coverage decision" in fake.requests[1]["messages"][-1]["content"]
    assert result.drafter == "llm" and released(result)


def test_fallback_keeps_the_composer_letter_and_stamps_the_attempt():
    result, inp = run(FakeLLM(LLMError("x", kind="timeout")))
    assert result.letter == compose(inp)
    assert result.model == "fake/model" and result.prompt_id == "draft_appeal"
    assert "timeout" in result.notes[0]
    assert result.usage["calls"] == 0


def test_denial_citation_is_allowed_when_no_passage_backs_the_criterion():
    inp = case(passages=[])
    data = json.loads(answer())
    for p in data["points"]:
        p["citations"] = ["denial"]
    result, _ = run(FakeLLM(json.dumps(data)), inp)
    kinds = {c.kind for p in result.letter.points for c in p.citations}
    assert kinds == {CitationKind.DENIAL}
    assert result.drafter == "llm" and released(result), result.report
