"""Labelled values: "Label: value" wherever a field starts, read by label families kept as data.

The families (data/labels.yaml) say which printed labels name which field. A label counts only
where a field can start: the start of a line, a table cell ("|") or a column (after a wide
gap), so "the claim: ..." inside a sentence is not a claim number. Matching tolerates the
letters OCR confuses, so a faxed "Subscriber #" or "Date of notlce" still reads; Markdown
emphasis ("**Member:**"), a label in two languages ("Fecha / Date:"), an abbreviation
("Document Control Number (DCN):") and words saying whose number it is ("Plan member number")
read as the label they carry. A label the families do not list is read by its words
(`classify`), and so are labels printed after their value ("HX-55102-7 (your member
number)") and in a sentence ("Your member number is SWH 4471 0926").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

_DATA = Path(__file__).with_name("data") / "labels.yaml"
# OCR confuses these letters; a label letter matches any of its look-alikes.
_LOOKALIKE = {"l": "[l1I|i]", "i": "[il1|!]", "o": "[o0]", "m": "(?:m|rn)", "s": "[s5]"}
_EMPHASIS = r"(?:\*\*|__)?"
# A field starts a line, a table cell, a column after a wide gap, or a bracket "(ID: ...)".
_CELL_START = r"(?:^|\||\(|(?<=\S) {2,}|\t)[ \t]*(?:[-*\u2022][ \t]+)?" + _EMPHASIS
_OTHER_TONGUE = r"(?:[^:/\n|*]{1,40}?/[ \t]*)?"  # "Fecha / Date:", "Claimant / patient:"
_ABBREVIATION = r"(?:[ \t]*\([A-Za-z.]{2,8}\))?"  # "Document Control Number (DCN):"
# The separator leaves the spaces after it, so a second label in the same line still starts a cell.
# ...or a cell's own end: "| Member ID | ABC123 |" and a form's "Member Number     MQH 55"
# (the value is the next cell).
_SEP = (
    r"\.?[ \t]*(?:(?:#[ \t]*:?|:|\.{3,})" + _EMPHASIS + r"|(?=\|)|(?<=\w)(?=(?: {2,}|\t)[^\s|:]))"
)
_HASH_SEP = r"\.?[ \t]*#[ \t]*:?[ \t]*"
_VALUE_END = re.compile(r" {3,}|\t|[ \t]*\||[ \t]*(?:\n|$)")
_ID_FIELDS = ("member_id", "claim_number", "reference_number")


@dataclass(frozen=True)
class Labelled:
    """One labelled value: its field, the label as printed, and the value's span."""

    field: str
    label: str
    value: str
    start: int
    end: int


def _pattern(phrase: str) -> str:
    out = []
    for i, ch in enumerate(phrase.lower()):
        if ch == " ":  # "Member#" is "member #": a "#" may be printed against its word
            out.append(r"[ \t]*" if phrase[i + 1 : i + 2] == "#" else r"[ \t]+")
        elif ch in _LOOKALIKE:
            out.append(_LOOKALIKE[ch])
        elif ch.isalpha():
            out.append(ch)
        else:
            out.append(re.escape(ch))
    return "".join(out)


@dataclass(frozen=True)
class _Data:
    families: dict[str, list[str]]
    bare: frozenset[str]
    qualifiers: list[str]
    keywords: list[tuple[str, tuple[str, ...]]]


@cache
def _data() -> _Data:
    raw = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    return _Data(
        families={k: [str(x) for x in v] for k, v in raw["families"].items()},
        bare=frozenset(str(x).lower() for x in raw.get("bare") or []),
        qualifiers=[str(x) for x in raw.get("qualifiers") or []],
        keywords=[(str(k[0]), tuple(str(w) for w in k[1:])) for k in raw.get("keywords") or []],
    )


def _families() -> tuple[dict[str, list[str]], frozenset[str]]:
    return _data().families, _data().bare


