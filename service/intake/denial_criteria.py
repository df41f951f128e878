"""The criteria a denial says were applied, read from the enumeration that states them.

Letters state criteria as lists in every form: bullets (•, -, *, o), numbers and letters on
their own lines ("1.", "a.", "(1)", "i."), markers inline in one sentence ("1) ... 2) ..."),
semicolon lists ("...; ...; and ..."), "either ... or ..." and parallel definitions ("X is
investigational when A. X is also investigational when B."). The first such enumeration
outside the appeal-rights boilerplate gives the criteria and whether all or any must hold.
A letter with no enumeration falls back to its criterion-like sentences (criteria_prose.py).
"""

from __future__ import annotations

import re

from service.intake.appeal_rights import notice
from service.intake.enumeration import (
    CUE,
    LINE_ITEM,
    ORDINAL_WORDS,
    Enumeration,
    acceptable,
    intro_before,
    is_boiler,
    logic_of,
    ordinal,
    trim_item,
)
from service.intake.unmarked_lists import (
    comma_series,
    labelled_rows,
    paragraphs,
    plain_lines,
    table_column,
)

_INLINE = re.compile(
    r"(?:(?<=\s)|^)(?P<m>\((?:\d{1,2}|[a-zA-Z]|[ivx]{1,4})\)|(?:\d{1,2}|[a-z])\)"
    + "|(?i:"
    + "|".join(ORDINAL_WORDS)
    + "),)\\s+"
)


def line_lists(text: str) -> list[Enumeration]:
    """Lists whose items start lines with a bullet, number or letter; wrapped lines join."""
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    out, i = [], 0
    while i < len(lines):
        m = LINE_ITEM.match(lines[i][1])
        if not m:
            i += 1
            continue
        indent = len(m["ind"])
        spans, j = [], i
        while j < len(lines):
            mm = LINE_ITEM.match(lines[j][1])
            if not mm or len(mm["ind"]) != indent:
                break
            a = lines[j][0] + mm.end()
            b = lines[j][0] + len(lines[j][1])
            j += 1
            while j < len(lines) and lines[j][1].strip():
                nxt = lines[j][1]
                deeper = len(nxt) - len(nxt.lstrip()) > indent
                if not deeper:  # a wrapped line hangs under the item's text
                    break
                b = lines[j][0] + len(nxt)
                j += 1
            spans.append((a, b))
        start = lines[i][0]
        texts = [text[a:b] for a, b in spans]
        intro = intro_before(text, start)
        if acceptable(text, start, intro, texts):
            items = [trim_item(text, a, b) for a, b in spans]
            out.append(Enumeration(items, logic_of(intro, texts), start))
        i = max(j, i + 1)
    return out


def _sequence(markers: list[re.Match[str]]) -> list[re.Match[str]]:
    """The longest run of markers counting 1, 2, 3 (or a, b, c; i, ii, iii) from the first."""
    for k, first in enumerate(markers):
        o = ordinal(first["m"])
        if not o or o[1] != 1:
            continue
        run = [first]
        for m in markers[k + 1 :]:
            n = ordinal(m["m"])
            if n and n[0] == o[0] and n[1] == len(run) + 1:
                run.append(m)
        if len(run) >= 2:
            return run
    return []


def inline_lists(text: str, sentences: list[tuple[int, int]]) -> list[Enumeration]:
    """'...: 1) A, 2) B, and 3) C.' and '(a) A; (b) B; or (c) C' inside running text."""
    out = []
    for a, b in sentences:
        run = _sequence(list(_INLINE.finditer(text, a, b)))
        if not run:
            continue
        end = b
        spans = [
            (m.end(), run[i + 1].start() if i + 1 < len(run) else end) for i, m in enumerate(run)
        ]

        intro = " ".join(text[a : run[0].start()].split())
        texts = [text[x:y] for x, y in spans]
        if acceptable(text, a, intro, texts):
            items = [trim_item(text, x, y) for x, y in spans]
            out.append(Enumeration(items, logic_of(intro, texts), a))
    return out


def _lead_end(sentence: str, first_semi: int) -> int:
    colon = sentence.rfind(":", 0, first_semi)
    if colon >= 0:
        return colon + 1
    ends = [m.end() for m in notice("list_lead").finditer(sentence) if m.end() <= first_semi]
    return max(ends) if ends else -1


