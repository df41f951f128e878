"""Labelled values: "Label: value" wherever a field starts, read by label families kept as data.

The families (data/labels.yaml) say which printed labels name which field. A label counts only
where a field can start: the start of a line, a table cell ("|") or a column (after a wide
gap), so "the claim: ..." inside a sentence is not a claim number. Matching tolerates the
letters OCR confuses, so a faxed "Subscriber #" or "Date of notlce" still reads.
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
_CELL_START = r"(?:^|\||(?<=\S) {2,}|\t)[ \t]*(?:[-*\u2022][ \t]+)?"
_SEP = r"\.?[ \t]*(?:#[ \t]*:?|:|\.{3,})[ \t]*"
_VALUE_END = re.compile(r" {3,}|\t|[ \t]*\||[ \t]*(?:\n|$)")


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
    for ch in phrase.lower():
        if ch == " ":
            out.append(r"[ \t]+")
        elif ch in _LOOKALIKE:
            out.append(_LOOKALIKE[ch])
        elif ch.isalpha():
            out.append(ch)
        else:
            out.append(re.escape(ch))
    return "".join(out)


@cache
def _families() -> tuple[dict[str, list[str]], frozenset[str]]:
    raw = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    families = {k: [str(x) for x in v] for k, v in raw["families"].items()}
    return families, frozenset(str(x).lower() for x in raw.get("bare") or [])


@cache
def _label_re() -> re.Pattern[str]:
    families, bare = _families()
    phrases = [(p, f) for f, ps in families.items() for p in ps]
    phrases.sort(key=lambda pf: -len(pf[0]))  # longest first: "member id" before "member"
    alts: list[str] = []
    for phrase, fam in phrases:
        sep = rf"(?:{_SEP}|[ \t]+)" if phrase in bare else _SEP
        alts.append(rf"(?P<{fam}_{len(alts)}>{_pattern(phrase)}){sep}")
    return re.compile(_CELL_START + r"(?:" + "|".join(alts) + r")", re.I | re.M)


@cache
def _label_only_re() -> re.Pattern[str]:
    families, _ = _families()
    phrases = sorted((p for ps in families.values() for p in ps), key=len, reverse=True)
    return re.compile(r"(?:" + "|".join(_pattern(p) for p in phrases) + r")" + _SEP, re.I)


def family_of(match: re.Match[str]) -> str:
    """The field a label match names."""
    name = match.lastgroup or "other_0"
    return name.rsplit("_", 1)[0]


def labelled_values(text: str) -> list[Labelled]:
    """Every labelled value in the text, in order; values end at the end of their cell."""
    out = []
    for m in _label_re().finditer(text):
        start = m.end()
        end_m = _VALUE_END.search(text, start)
        end = end_m.start() if end_m else len(text)
        nxt = _label_re().search(text, start, end)
        if nxt and nxt.start() > start:
            end = nxt.start()
        value = text[start:end].rstrip(" \t")
        if _label_only_re().match(value):
            value = ""  # "Date of Birth: Requesting Provider:": labels without their values
        fam = family_of(m)
        label = " ".join(m.group(m.lastgroup or 0).split())
        out.append(Labelled(fam, label, value, start, start + len(value)))
    return out


def phrases(family: str) -> list[str]:
    """The label phrases of one family (for readers that look for a label in running text)."""
    return list(_families()[0].get(family, []))
