"""Criteria listed without markers: a comma series after a lead-in, a table's first column, and
one criterion a line under a lead-in line ("Criteria not met:").

"You need A, B, C, and D." and "which means that A, B, and C" list their criteria as a
series of three or more joined by commas with "and" or "or" before the last; "we need to see
that A, that B, and that C" repeats its "that". A table whose first column is headed as the
criteria ("Guideline element", "Criterion", "Requirement") lists one per row, each row's
cell wrapped over as many lines as it needs: a new row starts where the cell starts with a
capital. A form that repeats a criterion label ("Requirement: ...", "Criterion: ...") gives one
criterion per label, its value wrapped under it. These are read only when the letter has no
list with markers (denial_criteria.py).
"""

from __future__ import annotations

import re

from service.intake.appeal_rights import notice
from service.intake.enumeration import (
    CUE,
    LINE_ITEM,
    Enumeration,
    acceptable,
    intro_before,
    is_boiler,
    logic_of,
    trim_item,
)

# Commas between items; "that" repeated before each item is the lead-in's, not the item's.
_SPLIT = re.compile(r",\s+(?:(?:and|or)\s+)?(?:that\s+)?", re.I)
_MIN_ITEMS = 3
_EXAMPLES = re.compile(r"\s*(?:such\s+as|for\s+example|e\.g\.|including|like)\b", re.I)


def _series(text: str, a: int, b: int) -> Enumeration | None:
    """The series after the sentence's last lead-in that starts one ("only when you are
    bed-confined, which means that A, B, and C")."""
    s = text[a:b]
    if is_boiler(s):
        return None
    for lead in reversed(list(notice("list_lead").finditer(s))):
        if CUE.search(s[: lead.end()]):
            found = _after(text, a + lead.end(), b)
            if found:
                return Enumeration(found[0], found[1], a)
    return None


def _after(text: str, start: int, end: int) -> tuple[list[tuple[int, int]], str] | None:
    start += len(text[start:end]) - len(text[start:end].lstrip())
    body = text[start:end].rstrip(" .;")
    cuts = list(_SPLIT.finditer(body))
    if len(cuts) < _MIN_ITEMS - 1 or not re.match(r",\s+(?:and|or)\s", cuts[-1].group(), re.I):
        return None
    bounds = [(0, cuts[0].start())]
    bounds += [(c.end(), n.start()) for c, n in zip(cuts, cuts[1:], strict=False)]
    bounds.append((cuts[-1].end(), len(body)))
    if any(len(body[x:y].split()) < 2 for x, y in bounds):
        return None  # "rest, ice, and elevation" inside a sentence: words, not criteria
    if any(_EXAMPLES.match(body[x:y]) for x, y in bounds):
        return None  # "an exam showing X, such as A, B, or C": one criterion and its examples
    if any(body[x:y].count("(") != body[x:y].count(")") for x, y in bounds):
        return None  # the commas of a bracketed aside "(for example A, B, or C)"
    logic = "any" if cuts[-1].group().strip(", ").lower().startswith("or") else "all"
    return [trim_item(text, start + x, start + y) for x, y in bounds], logic


def comma_series(text: str, sentences: list[tuple[int, int]]) -> list[Enumeration]:
    """'You need A, B, C, and D.': three or more items after a lead-in, in one sentence."""
    out = []
    for a, b in sentences:
        found = _series(text, a, b)
        if found:
            out.append(found)
    return out


_CRITERIA_HEAD = re.compile(
    r"^[ \t]*(?P<h>(?:[A-Z][\w'-]*[ ])*?(?i:criteri(?:on|a)|elements?|requirements?|conditions?))"
    r"(?P<gap> {3,}|\t)\S",
    re.M,
)
_RULE = re.compile(r"^[ \t]*[-=_]{3,}(?:[ \t]+[-=_]{3,})*[ \t]*$")


def table_column(text: str) -> list[Enumeration]:
    """The first column of a table headed as the criteria, one item per (wrapped) row."""
    out = []
    for head in _CRITERIA_HEAD.finditer(text):
        col = head.end("gap") - head.start()
        pos = text.find("\n", head.end()) + 1
        rows: list[list[int]] = []
        cells: list[list[str]] = []
        for line in text[pos:].split("\n"):
            if not line.strip():
                if rows:
                    break
            elif not _RULE.match(line):
                if LINE_ITEM.match(line):
                    rows = []
                    break  # items with markers: a line list reads them
                cell = line[:col].rstrip()
                start = pos + len(cell) - len(cell.lstrip())
                if cell.strip() and (cell.strip()[0].isupper() or not rows):
                    rows.append([start, pos + len(cell)])
                    cells.append([cell.strip()])
                elif cell.strip():
                    rows[-1][1] = pos + len(cell)
                    cells[-1].append(cell.strip())
            pos += len(line) + 1
        # the column's own heading names its rows as criteria: it leads them in as well
        intro = f"{intro_before(text, head.start())} {head['h']}"
        texts = [" ".join(c) for c in cells]
        if len(rows) >= 2 and acceptable(text, head.start(), intro, texts):
            items = [trim_item(text, x, y) for x, y in rows]
            out.append(Enumeration(items, logic_of(intro, texts), head.start(), texts))
    return out


