"""Procedure codes only where the text uses them as codes.

A CPT- or HCPCS-shaped number is read as a code only in a code context: after a code label
("CPT", "HCPCS", "procedure code"), in a service line or code table cell, in a remittance SVC
segment, or next to its own description ("97110 therapeutic exercise", "knee MRI (73721)").
ZIP codes, street and suite numbers, PO boxes, phone and fax numbers, claim and member numbers,
contract numbers, amounts and dates are never codes, whatever their shape. A HCPCS Level II
code must also be in the CMS code list unless the text labels it as a code; dental (CDT)
D codes, which that list leaves out, need only their code context.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

_DATA = Path(__file__).with_name("data")
CODE_TOKEN = r"(?:\d{5}|\d{4}[FTU]|[ABCDEGHJKLMPQRSTUV]\d{4})"
PROC_RE = re.compile(
    rf"(?<![\w$.,/#-])(?P<code>{CODE_TOKEN})"
    r"(?:-(?P<mods>[A-Z0-9]{2}(?:-[A-Z0-9]{2}){0,3}))?(?![\w/]|[.,]\d|-\d)"
)
# Earlier codes of a list ("CPT 97110, 97112 and 97140") between a label and this code; an
# add-on code may carry its "+" ("CPT 64493 and +64494").
_LIST_BEFORE = re.compile(rf"(?:\+?{CODE_TOKEN}(?:-\w\w)*\s*(?:,|;|\b(?i:and|or|plus)\b)\s*\+?)+$")
# A code label names a code system or says "code": "Service:" alone labels a service, and a
# bare number after it ("Service: 11530", a ZIP) is not a code without a description.
_CODE_LABEL = re.compile(
    r"(?:\b(?:CPT|HCPCS|CPT/HCPCS)(?:\s+codes?)?|\b(?:procedure|billing|service|proc)\s+codes?"
    r"|\bcodes?)(?:\(s\))?"
    r"\s*(?:#|no\.?|:|\|)?\s*\(?\s*\+?$",
    re.I,
)
_SYSTEM_AFTER = re.compile(r"^\s*[|:]?\s*(?:HCPCS|CPT)\b")
# What precedes a number that is an address, phone, identifier or contract, never a code
# (also across a table's cell rule: "| Group | 71003 |").
_NOT_CODE_BEFORE = re.compile(
    r"(?:\b[A-Z]{2},?|\b(?:box|suite|ste|unit|apt|floor|room|bldg|building|no|number|#)\.?"
    r"|\b(?:reference|ref|claim|member|account|acct|id|case|auth\w*|npi|tin|tax|zip|phone|fax"
    r"|tel|icn|dcn|group|contract|contracts|policy|pcn|mrn|ssn|medicaid|medicare"
    # a phone extension, a payment's or a message's own number, a mail or office stop
    r"|ext|extension|x|check|cheque|eft|trace|invoice|confirmation|tracking|order|lockbox"
    r"|route|rm|room|ending(?:\s+in)?|total)\s*"
    r"(?:numbers?|no\.?|#|ids?)?\s*[:#]?)\s*\|?\s*$",
    re.I,
)
# A street number: the words after it end in a street type (abbreviated only after a name).
_STREET_AFTER = re.compile(
    r"^\s+(?:[NSEW]\.?\s+)?(?:[A-Z0-9][\w.'-]*\s+){0,4}(?i:street|avenue|road|drive|lane|way"
    r"|parkway|boulevard|court|place|highway|plaza|circle|terrace|trail|pike|square)\b"
    r"|^\s+(?:[NSEW]\.?\s+)?(?:[A-Z0-9][\w.'-]*\s+){1,4}(?:St|Ave|Rd|Dr|Ln|Pkwy|Blvd|Ct|Pl|Hwy"
    r"|Cir|Sq|Ctr|ST|AVE|RD|DR|LN|PKWY|BLVD|HWY)\b\.?"
)
# A count, not a code: "99213 units of service" ("the 99215 visit" is a code). A weekday or
# month after the number is no description ("ext. 27447 Monday through Friday"). Read only
# here: the validator's never_code stays strict, so a letter cannot hide a code behind a unit.
_NOT_CODE_AFTER = re.compile(
    r"(?i)^\s+(?:units?|days?|hours?|minutes?|miles?|mg|ml|doses?)\b"
    r"|^\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march"
    r"|april|june|july|august|september|october|november|december)\b"
)
_CELL_BEFORE = re.compile(r"(?:\||\s{2,}|\t)\s*$|^\s*$")
_CELL_AFTER = re.compile(r"^\s*(?:\||\s{2,}|\t|$)")
_MONEY_OR_DATE = re.compile(r"\$\s?\d|\b\d{1,2}/\d{1,2}/\d{2,4}\b")
# A description next to the code, in any case ("97110 therapeutic exercise", "KNEE MRI (73721)")
_DESC_AFTER = re.compile(r"^\s*(?:[-–:(]\s*)?(?:[A-Z]{2,6}\s+)?[A-Za-z]{3,}")
_DESC_BEFORE = re.compile(r"[A-Za-z]{3,}[\w,)\s-]*\(\s*$")
_DESC_END = re.compile(r"\s{2,}|\t|\||\$|\s\d+\.\d\d\b|\s(?:CO|PR|OA|PI)-?\d")


@cache
def hcpcs_codes() -> frozenset[str]:
    """HCPCS Level II codes of the shipped CMS list (data/hcpcs_level2.txt)."""
    lines = (_DATA / "hcpcs_level2.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip() for x in lines if x.strip() and not x.startswith("#"))


def is_known_hcpcs(code: str) -> bool:
    """True when a HCPCS Level II code is in the shipped CMS list."""
    return code.strip().upper() in hcpcs_codes()


def _line(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


def _edi(text: str, m: re.Match[str]) -> bool | None:
    """True for a number inside X12 segments; None when it is an SVC procedure."""
    if text[max(0, m.start() - 3) : m.start()] in ("HC:", "HC>"):
        return None
    return text[m.start() - 1 : m.start()] == "*" or text[m.end() : m.end() + 1] == "*"


def _description(text: str, pos: int, after: str) -> tuple[int, int] | None:
    lead = len(after) - len(after.lstrip(" \t-:("))
    rest = after[lead:]
    cut = _DESC_END.search(rest)
    piece = rest[: cut.start() if cut else len(rest)].rstrip(" .,;)")
    if len(piece) < 3 or not piece[0].isalpha() or re.search(r"\[[A-Za-z]", piece):
        return None
    return pos + lead, pos + lead + len(piece)


def _wrapped_before(text: str, ls: int, before: str) -> str:
    """What precedes a code that starts a line: the previous line's end too, when the line
    only wraps a sentence or list ("... for chronic migraine" / "(64615)", "CPT 64493 and" /
    "+64494")."""
    if _LIST_BEFORE.sub("", before).strip(" \t(+") or ls == 0:
        return before
    prev = text[text.rfind("\n", 0, ls - 1) + 1 : ls - 1]
    if not prev.strip() or re.search(r"\||\S {3,}\S|\t", prev):
        return before  # a table row above is another row, not this line's start
    return prev.rstrip() + " " + before.lstrip()


def context(text: str, m: re.Match[str]) -> str | None:
    """'label', 'segment', 'cell' or 'described' when the match is used as a code; else None."""
    edi = _edi(text, m)
    if edi is None:
        return "segment"
    if edi:
        return None
    ls, le = _line(text, m.start())
    before, after = text[ls : m.start()], text[m.end() : le]
    lead = _LIST_BEFORE.sub("", _wrapped_before(text, ls, before))
    if _NOT_CODE_BEFORE.search(lead[-40:]) or _STREET_AFTER.match(after):
        return None
    if _NOT_CODE_AFTER.match(after) and not m["mods"]:
        return None
    if _CODE_LABEL.search(lead[-40:]) or _SYSTEM_AFTER.match(after) or m["mods"]:
        return "label"
    cell = _CELL_BEFORE.search(before) and _CELL_AFTER.match(after)
    if cell and _MONEY_OR_DATE.search(text[ls:le]):
        return "cell"
    if _DESC_AFTER.match(after) or _DESC_BEFORE.search(_wrapped_before(text, ls, before)):
        return "described"
    return None


# A line labelled as the service ("Service: J3032 eptinezumab infusion"): a described code on it
# is the service's code even when it is newer than the shipped code list.
_SERVICE_LINE = re.compile(
    r"(?i)^\s*(?:services?|procedures?|items?|drugs?|service/item)\b[^:\n]{0,40}:"
)


# A table's header row naming a code column ("LN REV  HCPCS  UNITS DOS ..."): the cell under
# it in each row is a code, however the row spaces its cells.
_CODE_HEAD = re.compile(
    r"(?im)^(?=(?:.*?\S(?:\s+|\|)){2}).*?(?<![\w/-])(?P<h>HCPCS|CPT(?:/HCPCS)?|proc(?:edure)?"
    r"(?:\s+code)?|code)(?![\w/-])"
)


def column_codes(text: str) -> set[int]:
    """Starts of the code-shaped cells under a code column's header, row by row."""
    out: set[int] = set()
    for head in _CODE_HEAD.finditer(text):
        col = head.start("h") - head.start()
        pos = head.end() + len(text[head.end() :].split("\n", 1)[0]) + 1
        for line in text[pos:].split("\n"):
            if not line.strip():
                break
            cell = PROC_RE.search(line, max(col - 2, 0))
            if cell and abs(cell.start() - col) <= 2:
                out.add(pos + cell.start())
            pos += len(line) + 1
    return out


