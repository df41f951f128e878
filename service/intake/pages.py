"""The pages of a pasted letter joined back into one text, as a reader reads across them.

A letter printed on several pages carries page furniture between them: a footer with the
form number and "Page 1 of 3", the letterhead again, a running header with the member's name
and id. Pasted or OCR'd, that furniture lands inside a sentence or a list. `page_order` moves
each such block to the end of the text (its addresses and ids still read from there), joins
the text on either side of it, and rejoins words hyphenated at a line end ("super-" /
"vised"). The View it returns maps every position back to the text as pasted.
"""

from __future__ import annotations

import re

from service.intake.layout import View, build_view, reflow

_PAGE_MARK = re.compile(r"(?i)(?:^|\s{2,}|\|)\s*(?:page\s+\d+(?:\s+of\s+\d+)?|-\s*\d+\s*-)\s*$")
_RULE = re.compile(r"^\s*[-_=*~\u2500\u2501]{8,}\s*$")
_CELLS = re.compile(r"\S\s+\|\s+\S|\S {3,}\S.*\S {3,}\S")
_MAX_BLOCK = 8  # lines: a footer and a header together; more is body text
_HYPHEN_END = re.compile(r"[A-Za-z]{2}-$")
_SENTENCE_END = re.compile(r"[.!?:]\W{0,2}$")


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _block(lines: list[str], mark: int) -> tuple[int, int] | None:
    """The run of lines around a page mark, bounded by blank lines or rules."""
    start = mark
    while start > 0 and lines[start - 1].strip() and not _RULE.match(lines[start]):
        start -= 1
    end = mark + 1
    while end < len(lines) and lines[end].strip() and not _RULE.match(lines[end - 1]):
        end += 1
    if end - start > _MAX_BLOCK:
        return mark, mark + 1
    return start, end


def _running_header(lines: list[str], after: int) -> tuple[int, int] | None:
    """A short run of cell-like lines (name | id | date) just after a page's furniture."""
    i = after
    while i < len(lines) and not lines[i].strip():
        i += 1
    j = i
    while j < len(lines) and lines[j].strip():
        j += 1
    rest = any(line.strip() for line in lines[j:])
    if i < j <= i + 2 and rest and all(_CELLS.search(lines[k]) for k in range(i, j)):
        return i, j
    return None


def furniture(text: str) -> set[int]:
    """Indices of the lines that are page furniture between pages of body text."""
    lines = text.split("\n")
    out: set[int] = set()
    for m, line in enumerate(lines):
        if m in out or not _PAGE_MARK.search(line):
            continue
        found = _block(lines, m)
        if not found:
            continue
        start, end = found
        if not any(lines[k].strip() and k not in out for k in range(start)):
            continue  # the first page's own head ("Page 1 of 1" beside the letterhead)
        out.update(range(start, end))
        header = _running_header(lines, end)
        if header:
            out.update(range(*header))
    return out


def page_order(text: str) -> View:
    """The text with page furniture moved to its end and line-end hyphenation rejoined."""
    spans = _lines(text)
    moved = furniture(text)
    body: list[list] = []  # [start, end, joiner]
    gap = False  # furniture was removed since the last body line
    for k, (a, b) in enumerate(spans):
        if k in moved:
            gap = True
            continue
        if gap and not text[a:b].strip():
            continue  # blank lines around removed furniture: decided below
        if gap and body:
            _bridge(text, body)
        gap = False
        body.append([a, b, "\n"])
    _rejoin_hyphens(text, body)
    tail = [[spans[k][0], spans[k][1], "\n"] for k in sorted(moved)]
    if tail:
        body[-1][2] = "\n\n" if body else ""
    return build_view(text, [(a, b, j) for a, b, j in body + tail])


def _bridge(text: str, body: list[list]) -> None:
    """Where furniture was cut out: a paragraph break after a finished sentence, else none."""
    while body and not text[body[-1][0] : body[-1][1]].strip():
        body.pop()
    if body and _SENTENCE_END.search(text[body[-1][0] : body[-1][1]].rstrip()):
        body[-1][2] = "\n\n"


def _rejoin_hyphens(text: str, body: list[list]) -> None:
    """'super-' at a line end and 'vised' starting the next line read as 'supervised'."""
    for cur, nxt in zip(body, body[1:], strict=False):
        line = text[cur[0] : cur[1]].rstrip()
        following = text[nxt[0] : nxt[1]]
        head = following.lstrip()
        if cur[2] == "\n" and _HYPHEN_END.search(line) and head[:1].islower():
            cur[1] = cur[0] + len(line) - 1
            cur[2] = ""
            nxt[0] += len(following) - len(head)


def reading_order(text: str) -> View:
    """The text as a reader reads it: across page breaks, then two-column blocks unfolded."""
    pages = page_order(text)
    view = reflow(pages.text)
    view.parent = pages
    return view
