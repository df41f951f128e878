"""The payer a policy names itself, read from the places payers print their name.

Tried in order: a line of the document's head (its letterhead, "<Plan> Medical Policy",
"<Plan> | Medical Policy", a bold name); a sentence naming the plans the policy applies to or
the plan that "considers" a service necessary; the copyright line; a line of the document's
foot; for a web page, its title and its logo's alt text; last, a payer the directory knows.
The words around a name are data (data/payer_places.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import yaml

from service.intake.parties import display_name, is_org_name
from service.intake.payers import find_in_directory
from service.policies.headings import is_known_section

_DATA = Path(__file__).with_name("data") / "payer_places.yaml"
_HEAD_LINES = 25
_FOOT_LINES = 10
_MARKS = re.compile(r"[®™℠]|\((?:R|TM|SM)\)")
_CELL = re.compile(r"\s+[|·•]\s+|\s+[-–—]\s+| {3,}|\t")
_NAME = r"[A-Z][\w&'’.-]*(?:[®™℠])?(?:[ ](?:[A-Z][\w&'’.-]*(?:[®™℠])?|&|of|and|the|for)){0,7}"
_COPYRIGHT = re.compile(
    rf"(?:©|\([cC]\)|\bCopyright\b)\s*(?:\d{{4}}(?:\s*[-–,]\s*\d{{4}})?\s*)?(?:by\s+)?(?P<org>{_NAME})"
)


@cache
def _data() -> dict[str, tuple[str, ...]]:
    raw = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    return {k: tuple(str(x).lower() for x in v) for k, v in raw.items()}


def _phrases(key: str) -> str:
    return "|".join(r"\s+".join(map(re.escape, x.split())) for x in _data()[key])


def payer_in_text(text: str, hints: Iterable[str] = (), title: str | None = None) -> str | None:
    """The payer's name as the document prints it (its mixed case), or None; never the
    document's title."""
    lines = [x for x in text.split("\n") if x.strip()]
    own = " ".join((title or "").lower().split())
    for name in _candidates(text, lines, list(hints)):
        if name.lower() != own:
            return _display(name, text)
    return None


def payer_labels() -> tuple[str, ...]:
    """The labels a payer's name is given under ("payer", "health plan", ...)."""
    return _data()["labels"]


def is_payer_name(line: str) -> bool:
    """True for a line that is a payer's name standing alone ("Marrowstone Health Plan")."""
    name = " ".join(_MARKS.sub(" ", line).split())
    last = name.split()[-1].lower().strip(".,") if name else ""
    return is_org_name(name) and last in _data()["name_endings"]


def _candidates(text: str, lines: list[str], hints: list[str]) -> Iterator[str]:
    yield from _labelled(lines)
    yield from _line_names(lines[:_HEAD_LINES])
    yield from _sentence_names(text)
    yield from _copyright_names(lines)
    yield from _line_names(lines[-_FOOT_LINES:])
    for hint in hints:
        yield from _line_names([hint], image=True)
    found = find_in_directory(text, "payer")  # a payer the directory knows, named anywhere
    if found:
        yield found[0].name


def _labelled(lines: list[str]) -> Iterator[str]:
    """A payer given by a label ("Health Plan: Quarry Lake Health Plan")."""
    label = re.compile(rf"(?i)^[\s*_>#|-]*(?:{_phrases('labels')})[\s*_]*:[\s*_]*(?P<v>.+)$")
    for line in lines:
        m = label.match(line)
        name = _trim(re.split(r"\s{3,}|\s[|·]\s", m["v"].strip())[0]) if m else ""
        if name and (is_payer_name(name) or _payer_like(name)):
            yield name


def _line_names(lines: list[str], image: bool = False) -> Iterator[str]:
    """Names standing alone in a line or a cell of it, less the document's own name."""
    for line in lines:
        if ":" in line and not image:
            continue  # a label's line ("Section: Surgery") or a sentence's
        bold = re.findall(r"\*\*(.+?)\*\*|__(.+?)__", line)
        cells = [a or b for a, b in bold] + _CELL.split(re.sub(r"[*_#>]", " ", line).strip())
        for cell in cells:
            name, kind = _strip_kind(cell, image)
            # beside the document's kind ("Aurora Blue Medical Policy", an "Acme logo") a name
            # needs no word of a plan's in it
            if name and (is_payer_name(name) or (kind and _named(name))):
                yield name


def _strip_kind(cell: str, image: bool) -> tuple[str, bool]:
    """(the cell less the document's kind after a name, whether there was one)."""
    name = " ".join(_MARKS.sub(" ", cell).split()).strip(" .,;-–—")
    words = _phrases("document_kinds") + ("|" + _phrases("image_words") if image else "")
    stripped = False
    while (cut := re.sub(rf"(?i)\s+\b(?:{words})$", "", name).strip(" ,;-–—")) != name:
        name, stripped = cut, True
    return name, stripped


def _named(name: str) -> bool:
    """A proper name of one to six capitalised words ("Aetna", "Aurora Blue"), none of them a
    word of a document's kind ("Medical" of "Medical Coverage Policy")."""
    words = name.split()
    kinds = {w for kind in _data()["document_kinds"] for w in kind.split()}
    return (
        1 <= len(words) <= 6
        and all(w[:1].isupper() and w.lower() not in kinds for w in words)
        and len(name) >= 4
        and not is_known_section(name)
    )


def _payer_like(name: str) -> bool:
    words = {w.lower().strip(".,") for w in name.split()}
    return is_org_name(name) and bool(words & set(_data()["payer_words"]))


def _sentence_names(text: str) -> Iterator[str]:
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", _MARKS.sub("", text))]
    before = re.compile(rf"\b(?:{_phrases('before_name')})\s+(?:the\s+)?(?P<org>{_NAME})")
    after = re.compile(rf"(?:^|[.!?]\s+)(?P<org>{_NAME})\s+(?:{_phrases('after_name')})\b")
    owner = re.compile(rf"(?P<org>{_NAME})['’]s\s+(?:{_phrases('owned')})\b")
    for pattern in (before, after, owner):
        for paragraph in paragraphs:
            for m in pattern.finditer(paragraph):
                name = _trim(m["org"])
                if _payer_like(name):
                    yield name


def _trim(name: str) -> str:
    """A name read from a sentence ends before lower-case words and trailing joiners."""
    words = re.split(r"\.\s", name)[0].split()
    while words and (
        words[-1].lower() in ("of", "and", "the", "for", "&") or not words[-1][0].isupper()
    ):
        words.pop()
    return " ".join(words).strip(" .,;")


def _copyright_names(lines: list[str]) -> Iterator[str]:
    code_sets = re.compile(rf"(?i)\b(?:{_phrases('code_set_words')})\b")
    for line in lines:
        m = _COPYRIGHT.search(_MARKS.sub("", line).replace("*", ""))
        if m and not code_sets.search(line):
            name = re.sub(r",?\s+(?:Inc|LLC|Corp|Ltd|Co)\.?$", "", _trim(m["org"])).strip(" .,")
            if name and (len(name.split()) == 1 or is_org_name(name) or _payer_like(name)):
                yield name


def _display(name: str, text: str) -> str:
    name = " ".join(_MARKS.sub(" ", name).split())
    shown = display_name(name, _MARKS.sub("", text))  # the document's own mixed case
    return shown.title() if shown.isupper() and len(shown) > 5 else shown