def _alternatives(sep_for: dict[str, str] | None = None, only: tuple[str, ...] = ()) -> str:
    families, bare = _families()
    phrases = [(p, f) for f, ps in families.items() for p in ps if not only or f in only]
    phrases.sort(key=lambda pf: -len(pf[0]))  # longest first: "member id" before "member"
    alts: list[str] = []
    for phrase, fam in phrases:
        sep = (sep_for or {}).get(phrase) or (rf"(?:{_SEP}|[ \t]+)" if phrase in bare else _SEP)
        alts.append(rf"(?P<{fam}_{len(alts)}>{_pattern(phrase)}){_ABBREVIATION}{sep}")
    return "(?:" + "|".join(alts) + ")"


@cache
def _label_re() -> re.Pattern[str]:
    quals = "|".join(_pattern(q) for q in sorted(_data().qualifiers, key=len, reverse=True))
    lead = _CELL_START + _OTHER_TONGUE + rf"(?:(?:{quals})[ \t]+){{0,2}}?"
    return re.compile(lead + _alternatives(), re.I | re.M)


@cache
def _hash_label_re() -> re.Pattern[str]:
    """An identifier label with "#" reads anywhere: "Subject: Decision - Ref# NBH-2510-66021"."""
    phrases = [p for f in _ID_FIELDS for p in _families()[0][f]]
    hashed = {p: _HASH_SEP for p in phrases}
    return re.compile(r"(?<![\w#])" + _alternatives(hashed, _ID_FIELDS), re.I)


@cache
def _label_only_re() -> re.Pattern[str]:
    families, _ = _families()
    phrases = sorted((p for ps in families.values() for p in ps), key=len, reverse=True)
    return re.compile(r"(?:" + "|".join(_pattern(p) for p in phrases) + r")" + _SEP, re.I)


def family_of(match: re.Match[str]) -> str:
    """The field a label match names."""
    name = match.lastgroup or "other_0"
    return name.rsplit("_", 1)[0]


def classify(label: str) -> str | None:
    """The field a label names, read from its words when the families do not list it."""
    words = re.findall(r"[a-z]+", label.lower().replace("'s", ""))
    words = [w for w in words if w not in ("your", "the", "our", "this", "a", "an")]
    if not words:
        return None
    phrase = " ".join(words)
    for fam, listed in _families()[0].items():
        if phrase in listed:
            return fam
    for fam, stems in _data().keywords:
        if all(any(w.startswith(stem) for w in words) for stem in stems):
            return fam
    return None


def _cell_value(text: str, start: int, label_re: re.Pattern[str]) -> tuple[int, str]:
    """(start, value) of the value after a label ending at `start`."""
    start += len(text[start:]) - len(text[start:].lstrip(" \t"))
    if text.startswith("|", start):  # the label filled its cell: the value is the next one
        start += 1
        start += len(text[start:]) - len(text[start:].lstrip(" \t"))
    end_m = _VALUE_END.search(text, start)
    end = end_m.start() if end_m else len(text)
    nxt = label_re.search(text, start, end)
    if nxt and nxt.start() > start:
        end = nxt.start()
    value = text[start:end].rstrip(" \t")
    if _label_only_re().match(value):
        return start, ""  # "Date of Birth: Requesting Provider:": labels without their values
    return start, value


@cache
def _inline_id_re() -> re.Pattern[str]:
    """An identifier labelled after a comma inside another value: "Member: Jo Doe, ID K4410"."""
    phrases = [p for f in _ID_FIELDS for p in _families()[0][f]]
    sep = {p: r"[ \t]*(?:#[ \t]*:?|:)?[ \t]+(?=[A-Za-z0-9-]*\d)" for p in phrases}
    return re.compile(r"[,;][ \t]+" + _alternatives(sep, _ID_FIELDS), re.I)


