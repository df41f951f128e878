"""A criterion that lists conservative measures ("This treatment should include medicines that
reduce pain and swelling, eating soft foods, and using a mouth guard"): one requirement per
measure, each judged as its own course (a drug or drug class as a drug trial, anything else as
a therapy kept up), joined as the list's wording says: "include A, B and C" asks for each;
"one or more of", "such as" or "A, B or C" for any; "at least two of" for two.

A list is read here only when it names a drug and a measure of another kind: a list of drugs
alone is one drug trial, and a list without drugs is a therapy of any of its kinds. The measures
are the shared vocabulary's: drugs and drug classes, and the therapies of a family that lets a
drug count for it (data/synonyms.yaml `families`), nothing of a payer or a policy.
"""

from __future__ import annotations

import re
from functools import cache

from service.evidence import phrasing
from service.evidence.leaves import read_measure
from service.evidence.vocabulary import category, class_names, clinical, drug_names, load
from service.models import Requirement, RequirementKind

K = RequirementKind
# Where a list of measures begins: "should include", "including", "consisting of", "such as",
# "one or more of:", "the following:" ("even with conservative care (rest, medication ...)" names
# examples of what the pain persisted through, not measures asked for)
_CUE = re.compile(
    r"\b(?:includ(?:e|es|ed|ing)|consist(?:s|ing)? of|such as|for example|e\.g\."
    r"|(?:one or more|any|all|each|both|either|at least \w+) of(?: the following)?)\b:?"
    r"|\bthe following\s*:|:",
    re.I,
)
_ANY = re.compile(
    r"\b(?:one or more|any|either|at least one) of\b|\bsuch as\b|\bfor example\b|\be\.g\.",
    re.I,
)
_AT_LEAST = re.compile(r"\bat least (\w+) of\b", re.I)
_MEDICINE = re.compile(r"\b(?:medicines?|medications?|drugs?|pain relievers?)\b", re.I)
_JOINER = re.compile(r"^\s*(?:and/or|and|or)\s+", re.I)
# What follows the last measure and is about all of them ("... has failed", "... for 6 weeks")
_TAIL = re.compile(
    r"\s+(?:for (?:at least |a minimum of )?\w+ (?:days?|weeks?|months?)|(?:has|have|had|was"
    r"|were) (?:not|failed|been)|that (?:did|do|does|has|have) not|without|despite)\b.*$",
    re.I | re.S,
)


@cache
def _conservative() -> frozenset[str]:
    """Therapies of a family that a drug also answers ("conservative care")."""
    rows = load("synonyms").get("families") or {}
    return frozenset(m for row in rows.values() if row.get("drugs") for m in row["members"])


def _kind(item: str) -> str | None:
    """'drug', 'therapy' or None for one listed item."""
    if class_names().concepts_in(item) or drug_names().concepts_in(item) or _MEDICINE.search(item):
        return "drug"
    named = [c for c in clinical().concepts_in(item) if category(c) == "therapies"]
    return "therapy" if set(named) & _conservative() else None


def _items(region: str) -> tuple[list[str], str]:
    """The listed items of a region and the conjunction before the last ("and" or "or")."""
    pieces = [p.strip() for p in re.split(r"\s*[;,]\s*", region) if p.strip()]
    joiner = ""
    if pieces:
        first = _JOINER.match(pieces[-1])
        if first and len(pieces) > 1:
            joiner, pieces[-1] = first.group(0).strip().lower(), pieces[-1][first.end() :]
        else:
            # "NSAIDs, physical therapy and a home exercise program": the list's last
            # conjunction, when both its sides name a measure
            for m in re.finditer(r"\s+(and/or|and|or)\s+", pieces[-1]):
                head, tail = pieces[-1][: m.start()], pieces[-1][m.end() :]
                if _kind(head) and _kind(tail):
                    joiner, pieces[-1:] = m.group(1).lower(), [head, tail]
                    break
    return [_TAIL.sub("", p).strip(" .") for p in pieces], joiner


def _logic(lead: str, joiner: str) -> tuple[RequirementKind, int | None]:
    m = _AT_LEAST.search(lead)
    n = phrasing.number(m.group(1)) if m else None
    if n and n > 1:
        return K.AT_LEAST_N, n
    if _ANY.search(lead) or joiner.endswith("or"):
        return K.ANY_OF, None
    return K.ALL_OF, None


def read_measures(rid: str, text: str) -> Requirement | None:
    """The criterion as one requirement per listed measure, or None when it lists none."""
    for sentence in re.finditer(r"[^.]+(?:\.(?!\s)[^.]*)*", text):
        body = sentence.group(0)
        hits = list(_CUE.finditer(body))
        for cue in reversed(hits):
            items, joiner = _items(body[cue.end() :])
            kinds = [_kind(i) for i in items]
            if len(items) < 2 or "drug" not in kinds or "therapy" not in kinds:
                continue
            kind, n = _logic(body[: cue.end()], joiner)
            parts = [
                read_measure(f"{rid}.{i + 1}", item, text, drug=k == "drug")
                for i, (item, k) in enumerate(zip(items, kinds, strict=True))
            ]
            subject = body[: cue.start()].strip()
            return Requirement(id=rid, kind=kind, text=text, subject=subject, count=n, items=parts)
    return None
