"""Typed requirements: each kind read from a criterion's words and judged on a chart, pinned at
its boundary (13 vs 14 days, 39 vs 40 years, 2 vs 3 episodes, a day outside the window, a value
just under a threshold, units written differently), and the chart statements that never count
(negated, family history, hypothetical, planned, an order without a result)."""

from __future__ import annotations

import datetime as dt

import pytest

from service.evidence.evaluate import evaluate_criterion
from service.evidence.judging import context_for
from service.evidence.requirements import parse_criterion
from service.models import (
    Chart,
    ChartFact,
    Denial,
    FactType,
    Person,
    Provider,
    RequirementKind,
    Verdict,
)

DOS = dt.date(2024, 3, 28)
K = RequirementKind


def _chart(*lines: tuple[str, str | None], born: dt.date | None = None, **kw) -> Chart:
    facts = [
        ChartFact(
            id=f"F{i}",
            type=FactType(kw.get("type", "history")),
            text=text,
            date=dt.date.fromisoformat(day) if day else None,
            source=kw.get("source", "Progress note"),
        )
        for i, (text, day) in enumerate(lines, 1)
    ]
    return Chart(patient=Person(date_of_birth=born), provider=Provider(), facts=facts)


def _judge(text: str, chart: Chart, dos: dt.date = DOS) -> Verdict:
    ctx = context_for(Denial(dates_of_service=[dos]), chart)
    return evaluate_criterion("C1", text, ctx).verdict


# ------------------------------------------------------------------------------------ age


def test_age_is_whole_years_on_the_date_of_service():
    text = "The member is 40 years of age or older."
    assert parse_criterion("C1", text).kind is K.AGE
    assert _judge(text, _chart(born=dt.date(1984, 3, 28))) is Verdict.MET  # 40 today
    assert _judge(text, _chart(born=dt.date(1984, 3, 29))) is Verdict.NOT_MET  # 40 tomorrow
    assert _judge(text, _chart(born=dt.date(1985, 1, 1))) is Verdict.NOT_MET  # 39
    assert _judge(text, _chart()) is Verdict.NOT_DOCUMENTED


def test_age_range_includes_both_ends():
    text = "is 50 to 80 years old on the date of the scan"
    assert _judge(text, _chart(born=dt.date(1943, 12, 1))) is Verdict.MET  # 80
    assert _judge(text, _chart(born=dt.date(1943, 3, 27))) is Verdict.NOT_MET  # 81


# ---------------------------------------------------------------------------- event count

SYNCOPE = "at least three episodes of syncope within the 2 years before the request"


def test_event_count_needs_that_many_dated_episodes_in_the_window():
    three = _chart(
        ("On 06/02/2022 he passed out at home.", "2024-03-01"),
        ("Fainted in church on 01/19/2023.", "2024-03-01"),
        ("Lost consciousness on 11/30/2023 while standing.", "2024-03-01"),
    )
    assert parse_criterion("C1", SYNCOPE).kind is K.EVENT_COUNT
    assert _judge(SYNCOPE, three) is Verdict.MET
    two = _chart(*[(f.text, "2024-03-01") for f in three.facts[1:]])
    assert _judge(SYNCOPE, two) is Verdict.NOT_MET


def test_an_episode_one_day_outside_the_window_does_not_count():
    outside = _chart(
        ("On 03/27/2022 he passed out at home.", None),  # window starts 03/28/2022
        ("Fainted in church on 01/19/2023.", None),
        ("Lost consciousness on 11/30/2023 while standing.", None),
    )
    assert _judge(SYNCOPE, outside) is Verdict.NOT_MET
    edge = _chart(*[(f.text.replace("03/27/2022", "03/28/2022"), None) for f in outside.facts])
    assert _judge(SYNCOPE, edge) is Verdict.MET


def test_denied_family_and_near_events_are_not_episodes():
    chart = _chart(
        ("On 06/02/2022 he passed out at home.", None),
        ("On 01/19/2023 he was lightheaded (near-syncope only).", None),
        ("Denies syncope on 11/30/2023.", None),
        ("His brother fainted on 12/01/2023.", None),
    )
    assert _judge(SYNCOPE, chart) is Verdict.NOT_MET


