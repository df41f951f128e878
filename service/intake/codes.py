"""Code tables and validators: ICD-10-CM, CPT/HCPCS shapes, CARC and RARC labels.

CARC/RARC labels are our own short paraphrases kept in data/*.csv (source: X12 code lists).
simple_icd_10_cm loads its whole code set on import (~2 s): its answers are read from a table
cached on disk (service.intake.icd_table).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from service.intake.icd_table import LibraryCodes, TableCodes

_DATA = Path(__file__).with_name("data")

# A dotted or undotted ICD-10-CM shape: letter, digit, alphanumeric, then up to 4 more.
_ICD_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")
_CPT = re.compile(r"^(?:\d{5}|\d{4}[FTU])$")
# HCPCS Level II: a letter (F, I, N, O, W-Z are unused or not medical) and 4 digits. D codes
# are the dental (CDT) codes, which HCPCS Level II carries but CMS's public file leaves out.
_HCPCS = re.compile(r"^[ABCDEGHJKLMPQRSTUV]\d{4}$")
_RARC = re.compile(r"^(?:MA\d{1,3}|M\d{1,3}|N\d{1,3})$")
_CARC = re.compile(r"^(?:\d{1,3}|[A-DPWY]\d{1,2})$")


def _icd() -> TableCodes | LibraryCodes:
    # The library loads its whole code set (~2 s) per process: its answers come from a table
    # cached on disk instead, built from it once (service.intake.icd_table).
    from service.intake.icd_table import icd_table

    return icd_table()


def normalize_icd10(code: str) -> str:
    """Upper-case an ICD-10-CM code and put the dot after the third character."""
    raw = code.strip().upper().replace(".", "")
    return raw if len(raw) <= 3 else f"{raw[:3]}.{raw[3:]}"


def is_valid_icd10(code: str) -> bool:
    """True when the code is a category, subcategory or billable code in ICD-10-CM."""
    norm = normalize_icd10(code)
    if not _ICD_SHAPE.match(norm):
        return False
    icd = _icd()
    return bool(icd.is_valid_item(norm)) and not icd.is_chapter_or_block(norm)


def is_billable_icd10(code: str) -> bool:
    """True when the code is a leaf (billable) ICD-10-CM code."""
    return is_valid_icd10(code) and bool(_icd().is_leaf(normalize_icd10(code)))


def icd10_description(code: str) -> str:
    """The ICD-10-CM description of a valid code, or "" when the code is not valid."""
    if not is_valid_icd10(code):
        return ""
    return str(_icd().get_description(normalize_icd10(code)))


def is_cpt(code: str) -> bool:
    """True for a CPT shape: 5 digits (Category I) or 4 digits + F/T/U (II, III, PLA)."""
    return bool(_CPT.match(code.strip().upper())) and code.strip() != "00000"


def is_hcpcs(code: str) -> bool:
    """True for a HCPCS Level II shape: a letter and 4 digits."""
    return bool(_HCPCS.match(code.strip().upper()))


def is_rarc_shape(code: str) -> bool:
    """True when the code has the shape of a remark code (N…, M…, MA…)."""
    return bool(_RARC.match(code.strip().upper()))


def is_carc_shape(code: str) -> bool:
    """True when the code has the shape of a claim adjustment reason code."""
    return bool(_CARC.match(code.strip().upper()))


def _rows(name: str) -> list[dict[str, str]]:
    with (_DATA / name).open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines))


@cache
def _carc_table() -> dict[str, tuple[str, str]]:
    return {r["code"]: (r["label"], r["category"]) for r in _rows("carc.csv")}


@cache
def _rarc_table() -> dict[str, str]:
    return {r["code"]: r["label"] for r in _rows("rarc.csv")}


def _carc_key(code: str) -> str:
    key = code.strip().upper()
    return (key.lstrip("0") or "0") if key.isdigit() else key


def is_known_carc(code: str) -> bool:
    """True when the CARC is in our table."""
    return _carc_key(code) in _carc_table()


def carc_label(code: str) -> str:
    """Our short label for a CARC, or "" when it is not in the table."""
    return _carc_table().get(_carc_key(code), ("", ""))[0]


def carc_category(code: str) -> str:
    """The denial category (a service.models.Category value) of a CARC; "unknown" if unlisted."""
    return _carc_table().get(_carc_key(code), ("", "unknown"))[1]


def is_known_rarc(code: str) -> bool:
    """True when the RARC is in our table."""
    return code.strip().upper() in _rarc_table()


def rarc_label(code: str) -> str:
    """Our short label for a RARC, or "" when it is not in the table."""
    return _rarc_table().get(code.strip().upper(), "")


# ---- finding codes in free text -------------------------------------------------------------


# Redaction placeholders such as "[Patient]" or "[CASE]" stand for values that were removed.
PLACEHOLDER_RE = re.compile(r"\[[A-Za-z][A-Za-z0-9 _-]{0,30}\]")


@dataclass(frozen=True)
class CodeHit:
    """A code found in text: its value, span, and extras (modifiers or group code, amount)."""

    code: str
    start: int
    end: int
    extra: tuple[str, ...] = ()
    amount: float | None = None


_DX_CONTEXT = re.compile(r"\b(?:icd(?:-?10)?(?:-cm)?|diagnos[ie]s|dx|diag)\b", re.I)


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


def find_procedure_codes(text: str) -> list[tuple[CodeHit, tuple[int, int] | None]]:
    """CPT/HCPCS codes used as codes (code_context.py), each with a following description."""
    from service.intake.code_context import find_procedure_codes as found

    out = []
    for m, desc in found(text):
        mods = tuple(m["mods"].split("-")) if m["mods"] else ()
        out.append((CodeHit(m["code"], m.start("code"), m.end("code"), mods), desc))
    return out


_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})


def repair_icd10(code: str) -> str | None:
    """An OCR-damaged ICD-10-CM code put right ('K8O.20' -> 'K80.20', 'M47.8l6' -> 'M47.816')
    when that, and only that, makes it a valid code."""
    raw = code.strip()
    norm = normalize_icd10(raw)
    if is_valid_icd10(norm) and raw == raw.upper():
        return norm
    # A lower-case l or o is never part of a code: OCR's 1 or 0. An upper-case O or I in the
    # category is too; after the dot it may be a real letter, so it is tried last.
    lower = normalize_icd10(raw[0] + raw[1:].replace("l", "1").replace("o", "0"))
    for fixed in (lower, lower[0] + lower[1:3].translate(_OCR_DIGITS) + lower[3:]):
        if is_valid_icd10(fixed):
            return fixed
    tail = lower[0] + lower[1:].translate(_OCR_DIGITS)
    return tail if is_valid_icd10(tail) else None


# A lower-case l or o after the dot is OCR's 1 or 0 ('M47.8l6'); repair_icd10 decides.
_ICD_RE = re.compile(
    r"(?<![\w.-])(?P<code>[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{0,3}[0-9A-Zlo][0-9A-Z]{0,3})?"
    r"|[A-TV-Z]\d[0-9A-Z]{2,5})"
    r"(?![\w]|\.\w|-\d)"
)


# A document's own numbering ("Section B12.3", "Policy A12.01", "Form C12.2") is no diagnosis.
_NOT_ICD_BEFORE = re.compile(
    r"(?i)\b(?:section|sec|version|ver|rev|revision|policy|form|rule|chapter|article|page|suite"
    r"|ste|room|rm|model|item)\.?[ \t]*(?:#|:)?[ \t]*$"
)


def find_icd10(text: str) -> list[CodeHit]:
    """ICD-10-CM shaped codes: dotted anywhere, undotted only on a diagnosis line; never a
    document's own numbering."""
    out = []
    for m in _ICD_RE.finditer(text):
        code = m["code"]
        if _NOT_ICD_BEFORE.search(text[max(0, m.start() - 20) : m.start()]):
            continue
        if "." not in code:
            ls, le = _line_bounds(text, m.start())
            if not _DX_CONTEXT.search(text[ls:le]):
                continue
        out.append(CodeHit(code, m.start(), m.end()))
    return out


