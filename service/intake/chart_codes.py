"""Codes, durations and outcomes stated in one chart sentence."""

from __future__ import annotations

import re
from functools import cache

from service.intake.chart_dates import MONTH_NAME

_ICD_RE = re.compile(r"(?<![\w.])([A-TV-Z][0-9][0-9AB](?:\.?[0-9A-Z]{1,4})?)(?![\w])")
_ICD_CONTEXT_RE = re.compile(r"(?i)\b(?:icd(?:-?10)?(?:-cm)?|dx|diagnos\w*|code)\W*$")
_CPT_CUE_RE = re.compile(
    r"\b(?:CPT|HCPCS|CDT)(?:\s+codes?)?\s*[:#]?\s*"
    r"(?P<codes>(?:\d{4}[0-9FTU]|[A-V]\d{4})(?:\s*(?:,|/|&|and|or)\s*(?:\d{4}[0-9FTU]|[A-V]\d{4}))*)"
)
_HCPCS_RE = re.compile(r"(?<![\w.-])([A-HJ-LP-V]\d{4})(?![\w-])")


@cache
def _icd_valid(code: str) -> bool:
    # the code set's answer from its cached table: loading the library costs ~2 s a process
    from service.intake.icd_table import icd_table

    return icd_table().is_valid_item(code)


def icd_codes(text: str, section: str | None = None) -> list[str]:
    """Valid ICD-10-CM codes written in text, dotted."""
    out: list[str] = []
    for m in _ICD_RE.finditer(text):
        raw = m.group(1)
        if "." not in raw and len(raw) == 5 and raw[0] != "M":
            continue  # five characters without a dot read as a HCPCS code, not ICD-10-CM
        if (
            len(raw) == 3
            and section != "diagnosis"
            and not _ICD_CONTEXT_RE.search(text[: m.start()])
        ):
            continue  # a bare category ("C56") needs a diagnosis context to be a code
        if _icd_valid(raw):
            code = raw if "." in raw or len(raw) == 3 else f"{raw[:3]}.{raw[3:]}"
            out.append(code)
    return out


def fact_codes(text: str, section: str | None) -> list[str]:
    """ICD-10-CM, CPT and HCPCS codes written in a sentence, first mention first."""
    found = icd_codes(text, section)
    for m in _CPT_CUE_RE.finditer(text):
        found += re.findall(r"\d{4}[0-9FTU]|[A-V]\d{4}", m.group("codes"))
    found += [c for c in _HCPCS_RE.findall(text) if not _icd_valid(c)]
    return list(dict.fromkeys(found))


_NUM = (
    r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|several|a few)"
)
_UNIT = r"(?:days?|weeks?|wks?|months?|mos?|years?|yrs?|sessions|visits)"
_DURATION_RE = re.compile(
    rf"\b(?:for|over|during|lasting)\s+(?:the\s+)?(?:(?:past|last|previous|prior)\s+)?"
    rf"(?P<a>{_NUM}(?:\s*(?:-|to)\s*{_NUM})?[\s-]*{_UNIT})\b"
    rf"|(?<![\w/])[x×]\s*(?P<b>{_NUM}\s*{_UNIT})\b"
    rf"|\b(?P<c>{_NUM}(?:\s*(?:-|to)\s*{_NUM})?[\s-]{_UNIT})\s+(?:of|course|trial|history)\b"
    rf"|\b(?P<d>since\s+(?:{MONTH_NAME}\.?(?:\s+\d{{1,2}})?(?:,?\s+\d{{4}})?|\d{{4}}"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|last\s+\w+|childhood))\b",
    re.IGNORECASE,
)
_OUTCOME_RE = re.compile(
    r"\b(?:(?:no|minimal|slight|some|little|significant|modest) improvement"
    r"|(?:did not|didn't|does not|not) (?:improve\w*|help\w*|respond\w*|resolve\w*)"
    r"|failed(?: to \w+)?|failure|unsuccessful|ineffective|not effective|not helpful"
    r"|(?:no|without|minimal|partial|temporary|transient|short-term|little|some|complete"
    r"|significant|moderate)(?: lasting| sustained| meaningful)? relief"
    r"|no benefit|without benefit|worsened|worsening"
    r"|no change|unchanged|improved|resolved|plateaued"
    r"|(?:not|poorly) tolerated|did not tolerate|intoleran\w+)\b",
    re.IGNORECASE,
)


def fact_duration(text: str) -> str | None:
    """How long a treatment or symptom lasted, as written, else None."""
    # kept as written: "8 weeks" (after "for"/"x"), or "since January" whole
    m = _DURATION_RE.search(text)
    return next(g for g in m.groups() if g).strip() if m else None


def fact_outcome(text: str) -> str | None:
    """The first outcome phrase ("no relief", "improved") as written, else None."""
    m = _OUTCOME_RE.search(text)
    return m.group().strip() if m else None
