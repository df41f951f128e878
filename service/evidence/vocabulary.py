"""The general clinical vocabulary as data: synonyms, drug classes, specialties, places of
service, result words. Loaded once, on first use; matched as whole phrases over word edges.

A phrase may belong to several concepts. Where phrases of different concepts overlap in a text
the longer one wins, so "near-syncope" never reads as "syncope".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"
_EDGE = r"[A-Za-z0-9]"


@dataclass(frozen=True)
class Hit:
    """A vocabulary phrase found in a text: the concept(s) it names and where."""

    concepts: frozenset[str]
    start: int
    end: int
    phrase: str


@cache
def load(name: str) -> Any:
    """A data file of evidence/data, parsed once."""
    return yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))


class Lexicon:
    """Phrases of many concepts, found in a text with the longest match winning."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.phrases: dict[str, set[str]] = {}
        self.by_concept: dict[str, list[str]] = {}
        for concept, phrases in table.items():
            self.by_concept[concept] = [str(p) for p in phrases]
            for p in phrases:
                self.phrases.setdefault(_key(str(p)), set()).add(concept)
        written = {p for ps in table.values() for p in map(str, ps)}
        exact = sorted((p for p in written if p != p.lower()), key=len, reverse=True)
        folded = sorted((p for p in written if p == p.lower()), key=len, reverse=True)
        self._exact = _pattern(exact, 0) if exact else None
        self._folded = _pattern(folded, re.IGNORECASE) if folded else None

    def find(self, text: str) -> list[Hit]:
        """Every phrase in the text; of overlapping ones, the longest."""
        found: list[Hit] = []
        for pattern, fold in ((self._exact, False), (self._folded, True)):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                phrase = _key(m.group(1).lower() if fold else m.group(1))
                # the phrase as listed, else its singular
                phrase = next(
                    (k for k in (phrase, phrase[:-1], phrase[:-2]) if k in self.phrases), phrase
                )
                if phrase in self.phrases:
                    found.append(Hit(frozenset(self.phrases[phrase]), m.start(1), m.end(1), phrase))
        found.sort(key=lambda h: (-(h.end - h.start), h.start))
        kept: list[Hit] = []
        for hit in found:
            if all(hit.end <= k.start or hit.start >= k.end for k in kept):
                kept.append(hit)
        return sorted(kept, key=lambda h: h.start)

    def concepts_in(self, text: str) -> list[str]:
        """The concepts a text names, in order of first mention."""
        out: list[str] = []
        for hit in self.find(text):
            out.extend(c for c in sorted(hit.concepts) if c not in out)
        return out


def _key(phrase: str) -> str:
    """One spelling for "near-syncope", "near syncope" and a line-wrapped "near\nsyncope"."""
    return re.sub(r"[\s-]+", " ", phrase).strip()


def _pattern(phrases: list[str], flags: int) -> re.Pattern[str]:
    # a word of four letters or more may be written in the plural ("asthma attacks"); shorter
    # ones may not ("pts" is patients, not physical therapy)
    body = "|".join(
        re.escape(p).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]+")
        + ("(?:e?s)?" if len(p) >= 4 and p[-1].isalpha() and p[-1] != "s" else "")
        for p in phrases
    )
    return re.compile(rf"(?<!{_EDGE})({body})(?!{_EDGE})", flags)


@cache
def clinical() -> Lexicon:
    """Tests, measures, conditions, symptoms and therapies (data/synonyms.yaml)."""
    table: dict[str, list[str]] = {}
    for name, group in load("synonyms").items():
        if name == "families":
            continue
        for concept, phrases in group.items():
            table.setdefault(concept, []).extend(phrases)
    return Lexicon(table)


def family(concepts: set[str]) -> tuple[set[str], bool]:
    """The concepts with every member of the families among them, and whether a family lets
    any drug count ("conservative care" is answered by a drug tried as much as by therapy)."""
    rows = load("synonyms").get("families") or {}
    out, drugs = set(concepts), False
    for name in concepts & set(rows):
        out.update(rows[name]["members"])
        drugs = drugs or bool(rows[name].get("drugs"))
    return out, drugs


def narrower(concepts: set[str]) -> set[str]:
    """The concepts with every concept named as a kind of one of them: a name that ends in
    the other's whole name ('type 2 diabetes' is a kind of 'diabetes', 'chronic migraine' of
    'migraine'), within the same category."""
    out = set(concepts)
    for concept in concepts:
        cat = category(concept)
        group = load("synonyms").get(cat) or {}
        out.update(c for c in group if c != concept and c.endswith(" " + concept))
    return out


@cache
def category(concept: str) -> str:
    """'tests', 'measures', 'conditions', 'symptoms' or 'therapies' for a clinical concept."""
    return next(
        (cat for cat, group in load("synonyms").items() if cat != "families" and concept in group),
        "",
    )


@cache
def drugs() -> Lexicon:
    """Drug classes: each class named by its own names and its members' names."""
    table = {cls: [*row.get("names", []), *row["members"]] for cls, row in load("drugs").items()}
    return Lexicon(table)


@cache
def drug_names() -> Lexicon:
    """Each drug by itself (a member's names), so two drugs of one class stay two trials."""
    table: dict[str, list[str]] = {}
    for row in load("drugs").values():
        for member in row["members"]:
            table.setdefault(member, [member])
    return Lexicon(table)


@cache
def class_names() -> Lexicon:
    """The names of the classes alone ("statin", "TNF blocker")."""
    return Lexicon({cls: row.get("names", []) for cls, row in load("drugs").items()})


def classes_of(drug: str) -> set[str]:
    """The classes a drug name belongs to."""
    rows = load("drugs")
    return {cls for cls, row in rows.items() if drug in row["members"] and not row.get("umbrella")}


@cache
def specialties() -> Lexicon:
    return Lexicon({k: v["names"] for k, v in load("specialties").items()})


@cache
def places() -> Lexicon:
    return Lexicon({k: v["names"] for k, v in load("places").items()})


def broader(table: str, concept: str) -> set[str]:
    """The concept and every broader one it belongs to (specialties, places)."""
    rows = load(table)
    out, current = {concept}, concept
    while rows.get(current, {}).get("within"):
        current = rows[current]["within"]
        out.add(current)
    return out


@cache
def results() -> Lexicon:
    data = load("results")
    return Lexicon({k: v for k, v in data.items() if k != "accepts"})


def accepted_results(wanted: str) -> set[str]:
    """The chart results that satisfy a requested result class."""
    return set(load("results")["accepts"].get(wanted, [wanted]))