def find_procedure_codes(text: str) -> list[tuple[re.Match[str], tuple[int, int] | None]]:
    """CPT/HCPCS codes used as codes, each with the span of a description that follows it."""
    out = []
    columns = column_codes(text)
    for m in PROC_RE.finditer(text):
        how = context(text, m) or ("cell" if m.start() in columns else None)
        if how is None:
            continue
        hcpcs = m["code"][0].isalpha()
        ls, le = _line(text, m.start())
        strong = how in ("label", "segment") or (
            how == "described" and _SERVICE_LINE.match(text[ls:le])
        )
        dental = m["code"][0] == "D"  # CDT codes: licensed, so not in CMS's public list
        if hcpcs and not strong and not dental and not is_known_hcpcs(m["code"]):
            continue  # a letter and four digits that the code list does not know
        out.append((m, _description(text, m.end(), text[m.end() : le])))
    return out


def never_code(text: str, start: int, end: int) -> bool:
    """True when a code-shaped token sits where only an address, number or id can: after a
    state abbreviation (a ZIP), 'PO Box', 'Suite', an identifier label, or before a street."""
    ls = text.rfind("\n", 0, start) + 1
    before = _LIST_BEFORE.sub("", text[max(ls, start - 60) : start])
    le = text.find("\n", end)
    after = text[end : (le if le >= 0 else len(text))][:80]
    return bool(_NOT_CODE_BEFORE.search(before[-40:]) or _STREET_AFTER.match(after))
