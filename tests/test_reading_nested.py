"""Criteria in layouts the first readers missed: a bullet list with a nested 'one of these'
sub-list, inline (A) (B) (C) elements, a table whose column heading alone names its rows as
requirements, a form that repeats a 'Requirement:' label, and a policy that numbers its
criteria as sub-headings. Each is read as criteria, one per item, with nothing dropped."""

from __future__ import annotations

from service.intake.denial_text import parse_denial_text
from service.policies.corpus import chunk_body

HEAD = "Fernhollow Health Plan\nMember ID: FHP-7720-118\n\nThe request is denied.\n\n"


def _criteria(body: str) -> tuple[list[str], str | None]:
    d = parse_denial_text(HEAD + body)
    return [" ".join(c.text.split()) for c in d.stated_criteria], d.criteria_logic


def test_a_nested_one_of_list_stays_inside_its_bullet_and_counts_times_a_day():
    texts, logic = _criteria(
        "The guideline asks for these things:\n\n"
        "  •  You have type 2 diabetes.\n"
        "  •  ONE of these is true:\n"
        "       –  You use insulin 3 or more times a day\n"
        "       –  You had two glucose readings below 54 mg/dL in 12 months\n"
        "  •  Your doctor saw you in the 6 months before the request.\n"
    )
    assert len(texts) == 3 and logic == "all"
    assert "3 or more times a day" in texts[1] and "below 54" in texts[1]


def test_capital_letters_in_brackets_mark_elements_inside_a_sentence():
    texts, logic = _criteria(
        "Surgery is covered only where the records establish (A) numbness lasting at least "
        "3 months; (B) splinting for at least 6 weeks without relief; and (C) a nerve "
        "conduction study showing median neuropathy.\n"
    )
    assert len(texts) == 3 and logic == "all"
    assert texts[0].startswith("numbness") and texts[2].startswith("a nerve conduction")


def test_a_column_headed_as_requirements_is_read_without_a_lead_in_cue():
    texts, _ = _criteria(
        "The reviewer compared the records with the guideline:\n\n"
        "Guideline requirement                         Reviewer finding\n"
        "--------------------------------------------  ----------------\n"
        "Compression stockings worn for at least       documented\n"
        "three months without relief\n"
        "Vein diameter of at least 4.5 mm on           see below\n"
        "ultrasound\n"
    )
    assert texts == [
        "Compression stockings worn for at least three months without relief",
        "Vein diameter of at least 4.5 mm on ultrasound",
    ]


def test_a_form_repeating_a_requirement_label_gives_one_criterion_per_label():
    texts, _ = _criteria(
        "The policy's criteria and the reviewer's findings:\n\n"
        "Criterion 1 of 2\n"
        "  Requirement:  Symptoms for at least 6 months.\n"
        "  Finding:      Met.\n\n"
        "Criterion 2 of 2\n"
        "  Requirement:  At least 3 months of treatment with one or more of: a support\n"
        "                bra, pain medicines or physical therapy.\n"
        "  Finding:      Not met.\n"
    )
    assert texts == [
        "Symptoms for at least 6 months.",
        "At least 3 months of treatment with one or more of: a support bra, pain medicines "
        "or physical therapy.",
    ]


def test_criteria_numbered_as_sub_headings_are_one_criterion_each():
    chunks = chunk_body(
        "## Criteria\n"
        "### 1. Imaging\nRadiographs show grade 3 or 4 osteoarthritis.\n\n"
        "### 2. Non-surgical care\nAt least two of the following were tried:\n"
        "- (a) NSAIDs for 6 weeks;\n- (b) physical therapy for 6 weeks.\n\n"
        "### 3. Body mass index\nBMI below 40 kg/m2.\n"
    )
    criteria = [c for c in chunks if c.section.startswith("Criteria >")]
    assert [c.section for c in criteria] == ["Criteria > 1", "Criteria > 2", "Criteria > 3"]
    assert "(b) physical therapy" in criteria[1].text and "BMI below 40" in criteria[2].text


def test_an_either_or_inside_a_bullet_is_that_bullets_words_not_the_list():
    texts, logic = _criteria(
        "Home oxygen is covered when:\n"
        "  •  You have a chronic lung condition that oxygen is expected to help.\n"
        "  •  A resting test within 30 days showed either a saturation of 88% or lower, or\n"
        "     a PaO2 of 55 mm Hg or lower.\n"
        "  •  Your practitioner saw you within the 30 days before the order.\n"
    )
    assert len(texts) == 3 and logic == "all"
    assert "either a saturation" in texts[1] and "55 mm Hg" in texts[1]


def test_examples_after_such_as_are_one_criterion_and_each_requirement_sentence_is_read():
    texts, _ = _criteria(
        "An MRI is denied because: treatment should include at least 6 weeks of physical "
        "therapy. You also need a recent exam that shows signs of a pinched nerve, such as "
        "weakness, a lost reflex, or a positive straight leg raise test. Your records need to "
        "show that an injection is planned. The notes do not show all of these things.\n"
    )
    assert len(texts) == 3
    assert "such as weakness, a lost reflex" in texts[1]
    assert not any("all of these" in t for t in texts)


_PARAGRAPH_CRITERIA = [
    "You are 50 years of age or older.",
    "A bone density scan shows a T-score of -2.5 or lower.",
    "You tried an oral bisphosphonate for at least 12 months.",
]


def test_one_criterion_a_paragraph_under_a_lead_in_reads_like_one_a_line():
    lead = "Our guideline says this drug can be approved when:\n\n"
    as_paragraphs = lead + "\n\n".join(
        # each paragraph wrapped over two lines, as a letter prints it
        c.replace(" a ", "\na ", 1) if " a " in c else c
        for c in _PARAGRAPH_CRITERIA
    )
    tail = "\n\nThe notes do not show a T-score.\n\nYou have the right to appeal within 65 days."
    texts, _ = _criteria(as_paragraphs + tail)
    assert texts == _PARAGRAPH_CRITERIA  # neither the reason nor the appeal rights
    lines, _ = _criteria(lead.rstrip("\n") + "\n" + "\n".join(_PARAGRAPH_CRITERIA) + tail)
    assert lines == texts
