"""A policy published as plain text or as a PDF's text, made readable line by line.

What a copy adds is taken away first: the mail headers of a forwarded policy, ligatures
("ﬁ"), page footers with their page numbers and the running header repeated on each page
(kept at the end, where a number in them can still be read), and words hyphenated at a line
end. Headings are then read by typography, as a reader sees them: a heading payers use
(data/criteria_headings.yaml), numbered or not ("I. POLICY", "2. CLINICAL CRITERIA"); a line
in capitals; a question standing alone; a short line standing alone above its text.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from service.policies.headings import bare_heading, is_known_section

_DATA = Path(__file__).with_name("data") / "text_layout.yaml"
LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
_PAGE_MARK = re.compile(
    r"(?i)^\s*(?:page\s+\d+(?:\s+of\s+\d+)?|-\s*\d+\s*-)(?:\s{2,}.*|\s*)$"
    r"|(?:\s{2,}|\|)\s*page\s+\d+(?:\s+of\s+\d+)?\s*$"
)
_MAIL_RULE = re.compile(
    r"(?i)^\s*(?:-{2,}\s*(?:original message|forwarded message)\s*-{2,}|_{8,}"
    r"|begin forwarded message:?)\s*$"
)
_SENTENCE_END = re.compile(r"[.!?:]\W{0,2}$")
_HYPHEN_END = re.compile(r"(?P<word>[A-Za-z][A-Za-z-]*[A-Za-z])-$")


@cache
def _data() -> dict[str, tuple[str, ...]]:
    raw = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    return {k: tuple(str(x).lower() for x in v) for k, v in raw.items()}


def clean_text(text: str) -> str:
    """The policy's own text: ligatures spelled out, a mail wrapper and page furniture left
    out (the furniture kept after the text), line-end hyphenation rejoined."""
    text = text.translate(LIGATURES)
    lines = _after_mail_headers(text.split("\n"))
    body, furniture = _without_furniture(lines)
    body = _rejoin_hyphens(body)
    return "\n".join(body + ([""] + furniture if furniture else []))


def _mail_header(line: str) -> str | None:
    m = re.match(r"^\s*([A-Za-z-]+)\s*:", line)
    return m[1].lower() if m and m[1].lower() in _data()["mail_headers"] else None


def _after_mail_headers(lines: list[str]) -> list[str]:
    """The lines after the last mail header block (From, Sent or Date, and To or Subject)."""
    start, i = 0, 0
    while i < len(lines):
        j = i
        while j < len(lines) and _mail_header(lines[j]):
            j += 1
        names = {_mail_header(x) for x in lines[i:j]}
        if "from" in names and names & {"sent", "date"} and names & {"to", "subject"}:
            start = j
        i = max(j, i + 1)
    rest = lines[start:]
    return [x for x in rest if not _MAIL_RULE.match(x)] if start else lines


def _without_furniture(lines: list[str]) -> tuple[list[str], list[str]]:
    """(body lines, furniture lines): page marks with the footer lines beside them, and the
    lines that repeat at the top of each following page."""
    marks = [k for k, line in enumerate(lines) if _PAGE_MARK.search(line)]
    if not marks:
        return lines, []
    out: set[int] = set()
    for k in marks:
        out.add(k)
        for step in (-1, 1):  # a footer's other line, directly above or below the mark
            n = k + step
            beside = 0 <= n < len(lines) and 0 < len(lines[n].strip()) <= 80
            if beside and _repeats(lines, n):
                out.add(n)
    # a running header: a short line printed again after each page break
    first = marks[0]
    for k in marks:
        following = [n for n in range(k + 1, min(k + 6, len(lines))) if lines[n].strip()][:2]
        for n in following:
            if _repeats(lines, n):
                out.update(m for m in range(first, len(lines)) if _same(lines[m], lines[n]))
    body: list[str] = []
    for k, line in enumerate(lines):
        if k in out:
            _bridge(body)
            continue
        if body and body[-1] == "\x00" and not line.strip():
            continue  # blank lines around removed furniture: decided by _bridge
        body.append(line)
    body = [x for x in body if x != "\x00"]
    return body, [lines[k] for k in sorted(out)]


def _same(a: str, b: str) -> bool:
    return bool(a.strip()) and " ".join(a.split()) == " ".join(b.split())


def _repeats(lines: list[str], n: int) -> bool:
    return sum(_same(x, lines[n]) for x in lines) >= 2 or bool(_PAGE_MARK.search(lines[n]))


def _bridge(body: list[str]) -> None:
    """Where furniture was cut out: the text goes on (no blank line) unless a sentence ended."""
    if body and body[-1] == "\x00":
        return
    while body and not body[-1].strip():
        body.pop()
    if body and _SENTENCE_END.search(body[-1].rstrip()):
        body.append("")
    body.append("\x00")


def _rejoin_hyphens(lines: list[str]) -> list[str]:
    """'fol-' ending a line and 'lowing' starting the next read as 'following'; 'non-' and
    'obstructive' as 'non-obstructive'."""
    words = set(re.findall(r"[a-z]+(?:-[a-z]+)+", " ".join(lines).lower()))
    out: list[str] = []
    for line in lines:
        head = line.lstrip()
        m = _HYPHEN_END.search(out[-1].rstrip()) if out else None
        if m and head[:1].islower():
            word, tail = m["word"].lower(), re.match(r"[a-z]+", head)
            keep = (
                "-" in word
                or word in _data()["kept_hyphen_prefixes"]
                or (tail is not None and f"{word}-{tail.group()}" in words)
            )
            last = out[-1].rstrip()
            out[-1] = (last if keep else last[:-1]) + head
            continue
        out.append(line)
    return out


# "When is genetic testing covered?": a question standing alone as a heading.
_QUESTION = re.compile(r"^[A-Z][^.!?:]{5,100}\?$")
_ITEM = re.compile(r"^\s*(?:\(?(?:\d{1,2}|[A-Za-z]|[ivxIVX]{1,5})[.)]|[-*•·o–])\s")


def text_body(text: str) -> str:
    """A plain-text policy as the Markdown body the chunker reads: its headings marked."""
    lines = [line.rstrip() for line in text.split("\n")]
    margin = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    out: list[str] = []
    for k, line in enumerate(lines):
        previous = lines[k - 1] if k else ""
        following = lines[k + 1] if k + 1 < len(lines) else ""
        heading = text_heading(line, previous, following, margin)
        out += ["", f"## {heading}", ""] if heading else [line]
    return "\n".join(out) + "\n"


def text_heading(line: str, previous: str = "", following: str = "", margin: int = 0) -> str | None:
    """The heading a line of text stands for, as printed (its number and colon left off)."""
    bare = line.strip()
    if not bare or len(bare) > 100 or bare.endswith((".", ",", ";")):
        return None
    words = bare_heading(bare)
    numbered = words != bare.rstrip(":").strip()
    indented = len(line) - len(line.lstrip()) > margin
    alone = not previous.strip()
    if _QUESTION.match(bare):
        return bare if alone and not indented else None
    if not words or re.search(r"\d", words) or len(words) > 80:
        return None
    if re.search(r"\S {3,}\S", bare):
        return None  # a table's header row ("CODE     DESCRIPTION"), not a heading
    letters = [c for c in words if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters) and len(words.split()) <= 8:
        return words  # "INSTRUCTIONS FOR USE", "I. POLICY", "BACKGROUND:"
    if is_known_section(words, exact=numbered):
        # by name; a numbered one only as the whole line ("III. Related Policies"), so that
        # "1. Indications for ..." stays an item
        return words
    if (
        alone
        and following.strip()
        and not numbered
        and not indented
        and not _ITEM.match(line)
        and len(words.split()) <= 6
        and words[0].isupper()
        and ":" not in words
        and not re.search(r"[|·•()\[\]<>@/]", words)
    ):
        return words  # "Coverage requirements", standing alone above its text
    return None


def in_number_column(text: str, pos: int) -> bool:
    """True when the token at `pos` sits in a table column whose header names numbers that
    are not codes (a contract, a ZIP, a phone)."""
    ls = text.rfind("\n", 0, pos) + 1
    col = pos - ls
    lines = text[:ls].split("\n")[:-1]
    header = None
    for line in reversed(lines):  # the first line of the block the token's row is in
        if not line.strip() or line.startswith("#"):
            break
        header = line
    if header is None or re.search(r"\d{4}", header):
        return False
    cells = [(m.start(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", header)]
    under = [cell for start, cell in cells if start <= col + 2]
    if not under:
        return False
    words = "|".join(r"\s+".join(map(re.escape, w.split())) for w in _data()["not_code_columns"])
    return bool(re.search(rf"(?i)\b(?:{words})\b", under[-1]))
