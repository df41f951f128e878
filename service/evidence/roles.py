"""The requirements a criterion states about who and where: the patient's age, the
prescriber's specialty or profession, and the place of service, read from its words."""

from __future__ import annotations

import re
from typing import Any

from service.evidence.vocabulary import category, clinical, places, specialties
from service.models import Op, Requirement, RequirementKind, Threshold

K = RequirementKind
_AGE = [
    (
        r"\b(\d+)\s*(?:years?\s*(?:of age|old)?\s*)?(?:to|-|through)\s*(\d+)\s*years?(?: of age"
        r"| old)?",
        "between",
    ),
    (r"\b(?:under|younger than|less than)\s*(\d+)\s*(?:years?|y/?o)\b", "<"),
    (
        r"\b(?:at least|aged?)\s*(\d+)\s*(?:years?|y/?o)?\s*(?:old|of age)?\s*(?:or older"
        r"|and (?:over|older)|\+)?",
        ">=",
    ),
    (r"\b(\d+)\s*years?\s*(?:of age|old)?\s*(?:or older|and (?:over|older))", ">="),
]
_AGE_CUE = re.compile(
    r"\b(?:age[ds]?|years? old|years? of age|adults?|child|older|younger)\b", re.I
)
_ROLE = re.compile(
    r"\b(?:prescribed|ordered|requested|recommended|written|managed|given|performed|evaluated)\s+by"
    r"|\bin consultation with\b|\bconsultation with\b|\bconsulted\b"
    r"|\b(?:prescriber|ordering (?:provider|physician|clinician)) is\b",
    re.I,
)
_SETTING = re.compile(
    r"\b(?:site of care|setting|place of service|performed (?:in|at)|done (?:in|at|as)|given (?:at"
    r"|in)"
    r"|infusions? (?:are|is) given|as an outpatient)\b",
    re.I,
)


def _hits(lex: Any, text: str) -> list[str]:
    return lex().concepts_in(text)


def _measured(text: str) -> bool:
    """The text names a measured value ("age-adjusted calcium" is a value, not an age)."""
    return any(category(c) == "measures" for c in clinical().concepts_in(text))


def _age(text: str) -> Threshold | None:
    if not _AGE_CUE.search(text):
        return None
    for pat, op in _AGE:
        m = re.search(pat, text, re.I)
        if m:
            if op == "between":
                return Threshold(
                    op=Op.BETWEEN, low=float(m.group(1)), high=float(m.group(2)), unit="years"
                )
            return Threshold(op=Op(op), value=float(m.group(1)), unit="years")
    return None


def by_role(base: dict[str, Any], text: str) -> Requirement | None:
    """An age, a prescriber's specialty or a place of service."""
    age = _age(text)
    if age is not None and not _measured(text):
        return Requirement(kind=K.AGE, subject="age", threshold=age, **base)
    found = _hits(specialties, text)
    if found and _ROLE.search(text):
        return Requirement(kind=K.PRESCRIBER, subject=", ".join(found), specialties=found, **base)
    first = re.split(r"(?<=[.;])\s", text, maxsplit=1)[0]
    found = _hits(places, first)
    if found and _SETTING.search(text):
        return Requirement(kind=K.PLACE_OF_SERVICE, subject=", ".join(found), places=found, **base)
    return None
