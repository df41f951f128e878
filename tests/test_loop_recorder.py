"""The issue's 'done when': a loop-recorder denial from a payer we hold no policy for, its four
criteria inline ("when all the following are met: 1) ... 4) ..."), a chart documenting each with
dates. Released with one point per criterion, each showing its evidence and its comparison; with
the monitor worn 13 days instead of 30, held, naming that criterion in the payer's words. The
composer and the model path (the scripted model) agree."""

from __future__ import annotations

import pytest
from fake_llm import FakeLLM
from scripted_model import respond

from service.config import Settings
from service.models import Claim, DraftStatus
from service.pipelines.appeal import draft_appeal

DENIAL = """BRIGHTWATER MUTUAL HEALTH
Clinical Review Department
PO Box 7731, Lakeport, MN 55990

April 4, 2024

Notice of adverse benefit determination
Member: Rosalind Teague        Member ID: BWM-220-58841
Date of birth: 02/11/1980
Service: 33285 Insertion of subcutaneous cardiac rhythm monitor
Diagnosis: R55 Syncope and collapse
Requested date of service: 03/28/2024
Reference number: BW-UM-7730912

Dear Ms. Teague,

We cannot approve the implantable loop recorder your cardiologist asked for. Our medical
director reviewed the request against our Brightwater clinical guideline for implantable
cardiac monitors, which covers the device when all the following are met: 1) the member is
at least 40 years old; 2) the member has had at least three episodes of unexplained syncope
in the past 2 years; 3) an ECG and an echocardiogram were nondiagnostic; 4) an external
event monitor was worn for at least 14 days and was nondiagnostic. The records we received
do not show that these are met.

You may appeal within 180 days of this notice. Send your appeal to the address above or fax
it to 1-844-555-0199.

Brightwater Mutual Health, Clinical Review
"""

CHART = """Patient: Rosalind Teague   DOB: 02/11/1980   Member ID: BWM-220-58841

06/02/2022 Urgent care note
Passed out while standing at the bus stop; unresponsive for about 20 seconds, no injury.

01/19/2023 Emergency department note
Syncope at work, witnessed by coworkers, regained consciousness within a minute.

11/30/2023 Emergency department note
Fainted in the grocery store without warning; no seizure activity.

12/05/2023 ECG report
12-lead ECG: sinus rhythm, normal intervals, no conduction disease. Nondiagnostic.

12/12/2023 Echocardiogram report
Transthoracic echocardiogram: normal left ventricular function, normal valves. Nondiagnostic.

01/08/2024 Event monitor report
External event monitor worn from 12/15/2023 to 01/13/2024 (30 days): no arrhythmia recorded.
Nondiagnostic.

02/20/2024 Cardiology consult
Recurrent unexplained syncope; ECG, echocardiogram and 30-day event monitor unrevealing.
Plan: implantable loop recorder.

Signed: Marcus Ellery, MD, NPI 1457392862
Lakeport Heart Clinic, phone 555-014-2200
"""

# The same patient, the monitor taken off after 13 days: criterion 4 is not met.
SHORT_MONITOR = CHART.replace("to 01/13/2024 (30 days)", "to 12/28/2023 (13 days)").replace(
    "30-day event monitor", "13-day event monitor"
)


def _draft(chart: str, tmp_path, llm=None):
    settings = Settings(today="2024-04-10", data_dir=str(tmp_path))
    return draft_appeal(
        DENIAL, chart, settings=settings, retriever=None, llm=llm, llm_extract=False
    )


def _drafters():
    return {"composer": lambda: None, "model": lambda: FakeLLM(*[respond] * 3)}


@pytest.mark.parametrize("drafter", ["composer", "model"])
def test_every_criterion_documented_is_released_with_one_point_each(drafter, tmp_path):
    result = _draft(CHART, tmp_path, _drafters()[drafter]())
    assert result.status is DraftStatus.RELEASED, result.report.problems
    assert result.provenance.drafter == ("llm" if drafter == "model" else "composer")
    stated = [sc.id for sc in result.denial.stated_criteria]
    assert stated == ["SC1", "SC2", "SC3", "SC4"]
    assert [p.answers for p in result.points] == stated
    assert all(p.claim is Claim.MET for p in result.points)
    age, episodes, tests, monitor = (p.text for p in result.points)
    # the criterion in the payer's words, the dated evidence and the comparison, each point
    assert "the member is at least 40 years old" in age
    assert "44 years old on March 28, 2024" in age and "at least 40 years" in age
    assert "at least three episodes of unexplained syncope" in episodes
    assert "Three episodes of syncope within two years before March 28, 2024" in episodes
    for day in ("June 2, 2022", "January 19, 2023", "November 30, 2023"):
        assert day in episodes
    assert "Passed out while standing at the bus stop" in episodes
    assert "Electrocardiogram on December 5, 2023: nondiagnostic" in tests
    assert "Echocardiogram on December 12, 2023: nondiagnostic" in tests
    assert "from December 15, 2023 to January 13, 2024, 30 days, nondiagnostic" in monitor
    assert "requires at least 14 days" in monitor
    # no filler: nothing announced that the letter does not hold
    for filler in ("records:", "a condition the notes did not show", "We answer each below"):
        assert filler not in result.text


@pytest.mark.parametrize("drafter", ["composer", "model"])
def test_a_monitor_worn_13_days_holds_the_letter_naming_that_criterion(drafter, tmp_path):
    result = _draft(SHORT_MONITOR, tmp_path, _drafters()[drafter]())
    assert result.status is DraftStatus.HELD
    assert "SC4" not in {p.answers for p in result.points}  # never argued as met
    assert {p.answers for p in result.points} == {"SC1", "SC2", "SC3"}
    [held] = [p for p in result.report.problems if p.severity == "error"]
    assert (held.code, held.where) == ("stated_criterion_not_met", "criteria.SC4")
    # named in the payer's words, with the comparison and what would document it
    assert "an external event monitor was worn for at least 14 days" in held.message
    assert "13 days" in held.message and "requires at least 14 days" in held.message
    assert "What would document it" in held.message
    assert "Because the enclosed record meets each criterion" not in result.text