# "Criteria not met:" and then one criterion a line, with no markers, up to a blank line.
_LEAD_LINE = re.compile(r"^[ \t]*(?P<intro>[A-Z][^\n:]{3,80}):[ \t]*$", re.M)
_MAX_LINE = 110


def plain_lines(text: str) -> list[Enumeration]:
    """Items one a line under a lead-in line ending in a colon, none with a marker or label."""
    out = []
    for lead in _LEAD_LINE.finditer(text):
        intro = lead["intro"]
        if not (CUE.search(intro) or re.search(r"(?i)\bnot\s+met\b", intro)):
            continue
        items: list[list[int]] = []
        pos = lead.end() + 1
        for line in text[pos:].split("\n"):
            s = line.strip()
            if not s or len(s) > _MAX_LINE or LINE_ITEM.match(line) or s.endswith(":"):
                break
            start = pos + line.find(s)
            if s[0].islower() and items:
                items[-1][1] = start + len(s)  # a wrapped line of the item before
            else:
                items.append([start, start + len(s)])
            pos += len(line) + 1
        texts = [text[a:b] for a, b in items]
        if len(items) >= 2 and acceptable(text, lead.start(), intro, texts):
            spans = [trim_item(text, a, b) for a, b in items]
            out.append(Enumeration(spans, logic_of(intro, texts), lead.start()))
    return out


# A lead-in that ends a paragraph with a colon ("... says this drug can be approved when:"),
# its sentence starting anywhere in the paragraph.
_LEAD_PARAGRAPH = re.compile(r"(?P<intro>[^\n.:;]{3,200}):[ \t]*\n[ \t]*\n")
_PARAGRAPH = re.compile(r"\S[^\n]*(?:\n[ \t]*\S[^\n]*)*")
_MAX_PARAGRAPH = 80  # words: a longer paragraph is prose, not one criterion
# "The notes do not show ...": what the reviewer found missing, after the criteria
_NOTES_LACK = re.compile(
    r"\b(?:did|does|do)\s+not\s+(?:show|document|include|indicate|demonstrate|support)\b", re.I
)


def paragraphs(text: str) -> list[Enumeration]:
    """One criterion a paragraph, under a lead-in that ends its own paragraph with a colon;
    the list ends at a paragraph that is boilerplate, ends with a colon itself, states no
    requirement, or states what the notes lack (the reason, not a criterion)."""
    out = []
    for lead in _LEAD_PARAGRAPH.finditer(text):
        intro = " ".join(lead["intro"].split())
        if not CUE.search(intro):
            continue
        items: list[tuple[int, int]] = []
        for para in _PARAGRAPH.finditer(text, lead.end()):
            if para.start() != lead.end() and not re.fullmatch(
                r"[ \t]*\n[ \t]*\n[ \t]*",
                text[(items[-1][1] if items else lead.end()) : para.start()],
            ):
                break  # not separated from the one before by exactly one blank line
            words = para.group().split()
            if (
                len(words) > _MAX_PARAGRAPH
                or para.group().rstrip().endswith(":")
                or LINE_ITEM.match(para.group())
                or is_boiler(para.group())
                or _NOTES_LACK.search(para.group())
                or not notice("requirement").search(para.group())  # not a requirement: the end
            ):
                break
            items.append((para.start(), para.end()))
        texts = [" ".join(text[a:b].split()) for a, b in items]
        if len(items) >= 2 and acceptable(text, lead.start(), intro, texts):
            spans = [trim_item(text, a, b) for a, b in items]
            out.append(Enumeration(spans, logic_of(intro, texts), lead.start(), texts))
    return out


# "Requirement:  <text>" (or Criterion, Guideline element...) at a line's start, the value
# wrapped on the lines under it; another "Label:" line or a blank line ends it.
_CRITERION_LABEL = re.compile(
    r"^[ \t]*(?i:(?:guideline\s+|policy\s+|coverage\s+)?(?:requirement|criterion|element|standard)"
    r"(?:\s+\d+)?)[ \t]*:[ \t]*(?P<v>\S[^\n]*)$",
    re.M,
)
_ANY_LABEL = re.compile(r"^[ \t]*[A-Z][\w /-]{0,30}:(?:[ \t]|$)")


def labelled_rows(text: str) -> list[Enumeration]:
    """One criterion per repeated criterion label, in a form that lists them label by label."""
    spans: list[tuple[int, int]] = []
    for m in _CRITERION_LABEL.finditer(text):
        a, b = m.start("v"), m.end("v")
        pos = b + 1
        for line in text[pos:].split("\n"):
            if not line.strip() or _ANY_LABEL.match(line) or LINE_ITEM.match(line):
                break
            b = pos + len(line.rstrip())
            pos += len(line) + 1
        spans.append((a, b))
    if len(spans) < 2:
        return []
    texts = [" ".join(text[a:b].split()) for a, b in spans]
    if any(is_boiler(t) for t in texts):
        return []
    start = text.rfind("\n", 0, spans[0][0]) + 1
    items = [trim_item(text, a, b) for a, b in spans]
    return [Enumeration(items, logic_of(intro_before(text, start), texts), start, texts)]