def test_no_more_than_counts_the_requested_session():
    text = (
        "No more than 4 epidural injection sessions in any 12 months, counting the one requested."
    )
    three = _chart(
        *[
            (f"Epidural steroid injection on {d}.", None)
            for d in ("2023-06-01", "2023-09-01", "2024-01-01")
        ]
    )
    assert _judge(text, three) is Verdict.MET
    four = _chart(
        *[
            (f"Epidural steroid injection on {d}.", None)
            for d in ("2023-05-01", "2023-06-01", "2023-09-01", "2024-01-01")
        ]
    )
    assert _judge(text, four) is Verdict.NOT_MET


# ------------------------------------------------------------------------ therapy duration

MONITOR = "an external ambulatory cardiac monitor was worn for at least 14 days in a row"


def test_duration_is_compared_in_days():
    assert parse_criterion("C1", MONITOR).kind is K.DURATION
    worn = _chart(("Patch monitor worn 02/20/2024 - 03/05/2024, no arrhythmia.", None))
    assert _judge(MONITOR, worn) is Verdict.MET  # 14 days
    short = _chart(("Patch monitor worn 02/20/2024 - 03/04/2024, no arrhythmia.", None))
    assert _judge(MONITOR, short) is Verdict.NOT_MET  # 13 days
    assert (
        _judge(MONITOR, _chart(("Total duration: 13 d 10 h of Holter monitor recording.", None)))
        is Verdict.NOT_MET
    )


def test_an_ordered_duration_is_not_a_duration_worn():
    ordered = _chart(("Patch monitor ordered by Dr. Lee 02/13/2024 for 14 days.", "2024-02-13"))
    assert _judge(MONITOR, ordered) is not Verdict.MET


def test_weeks_of_therapy_from_start_to_stop():
    text = "at least 6 weeks of physical therapy that did not help"
    six = _chart(("Physical therapy 02/01/2024 - 03/14/2024 with no improvement.", None))
    assert _judge(text, six) is Verdict.MET  # 42 days
    five = _chart(("Physical therapy 02/01/2024 - 03/13/2024 with no improvement.", None))
    assert _judge(text, five) is Verdict.NOT_MET  # 41 days


def test_a_plan_or_a_negated_therapy_is_no_therapy():
    text = "at least 6 weeks of physical therapy"
    assert (
        _judge(text, _chart(("Consider physical therapy for 8 weeks.", "2024-01-01")))
        is Verdict.NOT_DOCUMENTED
    )
    assert (
        _judge(text, _chart(("Did not try physical therapy.", "2024-01-01")))
        is Verdict.NOT_DOCUMENTED
    )


# ----------------------------------------------------------------------------- drug trial

TRIALS = (
    "tried at least two preventive medicines from two different drug classes, each for at "
    "least 8 weeks without benefit, unless side effects made them stop sooner"
)


def test_drug_trials_count_drugs_and_classes():
    req = parse_criterion("C1", TRIALS)
    assert req.kind is K.DRUG_TRIAL and req.count == 2 and req.classes == 2
    two_classes = _chart(
        ("Topiramate 100 mg daily 01/02/2023 - 03/06/2023: no benefit.", None),
        ("Propranolol 80 mg daily 04/01/2023 - 06/30/2023: no improvement.", None),
    )
    assert _judge(TRIALS, two_classes) is Verdict.MET
    one_class = _chart(
        ("Topiramate 100 mg daily 01/02/2023 - 03/06/2023: no benefit.", None),
        ("Divalproex 500 mg daily 04/01/2023 - 06/30/2023: no improvement.", None),
    )
    assert _judge(TRIALS, one_class) is not Verdict.MET


def test_a_trial_one_day_short_fails_unless_stopped_for_side_effects():
    short = _chart(
        ("Topiramate 100 mg daily 01/02/2023 - 02/26/2023: no benefit.", None),  # 55 days
        ("Propranolol 80 mg daily 04/01/2023 - 06/30/2023: no improvement.", None),
    )
    assert _judge(TRIALS, short) is Verdict.NOT_MET
    stopped = _chart(
        ("Topiramate 100 mg daily 01/02/2023 - 01/20/2023: stopped for side effects.", None),
        ("Propranolol 80 mg daily 04/01/2023 - 06/30/2023: no improvement.", None),
    )
    assert _judge(TRIALS, stopped) is Verdict.MET
    no_side_effects = _chart(
        ("Topiramate 100 mg daily 01/02/2023 - 01/20/2023: no effect, no side effects.", None),
        ("Propranolol 80 mg daily 04/01/2023 - 06/30/2023: no improvement.", None),
    )
    assert _judge(TRIALS, no_side_effects) is Verdict.NOT_MET


