"""A policy's metadata read from the document itself, as payers print it.

Real policies and Medicare LCDs/NCDs carry no front matter: their number ("Policy Number:",
"LCD ID:", an L-number in the title), title, effective and revision dates ("Original Effective
Date: For services performed on or after ...", "Last Reviewed:", the newest row of a revision
history) and payer (the letterhead; Medicare for an LCD or NCD) are in the text. A label may be
followed by a colon, dotted leaders, its value on the next line, or (a number or a date) the
value itself. Labels are data (data/policy_labels.yaml).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from service.intake.dates import DATE_RE, parse_date
from service.policies.headings import bare_heading, is_known_section
from service.policies.payer_text import is_payer_name

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
def _words() -> dict[str, list[str]]:
    raw = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    return {k: [str(w).lower() for w in v] for k, v in raw.items()}


@cache
def _label(key: str) -> re.Pattern[str]:
    # longest first, so "policy number" is tried before "policy"
    words = sorted(_words()[key], key=len, reverse=True)
    alts = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
    return re.compile(
        rf"^[ \t>*_#|-]*(?:{alts})\.?[ \t*_]*(?:#|no\.?)?[ \t*_]*"
        rf"(?P<sep>:|$|(?=[ \t]))[ \t*_]*(?P<v>.*?)[ \t*_|]*$",
        re.I | re.M,
    )


# Several labelled values on one line ("Policy number: LH-9 · Effective: ... · Updated: ..."):
# each cell is read as a line of its own. A wide gap right after a label is the label's own
# spacing, not a new cell. Dotted leaders ("Effective Date ....... 03/15/2026") are a colon.
_CELL_GAP = re.compile(r"[ \t]+[·•|][ \t]+| {3,}|\t")
_LEADERS = re.compile(r"(?<=\w)[ \t]*\.{4,}[ \t]*(?=\S)")
_PAIR_ROW = re.compile(r"^\s*\|\s*(?P<k>[^|]+?)\s*\|\s*(?P<v>[^|]+?)\s*\|\s*$")


def _cells(body: str) -> str:
    lines = []
    for line in _LEADERS.sub(": ", body).split("\n"):
        pair = _PAIR_ROW.match(line)
        if pair:  # "| Policy number | MP-1187 |": a label and its value
            lines.append(f"{pair['k']}: {pair['v']}")
        else:
            table_row = line.lstrip().startswith("|")  # other Markdown rows keep their cells
            lines.append(line if table_row else _split_cells(line))
    return "\n".join(lines)


def _split_cells(line: str) -> str:
    def cut(gap: re.Match[str]) -> str:
        before = line[: gap.start()].rstrip()
        if before.endswith((":", "#")) and gap.group().strip() == "":
            return gap.group()
        return "\n" + " " * (len(gap.group()) - 1)

    return _CELL_GAP.sub(cut, line)


def _values(text: str, key: str) -> list[tuple[str, str]]:
    """(value, how) for each place the text labels `key`, in order: "colon" after a colon or
    leaders, "next" on the line after a label standing alone, "bare" right after the label
    ("Effective 9/1/2025", "Policy No. DME-0042")."""
    out = []
    for m in _label(key).finditer(text):
        value, sep = m["v"].strip(), m["sep"]
        if sep == ":" and value:
            out.append((value, "colon"))
        elif not value:  # the label alone: its value is the next line with text
            rest = text[m.end() :].split("\n")[1:4]
            nxt = next((x.strip() for x in rest if x.strip()), "")
            if nxt and not nxt.endswith(":"):
                out.append((nxt.lstrip("#* ").strip(), "next"))
        else:
            out.append((value, "bare"))
    return out


def _first(
    text: str, key: str, read: Any, order: tuple[str, ...] = ("colon", "next", "bare")
) -> Any:
    """The first value labelled the firmest way that reads."""
    values = _values(text, key)
    for how in order:
        for value, found in values:
            if found == how and (got := read(value, how != "bare")) is not None:
                return got
    return None


def is_label_line(line: str) -> bool:
    """True for a line that starts with one of the metadata labels."""
    return any(_label(key).match(line) for key in _words())


# Words between a bare label and its date ("Effective for dates of service on or after ...")
_DATE_LEAD = re.compile(
    r"(?i)(?:for\s+)?(?:(?:dates?\s+of\s+)?services?\s+)?(?:(?:performed|provided|rendered)\s+)?"
    r"(?:on\s+or\s+after\s+|beginning\s+|from\s+|as\s+of\s+)?"
)


def _as_date(value: str, firm: bool) -> dt.date | None:
    lead = _DATE_LEAD.match(value)  # always matches, perhaps empty
    m = DATE_RE.search(value) if firm else DATE_RE.match(value, lead.end() if lead else 0)
    return parse_date(m.group()) if m else None


# A policy number as printed: "MP-612", "SUR 7.01.112", "DME/PROS-044", "0471", "2025 (rev. 3)"
_ID_TOKEN = re.compile(r"[A-Za-z0-9#][\w.:/#-]*")
_ID_MORE = re.compile(r"[A-Z0-9][A-Z0-9.:/#-]*$")


def policy_number(value: str, firm: bool = True) -> str | None:
    """The policy number a labelled value begins with, as printed; None when it holds none."""
    tokens = list(re.finditer(r"\S+", value))
    if not tokens or not _ID_TOKEN.fullmatch(tokens[0].group().rstrip(".,;")):
        return None
    end = tokens[0].end() - (len(tokens[0].group()) - len(tokens[0].group().rstrip(".,;")))
    for tok in tokens[1:4]:
        word = tok.group().rstrip(".,;")
        paren = re.match(r"\([^)]{1,12}\)", value[tok.start() :])
        if paren and re.search(r"\d", paren.group()):  # "2025 (rev. 3)"
            end = tok.start() + paren.end()
            break
        prev = value[tokens[0].start() : end]
        # "SUR 7.01.112": a short code in capitals before the number it belongs to
        if _ID_MORE.match(word) and re.search(r"\d", word) and not re.search(r"\d", prev):
            end = tok.start() + len(word)
            continue
        break
    number = value[tokens[0].start() : end].strip()
    has_digit = re.search(r"\d", number)
    shaped = re.fullmatch(r"[A-Z]{2,}(?:[-./][A-Z0-9]+)+", number)
    if not (has_digit or shaped) or len(number) > 40:
        return None
    if not firm and not has_digit:
        return None
    return number


def _title_value(value: str, firm: bool) -> str | None:
    title = _TITLE_NOISE.sub("", value).strip(" *_-—–:")
    if not firm or not re.search(r"[A-Za-z]{3}", title) or len(title) > 200:
        return None
    if policy_number(title) == title:  # "Clinical Policy: CP.MP.74" names a number
        return None
    return title


def _title(body: str, cells: str, number: str | None, payer: str | None) -> str | None:
    return (
        _first(cells, "title", _title_value, ("colon",))
        or _h1_title(body, number)
        or _first(cells, "title", _title_value, ("next",))
        or _first_title_line(body, payer)
    )


# A title line: capitalised words, no label, no closing stop, not the payer's own line.
_TITLE_LINE = re.compile(r"^[ \t]*(?P<t>[A-Z][\w'’&/(),-]*(?:[ ][\w'’&/(),.-]+){1,20})[ \t]*$")
_NOT_TITLE = re.compile(
    r"(?i)\b(?:policy|bulletin|guideline|library|manual|coverage\s+policy|medical\s+policy)\s*$"
    r"|[:.]$|[·|]|\.{3,}|^(?:table\s+of\s+contents|contents)$"
)


def _first_title_line(body: str, payer: str | None = None) -> str | None:
    """The title of a plain-text policy with no label: its first line that reads as one (not
    the payer's name)."""
    own = _plain(payer or "")
    letters = [c for c in body if c.isalpha()]
    shouting = sum(c.islower() for c in letters) < 0.05 * len(letters)  # all in capitals
    seen = 0
    for line in body.split("\n"):
        if line.startswith("## "):  # a heading the text's layout gave: a section ends the head
            line = line[3:]
            if is_known_section(line):
                return None
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        seen += 1
        if seen > 15:
            return None
        m = _TITLE_LINE.match(line)
        words = m["t"].split() if m else []
        capitals = sum(w[:1].isupper() for w in words)
        if (
            m
            and len(words) >= 2
            and not _NOT_TITLE.search(line.strip())
            and capitals >= len(words) / 2
            and (shouting or not line.isupper())
            and not (own and _plain(m["t"]).startswith(own))
            and not is_payer_name(m["t"])
            and not is_label_line(line)
            and not DATE_RE.search(line)
        ):
            return m["t"]
    return None


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[®™℠©*_]", " ", text).lower().split())


def _h1_title(body: str, number: str | None) -> str | None:
    h1 = re.search(r"^#\s+(?P<t>.+)$", body, re.M)
    if h1:
        title = _TITLE_NOISE.sub("", h1["t"])
        if number:
            named = r"(?:(?:Medical|Clinical|Coverage|Payment)\s+)?(?:LCD|NCD|Policy|Guideline)"
            title = re.sub(
                rf"\b(?:{named})?\s*(?:#|No\.?|Number)?\s*{re.escape(number)}(?!\w)", "", title
            )
        title = re.sub(r"^\s*[-—–:]\s*|\s*[-—–:]\s*$", "", title.strip()).strip(" -—–:")
        return title or None
    return None


def _policy_number(cells: str) -> str | None:
    found = _first(cells, "policy_id", policy_number)
    if found:
        return found
    for pattern in (_LCD_ID, _NCD_ID):
        m = pattern.search(cells[:3000])
        if m:
            return m["id"] if pattern is _LCD_ID else f"NCD-{m['id']}"
    return None


def _history_date(body: str) -> dt.date | None:
    """The newest date of the policy's revision history (a section headed as one)."""
    names = set(_words()["revision_history"])
    newest = None
    for part in re.split(r"(?m)^#{2,3} ", body)[1:]:
        heading, _, text = part.partition("\n")
        if bare_heading(heading).lower() not in names:
            continue
        for m in DATE_RE.finditer(text):
            day = parse_date(m.group())
            if day and (newest is None or day > newest):
                newest = day
    return newest


def read_metadata(body: str, payer: str | None = None) -> dict[str, Any]:
    """What the document says about itself: policy number, title, dates, version, Medicare.

    `payer`: the payer's name when known, so that its own line is not taken for the title."""
    cells = _cells(body)
    number = _policy_number(cells)
    meta: dict[str, Any] = {
        "policy_id": number,
        "title": _title(body, cells, number, payer),
        "effective_date": _first(cells, "effective_date", _as_date)
        or _first(cells, "original_effective_date", _as_date),
        "revision_date": _first(cells, "revision_date", _as_date) or _history_date(body),
    }
    version = _VERSION.search(body[:500])
    if version:
        meta["version"] = version["v"]
    if _MEDICARE.search(body[:5000]):
        meta["payer"] = "Medicare"
    return {k: v for k, v in meta.items() if v not in (None, "")}


# Front matter keys of ours; any other key is read by the label families ("policy_number",
# "last_reviewed", "date_of_origin", "health_plan").
OUR_KEYS = frozenset(
    {
        "policy_id", "payer_id", "payer", "title", "version", "effective_date",
        "superseded_date", "revision_date", "plan_types", "codes", "cpt", "hcpcs", "icd10",
        "ocr",
    }
)  # fmt: skip


def front_matter(meta: dict[str, Any]) -> dict[str, Any]:
    """A front matter's keys as ours: its own keys kept, others named by a label family."""
    from service.policies.payer_text import payer_labels

    out = {k: v for k, v in meta.items() if k in OUR_KEYS}
    for key, value in meta.items():
        if key in OUR_KEYS or value in (None, ""):
            continue
        words = " ".join(str(key).replace("_", " ").replace("-", " ").lower().split())
        family = next((f for f, labels in _words().items() if words in labels), None)
        if family == "original_effective_date":
            out.setdefault("original_effective_date", value)
        elif family in ("policy_id", "title", "effective_date", "revision_date"):
            out.setdefault(family, value)
        elif words in payer_labels():
            out.setdefault("payer", value)
    if "original_effective_date" in out:
        out.setdefault("effective_date", out.pop("original_effective_date"))
    return out


def as_date(value: object) -> dt.date | None:
    """A date given in any common form (front matter, a caller's field); None when it is not
    one."""
    if value is None or isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        m = DATE_RE.search(text)
        return parse_date(m.group()) if m else None
