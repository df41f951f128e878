"""A point's heading names what its requirement is about, in the requirement's own words: a
requirement read as text (or a list of them) is not headed by one generic label shared by every
such point, and its heading adds no word the requirement does not have."""

from __future__ import annotations

import re

from service.models import RequirementKind, Verdict
from service.models.requirements import Evaluation
from service.render import phrase

TEXTS = [
    "The surgeon plans to remove at least 500 grams of tissue from each breast.",
    "Symptoms such as aching, heaviness, swelling or cramping that interfere with daily life",
    "A licensed mental-health professional completed a preoperative psychological evaluation.",
]


def _heading(text: str, kind: RequirementKind = RequirementKind.TEXT, **extra) -> str:
    e = Evaluation(requirement_id="R1", kind=kind, text=text, verdict=Verdict.MET, **extra)
    return phrase("criteria", "heading", e=e)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def test_text_requirements_get_headings_of_their_own_words_not_one_shared_label():
    headings = [_heading(t) for t in TEXTS]
    assert len(set(headings)) == len(headings)  # no shared generic heading
    for text, heading in zip(TEXTS, headings, strict=True):
        assert heading and _words(heading) <= _words(text)
        assert len(heading.split()) <= min(len(text.split()), 10)
        assert not heading.endswith((".", ",", " of", " to", " the"))


def test_a_list_of_text_requirements_is_headed_by_its_items_words():
    children = [
        Evaluation(requirement_id=f"R1.{i}", kind=RequirementKind.TEXT, text=t,
                   subject=t, verdict=Verdict.MET)
        for i, t in enumerate(TEXTS[:2])
    ]  # fmt: skip
    heading = _heading("all of these", RequirementKind.ALL_OF, children=children)
    assert _words(heading) - {"and"} <= _words(" ".join(TEXTS[:2]))  # joined, nothing added
    assert "surgeon" in heading.lower() and "symptoms" in heading.lower()


def test_a_heading_drops_the_letters_connective_and_its_you_must_frame():
    from service.render.wording import head_words

    assert head_words("Furthermore, you must be willing to have surgery.") == (
        "Willing to have surgery"
    )
    assert head_words("You also need to have x-rays that fail to provide a diagnosis") == (
        "X-rays that fail to provide a diagnosis"
    )
    assert head_words("You have diabetes (type 1 or type 2).") == "You have diabetes"