def test_a_drug_considered_but_not_started_is_no_trial():
    text = "a trial of a TNF blocker for at least 12 weeks with inadequate response"
    chart = _chart(("Infliximab was considered but not started.", "2024-01-01"))
    assert _judge(text, chart) is Verdict.NOT_DOCUMENTED


# ------------------------------------------------------------------ conservative measures

MEASURES = (
    "This service is used when treatment has not helped. Treatment should include medicines "
    "that reduce pain and swelling, a soft diet, and a night guard"
)
ALL_MEASURES = (
    ("Started naproxen 500 mg twice daily, a soft diet and a night guard.", "2024-01-08"),
    ("Jaw pain unchanged despite naproxen, the soft diet and the night guard.", "2024-03-04"),
)


def _evaluate(text: str, chart: Chart):
    return evaluate_criterion("C1", text, context_for(Denial(dates_of_service=[DOS]), chart))


def test_a_list_of_measures_asks_for_each_as_its_own_course():
    tree = parse_criterion("C1", MEASURES)
    assert tree.kind is K.ALL_OF
    assert [i.kind for i in tree.items] == [K.DRUG_TRIAL, K.DURATION, K.DURATION]
    e = _evaluate(MEASURES, _chart(*ALL_MEASURES))
    assert e.verdict is Verdict.MET
    assert all(c.verdict is Verdict.MET and c.facts for c in e.children)
    assert e.children[0].facts[0].label == "naproxen"  # each measure cites its own record


def test_a_listed_measure_the_chart_does_not_show_is_named():
    no_guard = _chart(
        ("Started naproxen 500 mg twice daily and a soft diet.", "2024-01-08"),
        ("Jaw pain unchanged despite naproxen and the soft diet.", "2024-03-04"),
    )
    e = _evaluate(MEASURES, no_guard)
    assert e.verdict is Verdict.NOT_DOCUMENTED
    missing = [c for c in e.children if c.verdict is not Verdict.MET]
    assert [c.subject for c in missing] == ["a night guard"]
    assert e.need and "night guard" in e.need and "soft diet" not in e.need


def test_one_or_more_of_the_measures_is_met_by_one():
    text = (
        "Symptoms persist despite one or more of the following: anti-inflammatory medicines, "
        "physical therapy, or a brace"
    )
    assert parse_criterion("C1", text).kind is K.ANY_OF
    chart = _chart(
        ("Physical therapy twice weekly since 01/08/2024.", "2024-01-08"),
        ("Knee pain persists despite 8 weeks of physical therapy.", "2024-03-04"),
    )
    assert _judge(text, chart) is Verdict.MET
    assert _judge(text, _chart(("Knee pain.", "2024-03-04"))) is Verdict.NOT_DOCUMENTED


# ---------------------------------------------------------------------------- test result

ECG = "a 12-lead ECG has been done and did not show the cause"


def test_a_normal_or_nondiagnostic_test_meets_did_not_show_the_cause():
    assert parse_criterion("C1", ECG).kind is K.TEST_RESULT
    assert (
        _judge(ECG, _chart(("ECG 01/27/2024: sinus rhythm, nondiagnostic.", None))) is Verdict.MET
    )
    assert _judge(ECG, _chart(("Heart tracing 01/27/2024 was normal.", None))) is Verdict.MET


def test_an_ordered_test_without_a_result_does_not_count():
    assert _judge(ECG, _chart(("Will order an ECG.", "2024-01-27"))) is Verdict.NOT_DOCUMENTED


def test_a_test_outside_its_window_is_not_met():
    text = "a tuberculosis test with a negative result within the 12 months before the request"
    old = _chart(("QuantiFERON 03/27/2023: negative.", None))  # a day too old
    assert _judge(text, old) is Verdict.NOT_MET
    fresh = _chart(("QuantiFERON 03/28/2023: negative.", None))
    assert _judge(text, fresh) is Verdict.MET


# ---------------------------------------------------------------------------- measurement