def semicolon_lists(text: str, sentences: list[tuple[int, int]]) -> list[Enumeration]:
    """'covered when A; B; and C.' : a run-on list joined by semicolons."""
    out = []
    for a, b in sentences:
        s = text[a:b]
        semis = [m.start() for m in re.finditer(r";\s", s)]
        if len(semis) < 2:
            continue
        lead = _lead_end(s, semis[0])
        if lead < 0 or any(LINE_ITEM.match(line) for line in s[lead:].split("\n")):
            continue  # items that start lines with a marker are a line list (line_lists)
        bounds = [lead, *[x + 1 for x in semis], len(s)]
        spans = []
        for x, y in zip(bounds, bounds[1:], strict=False):
            piece = s[x:y]
            skip = len(piece) - len(re.sub(r"^\s*(?:and|or)\s+", "", piece))
            spans.append((a + x + skip, a + y))
        texts = [text[x:y] for x, y in spans]
        intro = s[:lead]
        if is_boiler(s) or not CUE.search(intro):
            continue
        joiner = re.search(r";\s*(or|and)\s", s[semis[-1] : semis[-1] + 8], re.I)
        logic = logic_of(intro, texts)
        if joiner and not (notice("any_of").search(intro) or notice("all_of").search(intro)):
            logic = "any" if joiner.group(1).lower() == "or" else "all"
        out.append(Enumeration([trim_item(text, x, y) for x, y in spans], logic, a))
    return out


_EITHER = re.compile(r"\beither\s+(?P<a>.+?),\s+or\s+(?P<b>.+?)\s*[.;]?\s*$", re.I | re.S)


def either_or(text: str, sentences: list[tuple[int, int]]) -> list[Enumeration]:
    """'covered only when either A, or B.'"""
    out = []
    for a, b in sentences:
        b = _item_end(text, a, b)
        m = _EITHER.search(text, a, b)
        if m and not is_boiler(text[a:b]) and CUE.search(text[a : m.start()]):
            items = [trim_item(text, m.start(g), m.end(g)) for g in ("a", "b")]
            out.append(Enumeration(items, "any", a))
    return out


def _item_end(text: str, a: int, b: int) -> int:
    """Where the list item holding `a` ends within a sentence that runs on across bullets."""
    pos = text.find("\n", a)
    while 0 <= pos < b:
        if LINE_ITEM.match(text[pos + 1 : pos + 40]):
            return pos
        pos = text.find("\n", pos + 1)
    return b


_DEFINES = re.compile(
    r"^(?P<subj>[\w' -]{3,60}?)\s+is\s+(?:also\s+)?(?P<pred>[\w/ -]{3,40}?)"
    r"\s+(?:when|if)\s+(?P<c>.+)$",
    re.S,
)


def parallel_definitions(text: str, sentences: list[tuple[int, int]]) -> list[Enumeration]:
    """'A service is X when A. A service is also X when B.': two or more parallel conditions."""
    for k in range(len(sentences) - 1):
        run: list[tuple[int, int]] = []
        key = None
        for a, b in sentences[k:]:
            found = _definition(text, a, b)
            if not found or (key and found[0] != key):
                break
            key = found[0]
            run.append(found[1])
        if len(run) >= 2:
            nxt = next((s for s in sentences if s[0] >= run[-1][1]), None)
            after = text[nxt[0] : nxt[1]] if nxt else ""
            logic = "any" if re.search(r"\b(?:either|any)\b", after, re.I) else "all"
            return [Enumeration(run, logic, sentences[k][0])]
    return []


def _definition(text: str, a: int, b: int) -> tuple[tuple[str, str], tuple[int, int]] | None:
    """((subject, predicate), condition span) of 'X is [also] P when C.'"""
    s = text[a:b]
    w = s.find(" when ")
    if w < 0:
        return None
    cut = s.rfind(",", 0, w) + 1
    m = _DEFINES.match(s[cut:].strip())
    if not m:
        return None
    start = a + cut + (len(s[cut:]) - len(s[cut:].lstrip())) + m.start("c")
    key = (m["subj"].split()[-1].lower(), m["pred"].strip().lower())
    return key, trim_item(text, start, b)


def find_enumeration(text: str, sentences: list[tuple[int, int]]) -> Enumeration | None:
    """The first enumeration of criteria in the letter, outside its boilerplate; lists without
    markers (a comma series, a table's first column) only when it has none with markers, and
    one criterion a paragraph only when it has neither."""
    found = (
        line_lists(text)
        + inline_lists(text, sentences)
        + semicolon_lists(text, sentences)
        + either_or(text, sentences)
        + parallel_definitions(text, sentences)
    )
    found = found or (
        table_column(text) + labelled_rows(text) + plain_lines(text) + comma_series(text, sentences)
    )
    # one a paragraph: the loosest layout, read only when no other list is found
    found = found or paragraphs(text)
    found = [e for e in found if not any(_nested(e, outer) for outer in found)]
    return min(found, key=lambda e: e.start) if found else None


def _nested(inner: Enumeration, outer: Enumeration) -> bool:
    """Every item of `inner` lies within one item of `outer`: a sub-list ("either A or B"
    inside a bullet), not the list of criteria."""
    if inner is outer or len(outer.items) < 2:
        return False
    lo, hi = inner.items[0][0], inner.items[-1][1]
    return any(a <= lo and hi <= b for a, b in outer.items)
