"""A policy's metadata read from the document itself, as payers print it.

Real policies and Medicare LCDs/NCDs carry no front matter: their number ("Policy Number:",
"LCD ID:", an L-number in the title), title, effective and revision dates ("Original Effective
Date: For services performed on or after ...", "Last Reviewed:") and payer (the letterhead;
Medicare for an LCD or NCD) are in the text. Labels are data (data/policy_labels.yaml).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from service.intake.dates import DATE_RE, parse_date

_DATA = Path(__file__).with_name("data") / "policy_labels.yaml"
_LCD_ID = re.compile(r"\b(?:LCD\s*(?:ID)?\s*[:#]?\s*)?(?P<id>L\d{5})\b")
_NCD_ID = re.compile(r"\bNCD\s*(?:ID|#|number)?\s*[:#]?\s*(?P<id>\d{2,3}(?:\.\d+)*)\b", re.I)
_MEDICARE = re.compile(
    r"\bLocal\s+Coverage\s+Determination\b|\bNational\s+Coverage\s+Determination\b"
    r"|\bLCD\s+L\d{5}\b|\bMedicare\s+Administrative\s+Contractor\b|\bA\s+and\s+B\s+MAC\b"
    r"|\bDME\s+MAC\b",
    re.I,
)
_VERSION = re.compile(r"\(version\s+(?P<v>[\w.]+)\)", re.I)
_TITLE_NOISE = re.compile(r"\[[^\]]*\]|\((?:version|excerpt)[^)]*\)", re.I)


@cache
def _labels() -> dict[str, re.Pattern[str]]:
    raw = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    out = {}
    for key, words in raw.items():
        alts = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
        out[key] = re.compile(
            rf"^[ \t>*_#-]*(?:{alts})[ \t*_]*(?:#|no\.)?[ \t*_]*:[ \t*_]*(?P<v>.+?)[ \t*_]*$",
            re.I | re.M,
        )
    return out


# Several labelled values on one line ("Policy number: LH-9 · Effective: ... · Updated: ..."):
# each cell is read as a line of its own. A wide gap right after a label is the label's own
# spacing, not a new cell.
_CELL_GAP = re.compile(r"[ \t]+[·•|][ \t]+| {3,}|\t")


def _cells(body: str) -> str:
    lines = []
    for line in body.split("\n"):
        pair = _PAIR_ROW.match(line)
        if pair:  # "| Policy number | MP-1187 |": a label and its value
            lines.append(f"{pair['k']}: {pair['v']}")
        else:
            table_row = line.lstrip().startswith("|")  # other Markdown rows keep their cells
            lines.append(line if table_row else _split_cells(line))
    return "\n".join(lines)


_PAIR_ROW = re.compile(r"^\s*\|\s*(?P<k>[^|]+?)\s*\|\s*(?P<v>[^|]+?)\s*\|\s*$")


def _split_cells(line: str) -> str:
    def cut(gap: re.Match[str]) -> str:
        before = line[: gap.start()].rstrip()
        if before.endswith((":", "#")) and gap.group().strip() == "":
            return gap.group()
        return "\n" + " " * (len(gap.group()) - 1)

    return _CELL_GAP.sub(cut, line)


def _labelled(body: str, key: str) -> tuple[str, int] | None:
    m = _labels()[key].search(_cells(body))
    return (m["v"].strip(), m.start("v")) if m else None


def _date(body: str, key: str) -> dt.date | None:
    found = _labelled(body, key)
    if not found:
        return None
    m = DATE_RE.search(found[0])
    return parse_date(m.group()) if m else None


def _title(body: str, policy_id: str | None) -> str | None:
    found = _labelled(body, "title")
    if found:
        return found[0]
    return _h1_title(body, policy_id) or _first_title_line(body)


# A title line: capitalised words, no label, no closing stop, not the payer's own line.
_TITLE_LINE = re.compile(r"^[ \t]*(?P<t>[A-Z][\w'’&/(),-]*(?:[ ][\w'’&/(),.-]+){2,20})[ \t]*$")
_NOT_TITLE = re.compile(
    r"(?i)\b(?:policy|bulletin|guideline|library|coverage\s+policy|medical\s+policy)\s*$|[:.]$|[·|]"
)


def _first_title_line(body: str) -> str | None:
    """The title of a plain-text policy with no label: its first line that reads as one."""
    seen = 0
    for line in body.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        seen += 1
        if seen > 4:
            return None
        m = _TITLE_LINE.match(line)
        words = m["t"].split() if m else []
        capitals = sum(w[:1].isupper() for w in words)
        if m and not _NOT_TITLE.search(line) and capitals >= len(words) / 2 and not line.isupper():
            return m["t"]
    return None


def _h1_title(body: str, policy_id: str | None) -> str | None:
    h1 = re.search(r"^#\s+(?P<t>.+)$", body, re.M)
    if h1:
        title = _TITLE_NOISE.sub("", h1["t"])
        if policy_id:
            named = r"(?:(?:Medical|Clinical|Coverage|Payment)\s+)?(?:LCD|NCD|Policy|Guideline)"
            title = re.sub(
                rf"\b(?:{named})?\s*(?:#|No\.?|Number)?\s*{re.escape(policy_id)}\b", "", title
            )
        title = re.sub(r"^\s*[-—–:]\s*|\s*[-—–:]\s*$", "", title.strip()).strip(" -—–:")
        return title or None
    return None


def _policy_id(body: str) -> str | None:
    found = _labelled(body, "policy_id")
    if found:
        token = re.match(r"[A-Za-z0-9][\w.:-]*", found[0])
        if token:
            return token.group().rstrip(".:")
    for pattern in (_LCD_ID, _NCD_ID):
        m = pattern.search(body[:3000])
        if m:
            return m["id"] if pattern is _LCD_ID else f"NCD-{m['id']}"
    return None


def read_metadata(body: str) -> dict[str, Any]:
    """What the document says about itself: policy id, title, dates, version, Medicare or not."""
    policy_id = _policy_id(body)
    meta: dict[str, Any] = {
        "policy_id": policy_id,
        "title": _title(body, policy_id),
        "effective_date": _date(body, "effective_date"),
        "revision_date": _date(body, "revision_date"),
    }
    version = _VERSION.search(body[:500])
    if version:
        meta["version"] = version["v"]
    if _MEDICARE.search(body[:5000]):
        meta["payer"] = "Medicare"
    return {k: v for k, v in meta.items() if v not in (None, "")}