@pytest.mark.parametrize(
    ("text", "reading", "verdict"),
    [
        ("LDL-C of 190 mg/dL or higher", "LDL-C 190 mg/dl", Verdict.MET),
        ("LDL-C of 190 mg/dL or higher", "LDL-C 189 mg/dL", Verdict.NOT_MET),
        ("BMI of 40 kg/m2 or more", "BMI 40.0 kg/m²", Verdict.MET),
        ("BMI of 40 kg/m2 or more", "BMI 39.9 kg/m2", Verdict.NOT_MET),
        ("Hemoglobin less than 10 g/dL", "Hgb 9.9 g/dL", Verdict.MET),
        ("Hemoglobin less than 10 g/dL", "Hgb 100 g/L", Verdict.NOT_MET),  # = 10 g/dL
        ("Hemoglobin less than 10 g/dL", "Hgb 99 g/L", Verdict.MET),
        ("an AHI of 15 or more events per hour", "AHI 15 events/h", Verdict.MET),
        ("an AHI of 15 or more events per hour", "AHI 14.9 events/hr", Verdict.NOT_MET),
        ("HbA1c of 7.0% or higher", "A1c 6.9%", Verdict.NOT_MET),
        ("ejection fraction of 35% or less", "LVEF 35%", Verdict.MET),
    ],
)
def test_measurement_thresholds_and_units(text, reading, verdict):
    assert parse_criterion("C1", text).kind is K.MEASUREMENT
    assert _judge(text, _chart((f"{reading} on 03/01/2024.", None))) is verdict


def test_the_most_recent_reading_in_the_window_decides():
    text = "Hemoglobin less than 10 g/dL, measured within the 30 days before the first dose."
    chart = _chart(("Hgb 9.1 g/dL on 02/26/2024.", None), ("Hgb 10.2 g/dL on 03/20/2024.", None))
    assert _judge(text, chart) is Verdict.NOT_MET
    only_old = _chart(("Hgb 9.1 g/dL on 02/26/2024.", None))  # 31 days before
    assert _judge(text, only_old) is Verdict.NOT_MET


def test_a_residual_or_goal_value_is_not_the_patients_measurement():
    text = "A sleep study shows an AHI of 15 or more events per hour."
    study = ("Polysomnogram: AHI 38.2 events/hr.", "2023-11-14")
    on_cpap = ("CPAP download: average use 1.9 h; residual AHI 3.1.", "2024-03-05")
    assert _judge(text, _chart(study, on_cpap)) is Verdict.MET
    assert _judge(text, _chart(on_cpap)) is Verdict.NOT_DOCUMENTED
    goal = ("BMI 36.0 kg/m2; goal BMI 34 before surgery.", "2024-03-01")
    assert _judge("BMI of 35 kg/m2 or more", _chart(goal)) is Verdict.MET  # 34 is a goal
    # a criterion about the residual value reads the residual value
    residual = "Residual AHI above 15 events per hour on PAP."
    assert _judge(residual, _chart(study, on_cpap)) is Verdict.NOT_MET


@pytest.mark.parametrize(
    ("reading", "verdict"),
    [
        ("1.5 ppd x 12 yrs (18 pack-years) + 0.5 ppd x 6 yrs (3 pack-years)", Verdict.MET),
        ("18 pack-years plus 2 pack-years", Verdict.MET),
        ("18 pack-years plus 1 pack-year", Verdict.NOT_MET),
        ("18 pack-years; 3 pack-years in the 1990s", Verdict.NOT_MET),  # not added up
    ],
)
def test_readings_a_sentence_adds_up_are_judged_as_their_total(reading, verdict):
    text = "A smoking history of at least 20 pack-years."
    assert _judge(text, _chart((f"Smoking history: {reading}.", "2024-03-01"))) is verdict


def test_a_long_enough_course_whose_outcome_is_not_stated_is_not_documented():
    text = "Compression stockings worn for at least 3 months without enough relief."
    started = ("Compression stockings fitted and worn daily from 11/01/2023.", "2023-11-01")
    later = "Wearing compression stockings daily"
    silent = _chart(started, (f"{later}.", "2024-02-20"))
    assert _judge(text, silent) is Verdict.NOT_DOCUMENTED  # 111 days; the outcome unstated
    failed = _chart(started, (f"{later}; swelling no better.", "2024-02-20"))
    assert _judge(text, failed) is Verdict.MET
    short = _chart(started, (f"{later}; swelling no better.", "2023-12-20"))
    assert _judge(text, short) is Verdict.NOT_MET  # 49 days, dated: too short


