"""Which codes a letter is about: those of the service asked for or billed, not the others
it names in passing.

A letter names other codes too: the alternative the plan approved instead ("We approved a
home sleep test (G0399) instead"), a lower level of care it suggests, the comparison in a
reviewer's finding. A careful reader takes as the service the codes printed in the letter's
fields, tables and remittance lines, or in a sentence that says what was asked for, billed
or denied (phrase families in data/notice_phrases.yaml); when the letter names some codes
that way, a code it names only elsewhere is not the service.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from service.intake.appeal_rights import notice

_CELLS = re.compile(r"\S(?: {3,}|\t)\S|\||\*")


def _line(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : len(text) if end < 0 else end]


# A sentence ending inside a field's value: what follows is prose, not the field.
_SENTENCE_END = re.compile(r"[.!?]\s+[A-Z]")


def _structured(text: str, pos: int, fields: Iterable[tuple[int, int]]) -> bool:
    """In a labelled field's value (its first sentence: "Decision: DENIED. A home test (95806)
    may be approved instead" names the alternative in prose), a table row or a segment."""
    in_field = any(a <= pos < b and not _SENTENCE_END.search(text, a, pos) for a, b in fields)
    return in_field or bool(_CELLS.search(_line(text, pos)))


def _said_to_be_the_service(text: str, pos: int, sentences: list[tuple[int, int]]) -> bool:
    for a, b in sentences:
        if a <= pos < b:
            s = " ".join(text[a:b].split())
            return bool(notice("asked_or_billed").search(s) or notice("denied").search(s))
    return False


def named_in_passing(
    text: str,
    found: Iterable[tuple[str, int]],
    fields: list[tuple[int, int]],
    sentences: list[tuple[int, int]],
) -> set[str]:
    """Codes (of (code, position) pairs) the letter names only in passing, when it names
    others as the service; empty when it names none that way."""
    subject: set[str] = set()
    passing: set[str] = set()
    for code, pos in found:
        if _structured(text, pos, fields) or _said_to_be_the_service(text, pos, sentences):
            subject.add(code)
        else:
            passing.add(code)
    return passing - subject if subject else set()
