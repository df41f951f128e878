"""Page layout of pasted text: flattened columns put back in reading order, OCR damage undone.

A faxed or OCR'd letter often arrives with two columns printed side by side on one line
("To: Surgical Center          Patient: Jane Doe"). `reflow` rewrites such blocks column by
column and keeps a map to the original offsets, so every value read from the reflowed text
still points at its place in what the user pasted.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

_GAP = re.compile(r"\S(?: {3,}|\t+)(?=\S)")
_MIN_RIGHT = 28  # a right column starts this far in; nearer is a gap inside a sentence
# A header underline of two or more dashed runs marks a table, whose rows read across.
_TABLE_RULE = re.compile(r"^[ \t]*[-=_]{3,}(?:[ \t]+[-=_]{3,})+[ \t]*$")
_ALIGN = 3  # right cells of one block start within this many characters of each other


@dataclass
class View:
    """Text rewritten from pieces of an original, and for each piece where it sits there."""

    text: str
    starts: list[int] = field(default_factory=list)  # piece starts in `text`
    origins: list[int] = field(default_factory=list)  # the same pieces' starts in the original
    parent: View | None = None  # when the original is itself a view of the pasted text

    def orig(self, pos: int) -> int:
        """The offset in the pasted text of a position in this text."""
        if self.starts:
            i = max(bisect_right(self.starts, pos) - 1, 0)
            pos = self.origins[i] + pos - self.starts[i]
        return self.parent.orig(pos) if self.parent else pos


def build_view(source: str, pieces: list[tuple[int, int, str]]) -> View:
    """The text made of source[a:b] pieces, each followed by its joiner ("\n", "" or "\n\n")."""
    view = View("")
    parts = []
    pos = 0
    for a, b, joiner in pieces:
        view.starts.append(pos)
        view.origins.append(a)
        parts.append(source[a:b] + joiner)
        pos += b - a + len(joiner)
    view.text = "".join(parts)
    if pieces and pieces[-1][2] == "\n":
        view.text = view.text[:-1]
    return view


def _right_start(line: str) -> int | None:
    """Column of the last wide gap's right side, when the line has exactly two cells."""
    gaps = list(_GAP.finditer(line))
    if len(gaps) != 1:
        return None
    start = gaps[0].end()
    return start if start >= _MIN_RIGHT else None