def test_an_ongoing_course_since_a_date_lasts_until_its_note():
    text = "Compression stockings worn for at least 3 months without enough relief."
    note = "Still wearing compression stockings daily since 11/01/2023; swelling no better."
    assert _judge(text, _chart((note, "2024-02-20"))) is Verdict.MET  # 111 days
    assert _judge(text, _chart((note, "2024-01-20"))) is Verdict.NOT_MET  # 80 days


@pytest.mark.parametrize(
    ("note", "verdict"),
    [
        ("Estimated resection 650 g right and 600 g left.", Verdict.MET),
        ("Estimated resection 650 g right and 320 g left.", Verdict.NOT_MET),  # each breast
        ("Estimated resection 0.6 kg right and 0.55 kg left.", Verdict.MET),  # other unit
        ("Planned resection of breast tissue, both sides.", Verdict.NOT_DOCUMENTED),  # no value
    ],
)
def test_a_criterion_stating_a_value_is_met_only_by_a_value(note, verdict):
    text = "The surgeon plans to remove at least 500 grams of breast tissue from each breast."
    plan = f"Plan: bilateral breast reduction to remove breast tissue. {note}"
    assert _judge(text, _chart((plan, "2024-03-01"))) is verdict


def test_several_stated_values_are_each_met_by_one_value():
    text = (
        "Hypopneas are scored using a drop in airflow of at least 30 percent with an oxygen "
        "desaturation of at least 4 percent."
    )
    scored = "Hypopneas scored with a 30 percent airflow drop and 4 percent desaturation."
    assert _judge(text, _chart((scored, "2024-03-01"))) is Verdict.MET
    lower = "Hypopneas scored with a 25 percent airflow drop and 3 percent desaturation."
    assert _judge(text, _chart((lower, "2024-03-01"))) is Verdict.NOT_MET


def test_a_course_started_on_a_date_lasts_until_its_note_unless_it_stopped():
    text = "A wrist splint worn at night for at least 6 weeks without adequate relief."

    def chart(sentence: str, note: str) -> Chart:
        fact = ChartFact(
            id="F1",
            type=FactType.PRIOR_TREATMENT,
            text=sentence,
            date=dt.date(2023, 12, 1),
            note_date=dt.date.fromisoformat(note),
            source="Hand clinic note",
        )
        return Chart(patient=Person(), provider=Provider(), facts=[fact])

    going = "Night wrist splint started 12/01/2023; symptoms unchanged."
    assert _judge(text, chart(going, "2024-02-20")) is Verdict.MET  # 81 days by the note
    assert _judge(text, chart(going, "2023-12-20")) is Verdict.NOT_MET  # 19 days
    stopped = "Night wrist splint started 12/01/2023, stopped after a week; symptoms unchanged."
    assert _judge(text, chart(stopped, "2024-02-20")) is not Verdict.MET


@pytest.mark.parametrize(
    ("sentence", "note", "verdict"),
    [
        ("Six weeks of physical therapy did not help.", "2024-03-01", Verdict.MET),
        ("Four weeks of physical therapy did not help.", "2024-03-01", Verdict.NOT_MET),
        ("Physical therapy from January to March 2024, no improvement.", "2024-03-15", Verdict.MET),
        (
            "Physical therapy from January to February 2024, no improvement.",
            "2024-02-20",
            (Verdict.NOT_MET),
        ),
        ("12 visits of PT (Jan-Mar 2024), still symptomatic.", "2024-03-15", Verdict.MET),
        ("PT twice weekly since January 2024, pain unchanged.", "2024-03-15", Verdict.MET),
        ("PT since February 2024, pain unchanged.", "2024-03-01", Verdict.NOT_MET),
        ("Physical therapy once a week, no improvement.", "2024-03-01", Verdict.NOT_DOCUMENTED),
    ],
)
def test_a_course_length_written_in_words_or_months(sentence, note, verdict):
    text = "Physical therapy for at least 6 weeks without adequate relief."
    assert _judge(text, _chart((sentence, note))) is verdict


# ------------------------------------------------------------------ diagnosis, roles, text


def test_a_named_kind_of_a_diagnosis_answers_it():
    text = "You have diabetes (type 1 or type 2)."
    assert _judge(text, _chart(("Type 2 diabetes mellitus, on insulin.", "2024-03-01"))) is (
        Verdict.MET
    )
    assert _judge(text, _chart(("Mother has type 1 diabetes.", "2024-03-01"))) is (
        Verdict.NOT_DOCUMENTED
    )