_GROUPS = "CO|PR|OA|PI|CR"
_CARC_GROUP_RE = re.compile(
    rf"(?<![\w*-])(?P<group>{_GROUPS})\s*[-: ]?\s*"
    r"(?P<code>\d{1,3}|[A-DPWY]\d{1,2})(?![\w*]|\.\d|-\d)"
)
_CARC_WORD_RE = re.compile(
    r"\b(?:CARC|claim\s+adjustment\s+reason\s+code|adjustment\s+reason(?:\s+code)?|reason\s+code"
    r"|adj(?:ustment)?\s+code|denial\s+code)s?[ \t]*[#:-]?[ \t]*"
    r"(?P<code>\d{1,3}|[A-DPWY]\d{1,2})\b",
    re.I,
)
# "Why we denied the claim (code 242)": a bare code number in the sentence giving the reason.
_CARC_REASON_RE = re.compile(
    r"\b(?:denied|denial|reason)\b[^.\n]{0,40}?\(?\bcode[ \t]+(?P<code>\d{1,3})\b\)?", re.I
)
_CAS_RE = re.compile(rf"\bCAS\*(?P<group>{_GROUPS})\*(?P<rest>[^~\n]*)")


def find_carcs(text: str) -> list[CodeHit]:
    """CARC codes with group codes (extra=(group,)) from "CO-50", "CARC 50" and CAS segments."""
    hits = [
        CodeHit(m["code"], m.start("code"), m.end("code"), (m["group"],))
        for m in _CARC_GROUP_RE.finditer(text)
    ]
    hits += [
        CodeHit(m["code"], m.start("code"), m.end("code"))
        for pattern in (_CARC_WORD_RE, _CARC_REASON_RE)
        for m in pattern.finditer(text)
    ]
    hits += _carc_column(text)
    for m in _CAS_RE.finditer(text):
        pos = m.start("rest")
        parts = m["rest"].split("*")
        for i in range(0, len(parts), 3):
            code = parts[i]
            start = pos + sum(len(p) + 1 for p in parts[:i])
            if code and is_carc_shape(code):
                amount = _to_float(parts[i + 1]) if i + 1 < len(parts) else None
                hits.append(CodeHit(code, start, start + len(code), (m["group"],), amount))
    return sorted(hits, key=lambda h: h.start)