def _found(text: str, pattern: re.Pattern[str]) -> list[Labelled]:
    out = []
    for m in pattern.finditer(text):
        start, value = _cell_value(text, m.end(), _label_re())
        if text.startswith("(", m.start()):  # "(ID: BVM-30281-04)": the value ends with it
            close = text.find(")", start, start + 100)
            if ")" not in value and close > 0 and "\n\n" not in text[start:close]:
                value = text[start:close]  # the bracket wraps onto the next line
            value = value.split(")")[0].rstrip()
        label = " ".join(m.group(m.lastgroup or 0).split())
        inner = _inline_id_re().search(value) if family_of(m) not in _ID_FIELDS else None
        if inner:
            rest = value[inner.end() :].split(",")[0].split()[0]
            a = start + inner.end()
            value = value[: inner.start()]
            inner_label = " ".join(inner.group(inner.lastgroup or 0).split())
            out.append(Labelled(family_of(inner), inner_label, rest, a, a + len(rest)))
        out.append(Labelled(family_of(m), label, value, start, start + len(value)))
    return sorted(out, key=lambda v: v.start)


# A label the families do not list, at the start of a line: "Dentist who will perform it:".
_UNLISTED = re.compile(
    r"^[ \t]*" + _EMPHASIS + r"(?P<l>[A-Za-z][A-Za-z' ]{2,60}?)[ \t]*" + _EMPHASIS
    + r":" + _EMPHASIS + r"[ \t]+(?=\S)",
    re.M,
)  # fmt: skip
# "HX-55102-7 (your member number)": a value, then its label in parentheses, alone on a line.
_AFTER = re.compile(
    r"^[ \t]*(?P<v>\S[^\n]{0,80}?)[ \t]+\((?P<l>[A-Za-z][^()\n]{2,60})\)[ \t]*$", re.M
)
# "Your member number is SWH 4471 0926": an identifier named in a sentence.
# In capitals the label is too ("YOUR MEMBER NUMBER IS ..."); a group after the first holds a
# digit, so the words after the id are not more of it.
_IN_SENTENCE = re.compile(
    r"\b(?i:your|the|our)\s+(?P<l>[A-Za-z](?:[a-z'\s]|(?-i:[A-Z'\s])){2,60}?)\s+(?i:is|was)\s+"
    r"(?P<v>(?=[A-Z0-9 -]*\d)[A-Z0-9][A-Z0-9-]*(?:[ ](?=[A-Z-]*\d)[A-Z0-9][A-Z0-9-]*)*)"
)


def _unlisted(text: str, taken: list[Labelled]) -> list[Labelled]:
    out = []
    for m in _UNLISTED.finditer(text):
        label = m["l"]
        fam = classify(label) if len(label.split()) <= 7 else None
        if fam is None or any(m.start() <= v.start <= m.end() for v in taken):
            continue
        start, value = _cell_value(text, m.end(), _label_re())
        out.append(Labelled(fam, label.strip(), value, start, start + len(value)))
    return out


def _elsewhere(text: str) -> list[Labelled]:
    """Labels after their value and identifiers named in sentences."""
    out = []
    for m in _AFTER.finditer(text):
        fam = classify(m["l"])
        if fam:
            out.append(Labelled(fam, m["l"], m["v"], m.start("v"), m.end("v")))
    for m in _IN_SENTENCE.finditer(text):
        fam = classify(m["l"])
        if fam in _ID_FIELDS and len(m["v"]) >= 5:
            out.append(Labelled(fam, m["l"], m["v"], m.start("v"), m.end("v")))
    return out


def labelled_values(text: str) -> list[Labelled]:
    """Every labelled value in the text: labels where fields start, in order, then the labels
    read from their words, after their values and in sentences (a first label wins)."""
    listed = _found(text, _label_re())
    hashed = [v for v in _found(text, _hash_label_re()) if all(v.start != x.start for x in listed)]
    first = sorted(listed + hashed, key=lambda v: v.start)
    return first + _unlisted(text, first) + _elsewhere(text)


def phrases(family: str) -> list[str]:
    """The label phrases of one family (for readers that look for a label in running text)."""
    return list(_families()[0].get(family, []))
