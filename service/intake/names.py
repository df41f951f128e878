"""People's names as forms print them: with honorifics and credentials, or surname first.

A claim system or an EHR export prints "KOWALCZYK, DANUTA" or "OYELARAN-BRISCOE, DESMOND MD";
a letter prints "Dr. Danuta Kowalczyk, MD". `last_first` turns the first form into the second
order (keeping the printed case), and `person_name` strips what is not the name.
"""

from __future__ import annotations

import re


# Credentials printed after a clinician's name (degrees, licences, board letters).
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


CREDENTIALS = _words(
    "MD DO NP PA PA-C PT DPT MPT OT OTR RN LPN APRN FNP FNP-C FNP-BC CNP CRNP DNP DDS DMD "
    "DPM DC OD PHD PSYD LCSW LMFT LPC SLP CCC-SLP RD CRNA CNM MBBS FACC FACS FACP FAAOS "
    "FAAFP MPH MS MSN BSN RRT PHARMD AUD CST ATC"
)
_HONORIFIC = re.compile(r"^(?i:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+")
_SURNAME_FIRST = re.compile(r"^\s*(?P<last>[A-Z][\w'’-]+),[ \t]*(?P<tail>\S.*)$", re.S)
_GIVEN = re.compile(r"[A-Z][\w'’-]*\.?$")
_NAME = re.compile(r"[A-Z][\w'’.-]+(?:,?\s[A-Z][\w'’.-]*){1,3}")


def is_credential(token: str) -> bool:
    """True for a credential as printed ("MD", "M.D.", "PA-C", "PharmD")."""
    return token.replace(".", "").strip(",").upper() in CREDENTIALS


def last_first(value: str) -> str:
    """'LAST, FIRST MI[ CRED...]' put in reading order: 'FIRST MI LAST[, CRED...]'."""
    m = _SURNAME_FIRST.match(value)
    if not m or is_credential(m["last"]):
        return value
    words = m["tail"].split(" ")
    given: list[str] = []
    for word in words:
        if len(given) == 3 or not _GIVEN.match(word) or is_credential(word):
            break
        given.append(word)
    if not given:
        return value  # "Solvang, MD": a name and its credential, already in order
    rest = " ".join(words[len(given) :]).strip()
    name = " ".join([*given, m["last"]])
    if not rest:
        return name
    return f"{name}, {rest}" if is_credential(rest.split()[0]) else f"{name} {rest}"


def person_name(value: str) -> str | None:
    """The name alone from 'Dr. Jane Roe, MD (Cardiology)' or 'ROE, JANE'; None if no name."""
    value = _HONORIFIC.sub("", last_first(value.strip()))
    value = re.split(r"\s*\(", value)[0]
    words = []
    for word in value.replace(",", " , ").split():
        if word == "," or is_credential(word):
            break
        words.append(word)
    joined = " ".join(words)
    m = _NAME.fullmatch(joined)
    return m.group() if m else None