# A table column headed "CARC" or "Reason code": each row's cell under it is a CARC.
_CARC_HEAD = re.compile(
    r"(?im)^(?=.*\S {2,}).*?(?<![\w-])(?P<h>CARC|reason\s+codes?|denial\s+codes?)\s*$"
)


def _carc_column(text: str) -> list[CodeHit]:
    out = []
    for head in _CARC_HEAD.finditer(text):
        col = head.start("h") - head.start()
        pos = head.end() + 1
        for line in text[pos:].split("\n"):
            if not line.strip():
                break
            cell = re.match(r"\s*(\d{1,3})\b", line[col - 2 : col + 6]) if len(line) > col else None
            if cell and is_carc_shape(cell.group(1)):
                start = pos + col - 2 + cell.start(1)
                out.append(CodeHit(cell.group(1), start, start + len(cell.group(1))))
            pos += len(line) + 1
    return out


def _to_float(raw: str) -> float | None:
    try:
        return float(raw)
    except ValueError:
        return None


# Not followed by "*": "N1*PR*..." in pasted X12 is a segment name, not a remark code.
_RARC_RE = re.compile(r"(?<![\w-])(?P<code>MA\d{1,3}|M\d{1,3}|N\d{1,3})(?![\w.*]|-\d)")
_RARC_CONTEXT = re.compile(r"\b(?:remarks?|rarc|rmk|lq\*he)\b", re.I)


def find_rarcs(text: str) -> list[CodeHit]:
    """Remark codes: any listed in our table, or any remark-shaped code on a remark line."""
    out = []
    for m in _RARC_RE.finditer(text):
        ls, le = _line_bounds(text, m.start())
        line = text[ls:le]
        if _RARC_CONTEXT.search(line) or (
            is_known_rarc(m["code"]) and not _DX_CONTEXT.search(line)
        ):
            out.append(CodeHit(m["code"], m.start(), m.end()))
    return out
