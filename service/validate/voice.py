"""Voice and tone: the letter speaks as its signer (practice, provider or patient) and states
evidence, not threats or promises."""

from __future__ import annotations

import re

from service.models import (
    LetterDraft,
    Problem,
)
from service.validate.grounds import letter_fields, unquoted

_TONE = re.compile(
    r"\b(lawsuit|sue|attorney|legal action|bad faith|litigation|guarantee[sd]?|outrageous|"
    r"unacceptable|negligen\w*|shameful|disgrace\w*)\b",
    re.I,
)
_PRACTICE_VOICE = re.compile(r"\b(?:we (?:ask|request|are writing)|our patient)\b", re.I)
_FIRST_PERSON = re.compile(r"(?<![\w\u201c])I(?= [a-z])|\bmy\b")


def check_voice_and_tone(letter: LetterDraft) -> list[Problem]:
    """Practice and patient voices stay consistent; no threats, no promises, no outrage."""
    problems = []
    for where, value in letter_fields(letter):
        free = unquoted(value)
        if letter.voice == "practice" and _FIRST_PERSON.search(free):
            problems.append(
                Problem(
                    code="wrong_voice",
                    where=where,
                    message="First-person singular in a letter written in the practice's voice.",
                )
            )
        if letter.voice == "provider" and _PRACTICE_VOICE.search(free):
            problems.append(
                Problem(
                    code="wrong_voice",
                    where=where,
                    message="The practice's 'we' in a letter in the treating provider's voice.",
                )
            )
        if letter.voice == "patient" and re.search(r"\bour patient\b", free, re.I):
            problems.append(
                Problem(
                    code="wrong_voice",
                    where=where,
                    message="'our patient' in a letter written in the patient's voice.",
                )
            )
        for word in {m.group(0).lower() for m in _TONE.finditer(free)}:
            problems.append(
                Problem(
                    code="tone",
                    where=where,
                    message=f"'{word}': an appeal states evidence, not threats or promises.",
                )
            )
    if letter.voice == "provider" and not _FIRST_PERSON.search(unquoted(letter.opening)):
        problems.append(
            Problem(
                code="wrong_voice",
                where="opening",
                message="A letter of medical necessity opens in the provider's own voice.",
            )
        )
    return problems