def _blocks(lines: list[str]) -> list[tuple[int, int, int]]:
    """(first line, end line, right column) of runs of lines laid out in two columns."""
    out = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].strip():
            j += 1
        starts = [s for s in map(_right_start, lines[i:j]) if s is not None]
        table = any(_TABLE_RULE.match(line) for line in lines[i:j])
        if len(starts) >= 2 and not table:  # a table's rows read across: not two columns
            col = sorted(starts)[len(starts) // 2]
            if sum(abs(s - col) <= _ALIGN for s in starts) >= 2:
                out.append((i, j, col))
        i = j
    return out


def _split(line: str, col: int) -> tuple[int, int] | None:
    """(end of the left cell, start of the right cell) when the line has a cell at `col`."""
    if len(line) - len(line.lstrip()) >= col - _ALIGN and line.strip():
        return 0, len(line) - len(line.lstrip())  # only the right column is printed here
    for gap in _GAP.finditer(line):
        if abs(gap.end() - col) <= _ALIGN:
            return gap.start() + 1, gap.end()
    return None


def reflow(text: str) -> View:
    """The text with two-column blocks written left column first, then right."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    pieces: list[tuple[int, int]] = []  # original (start, end) of each output line
    blocks = {b[0]: b for b in _blocks(lines)}
    i = 0
    while i < len(lines):
        if i not in blocks:
            pieces.append((offsets[i], offsets[i] + len(lines[i])))
            i += 1
            continue
        first, end, col = blocks[i]
        left, right = [], []
        for k in range(first, end):
            cut = _split(lines[k], col)
            base = offsets[k]
            if cut is None:
                left.append((base, base + len(lines[k])))
                continue
            if cut[0] > 0 and lines[k][: cut[0]].strip():
                left.append((base, base + cut[0]))
            right.append((base + cut[1], base + len(lines[k])))
        pieces += left + right
        i = end
    return build_view(text, [(a, b, "\n") for a, b in pieces])


# ---- OCR damage -------------------------------------------------------------------------------

# A digit inside a word ("Va1ley", "Hea1th", "0ffice") marks OCR'd text: 1/l and 0/O confusions.
_DAMAGED = re.compile(r"\b[A-Za-z]+[01][A-Za-z]+\b|\b[01][a-z]{2,}\b|\b[A-Za-z]{2,}[01]\b")
_NOT_WORD = re.compile(r"\d{3}")  # ids and codes keep their digits


def is_ocr_damaged(text: str) -> bool:
    """True when several words carry the digit-for-letter confusions OCR makes."""
    hits = [m.group() for m in _DAMAGED.finditer(text) if not _NOT_WORD.search(m.group())]
    return len(hits) >= 3


_INNER_DIGIT = re.compile(r"(?<=[a-z])[01](?=[a-z])")


def fix_inner_digits(text: str) -> str:
    """A 1 or 0 between lower-case letters is OCR's l or o ('neuro1ogic'); no word holds one."""
    return _INNER_DIGIT.sub(lambda m: "l" if m.group() == "1" else "o", text)


def fix_word_digits(text: str) -> str:
    """Letters for digits inside words: 'Ana1ise' -> 'Analise', '0ffice' -> 'Office'."""

    def fix(m: re.Match[str]) -> str:
        word = m.group()
        letters = sum(c.isalpha() for c in word)
        if len(word) < 3 or letters < 2 or _NOT_WORD.search(word):
            return word
        upper = sum(c.isupper() for c in word) > len(word) / 2
        one, zero = ("I", "O") if upper else ("l", "o")
        out = word.replace("1", one).replace("0", zero)
        return out[0].upper() + out[1:] if word[0] == "0" else out

    return re.sub(r"\b[A-Za-z01]*[A-Za-z][A-Za-z01]*\b", fix, text)


# A state's code before its ZIP with OCR's l or 1 for I ("Lansing, Ml 48909"): HI, MI, RI...
_DAMAGED_STATE = re.compile(r"(?<=[\s,])(?P<s>[A-Z])[l1|](?=[ \t]+\d{5}(?:-\d{4})?\b)")


def fix_state_codes(text: str) -> str:
    """'Ml 48909' -> 'MI 48909' in OCR'd text; same length."""
    return _DAMAGED_STATE.sub(lambda m: m["s"] + "I", text)


_DATE_CHARS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})
_DAMAGED_DATE = re.compile(r"(?<![\w/])[\dOolI|]{1,2}/[\dOolI|]{1,2}/[\dOolI|]{2,4}(?![\w/])")


# A month's name, then a day and year that OCR damaged ("March 2l, 2025", "May O6, 2O25").
_DAMAGED_WORD_DATE = re.compile(
    r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?[ \t]+"
    r"(?=[\dOolI|]{1,2},?[ \t]+[\dOolI|]{4}\b)(?=[^\n]{0,12}[OolI|])"
    r"(?P<d>[\dOolI|]{1,2}),?[ \t]+(?P<y>[\dOolI|]{4})\b"
)


def _word_date(m: re.Match[str]) -> str:
    day, year = m["d"].translate(_DATE_CHARS), m["y"].translate(_DATE_CHARS)
    if not (day.isdigit() and year.isdigit() and year[:2] in ("19", "20")):
        return m.group()
    g = m.group()
    d0, y0 = m.start("d") - m.start(), m.start("y") - m.start()
    return g[:d0] + day + g[d0 + len(day) : y0] + year + g[y0 + len(year) :]


def fix_dates(text: str) -> str:
    """Digits for letters inside dates ('1O/27/1979' -> '10/27/1979', 'March 2l, 2025' ->
    'March 21, 2025'); same length."""
    text = _DAMAGED_DATE.sub(lambda m: m.group().translate(_DATE_CHARS), text)
    return _DAMAGED_WORD_DATE.sub(_word_date, text)


# OCR confuses l, I, 1 and | (and 0 with o). Keyword patterns run on a folded copy of the text
# of the same length, so their spans still index the original.
_FOLD = str.maketrans({"l": "i", "L": "i", "I": "i", "|": "i"})


def fold(text: str) -> str:
    """The text with OCR look-alike letters made one (same length, so spans still hold)."""
    folded = text.translate(_FOLD)
    return re.sub(r"(?<=[A-Za-z])[01]|[01](?=[A-Za-z])", lambda m: "oi"[int(m.group())], folded)


def keywords(pattern: str, flags: int = re.I) -> re.Pattern[str]:
    """A keyword pattern to run on `fold`ed text (its l's are i's there)."""
    return re.compile(pattern.replace("l", "i").replace("L", "i"), flags)