def test_a_diagnosis_with_a_window_needs_a_note_inside_it():
    text = "Seen for diabetes care in the 6 months before the request."
    old = _chart(("Type 2 diabetes, follow-up visit.", "2023-06-01"))
    recent = _chart(("Type 2 diabetes, follow-up visit.", "2024-03-01"))
    assert _judge(text, old) is not Verdict.MET
    assert _judge(text, recent) is Verdict.MET


def test_events_listed_under_a_heading_count_and_the_heading_and_other_labels_do_not():
    text = "Two or more asthma exacerbations in the 12 months before the request."
    lines = [
        ("Asthma attacks needing steroids:", "2024-03-20"),
        ("10/04/2023 - urgent care, prednisone 40 mg x 5 days", "2023-10-04"),
        ("Other: 02/15/2024 urgent care for wheeze, no steroids given.", "2024-02-15"),
    ]
    assert _judge(text, _chart(*lines)) is Verdict.NOT_MET  # one listed attack
    second = ("01/12/2024 - ED visit, dexamethasone IM", "2024-01-12")
    assert _judge(text, _chart(lines[0], lines[1], second, lines[2])) is Verdict.MET


def test_diagnosis_by_words_or_code_but_not_by_family_or_rule_out():
    text = "A diagnosis of type 2 diabetes mellitus."
    assert parse_criterion("C1", text).kind is K.DIAGNOSIS
    assert _judge(text, _chart(("Assessment: T2DM, on metformin.", None))) is Verdict.MET
    coded = Chart(
        facts=[ChartFact(id="F1", type=FactType.DIAGNOSIS, text="Assessment", codes=["E11.65"])]
    )
    assert _judge(text, coded) is Verdict.MET
    assert _judge(text, _chart(("Mother has type 2 diabetes.", None))) is not Verdict.MET
    assert _judge(text, _chart(("Rule out type 2 diabetes.", None))) is not Verdict.MET


def test_prescriber_specialty_includes_subspecialties():
    text = "the device is ordered by a cardiologist"
    assert parse_criterion("C1", text).kind is K.PRESCRIBER
    ep = _chart(("Lena Okafor, MD - Clinical Cardiac Electrophysiology", None))
    assert _judge(text, ep) is Verdict.MET
    referred = _chart(("Referred to cardiology.", None))
    assert _judge(text, referred) is Verdict.NOT_DOCUMENTED


def test_place_of_service_from_the_plan():
    text = "Setting: performed in an ambulatory surgical center or hospital outpatient department."
    assert parse_criterion("C1", text).kind is K.PLACE_OF_SERVICE
    asc = _chart(("Plan: repair at Lakeside Surgery Center (ASC).", None), type="plan")
    assert _judge(text, asc) is Verdict.MET
    inpatient = _chart(("Plan: inpatient admission for the repair.", None), type="plan")
    assert _judge(text, inpatient) is Verdict.NOT_MET


def test_all_of_any_of_and_at_least_n():
    either = "either an oxygen saturation of 88% or lower, or a PaO2 of 55 mm Hg or lower"
    assert parse_criterion("C1", either).kind is K.ANY_OF
    assert _judge(either, _chart(("PaO2 54 mm Hg on 03/01/2024.", None))) is Verdict.MET
    both = "both of: a. ferritin of 100 ng/mL or higher; and b. TSAT of 20% or higher"
    tree = parse_criterion("C1", both)
    assert tree.kind is K.ALL_OF and len(tree.items) == 2
    one = _chart(("Ferritin 120 ng/mL, TSAT 18% on 03/01/2024.", None))
    assert _judge(both, one) is Verdict.NOT_MET
    two_of = "At least two of the following: (a) a cane; (b) physical therapy; (c) a knee brace"
    assert parse_criterion("C1", two_of).kind is K.AT_LEAST_N


def test_no_rule_names_a_policy_or_a_starter_payer():
    """General mechanisms only: the evidence stage's code and data name no policy and no payer."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "service" / "evidence"
    text = "\n".join(
        p.read_text(encoding="utf-8").lower()
        for p in root.rglob("*.*")
        if p.suffix in (".py", ".yaml")
    )
    for payer in ("northwind", "lakeshore", "bluestone", "acme"):
        assert payer not in text
    assert not re.search(r"\b(?:nw|lchp|bsm|med)-[a-z]{2,4}-\d{3}", text)
