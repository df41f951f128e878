"""A criterion's text as a small tree of typed requirements: enumerated parts ("1) ... 2)",
"(a) ...; or (b)"), their logic from the lead-in (all of / any of / at least N), alternatives
joined by "OR", and one requirement per test or value when a sentence names several.

`parse_criterion(id, text)` is the entry; each leaf is typed by evidence/leaves.py.
"""

from __future__ import annotations

import re

from service.evidence import phrasing
from service.evidence.leaves import read_leaf
from service.evidence.measures import read_measures
from service.evidence.vocabulary import category, clinical, specialties
from service.models import Op, Requirement, RequirementKind
from service.models.requirements import COMPOSITE

K = RequirementKind
# Enumeration markers, most specific first; a list needs its first two in sequence.
_MARKERS = [
    (r"\((\d{1,2})\)\s*", "num"),
    (r"(?:(?<=\s)|^)(\d{1,2})\)\s+", "num"),
    (r"(?:(?<=\s)|^)(\d{1,2})\.\s+(?=[A-Za-z(])", "num"),
    (r"\(([a-h])\)\s*", "alpha"),
    (r"(?:(?<=\s)|^)([a-h])[.)]\s+(?=[A-Za-z(])", "alpha"),
    (r"\(((?:i|ii|iii|iv|v|vi))\)\s*", "roman"),
    (r"(?:^|\n)\s*[-•*]\s+", "bullet"),
]
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi"]
_PLAN_RULE = re.compile(
    r"\b(?:are|is) covered\b|\blimit is\b|\bdo(?:es)? not count\b|\bno prior authorization\b",
    re.I,
)
_ALL = re.compile(
    r"\b(?:all|each|every|both)\b(?: (?:of )?the following| of these| criteria)?", re.I
)
_ANY = re.compile(r"\b(?:one of|any of|either)\b", re.I)
_AT_LEAST = re.compile(r"\bat least (\w+) of\b", re.I)
# "X; or Y", "X OR Y", "X, or has a documented Y": alternatives, each a requirement.
_ALTERNATIVE = re.compile(
    r";\s*(?:or|OR)\s+|\bOR\b|,\s+or\s+(?=(?:has|have|had|a documented|documented|at least)\b)"
)


def _sequence(kind: str, token: str) -> int:
    if kind == "num":
        return int(token)
    if kind == "alpha":
        return ord(token) - ord("a") + 1
    return _ROMAN.index(token) + 1 if token in _ROMAN else 0


def _split(text: str) -> tuple[str, list[str]] | None:
    """(lead-in, items) when the text enumerates at least two parts in order."""
    for pattern, kind in _MARKERS:
        marks = list(re.finditer(pattern, text))
        if kind == "bullet":
            if len(marks) < 2:
                continue
            bounds = [*(m.start() for m in marks[1:]), len(text)]
            items = [text[m.end() : b].strip() for m, b in zip(marks, bounds, strict=True)]
            return text[: marks[0].start()], items
        kept: list[re.Match[str]] = []
        for m in marks:
            if _sequence(kind, m.group(1)) == len(kept) + 1:
                kept.append(m)
        if len(kept) >= 2:
            bounds = [*(m.start() for m in kept[1:]), len(text)]
            items = [text[m.end() : b].strip() for m, b in zip(kept, bounds, strict=True)]
            return text[: kept[0].start()], items
        # "... under 12 years old; 2) ... 3) ...": a list whose first marker was lost on the
        # way in; the text before "2)" is its first item (never alternatives to split on "or")
        later = [m for m in marks if _sequence(kind, m.group(1)) >= 2]
        run = [m for i, m in enumerate(later) if _sequence(kind, m.group(1)) == i + 2]
        if len(run) >= 2 and text[: run[0].start()].strip():
            bounds = [*(m.start() for m in run[1:]), len(text)]
            items = [text[m.end() : b].strip() for m, b in zip(run, bounds, strict=True)]
            return "", [text[: run[0].start()].strip(), *items]
    return None


def _logic(lead: str, items: list[str]) -> tuple[RequirementKind, int | None]:
    m = _AT_LEAST.search(lead)
    if m and phrasing.number(m.group(1)):
        return K.AT_LEAST_N, phrasing.number(m.group(1))
    if _ANY.search(lead):
        return K.ANY_OF, None
    if _ALL.search(lead):
        return K.ALL_OF, None
    joined = any(re.search(r"(?:;|,)?\s*\bor\s*$", i, re.I) for i in items[:-1])
    return (K.ANY_OF, None) if joined else (K.ALL_OF, None)


def _clean(item: str) -> str:
    return re.sub(r"(?:[;,]?\s*\b(?:and|or)\b\s*)$|[;,]\s*$", "", item.strip(), flags=re.I).strip()


# How a denial frames what it did not find: "The notes do not show X", "your records need to
# show that X". The requirement is X; the framing's "not" must not negate it.
_FRAMING = re.compile(
    r"^\s*(?:(?:the|your|our)\s+)?(?:notes?|records?|information|documentation|chart|file)"
    r"(?:\s+[\w-]+){0,4}?\s+(?:do|does|did)\s+not\s+(?:show|document|include|indicate|contain"
    r"|support|describe)(?:\s+that)?\s+"
    r"|^\s*(?:(?:the|your)\s+)?(?:notes?|records?)\s+(?:need|needs|must)\s+(?:to\s+)?show"
    r"(?:\s+that)?\s+"
    r"|^\s*(?:your\s+)?(?:doctor|provider|physician|prescriber)s?\s+did\s+not\s+(?:tell\s+us"
    r"|explain|show|say|send\s+us)\s+",
    re.I,
)


# How a policy frames a criterion as the condition of coverage: "A lightweight chair is approved
# only when the enrollee self-propels ...". The requirement is the condition.
_COVERED_WHEN = re.compile(
    r"^[^.;:]{3,160}?\b(?:is|are)\s+(?:only\s+)?(?:approved|covered|allowed|authori[sz]ed"
    r"|considered medically necessary|medically necessary)\s+(?:only\s+)?(?:when|if)\s+",
    re.I,
)


def parse_criterion(rid: str, text: str) -> Requirement:
    """The requirement tree of one criterion, in the payer's words."""
    text = re.sub(r"^\s*(?:\(?[ivx]+\)|\d+[.)])\s+", "", text.strip())
    text = _FRAMING.sub("", text, count=1)
    if not _split(text):
        text = _COVERED_WHEN.sub("", text, count=1)
    node = _parse(rid, text, "")
    window = phrasing.window(text)
    return _inherit(node, window) if window else node


def _parse(rid: str, text: str, context: str) -> Requirement:
    listed = _split(text)
    if listed:
        lead, items = listed
        if lead.strip() and read_leaf(rid, lead, context).kind is K.DRUG_TRIAL:
            # "tried at least two preventive medications from two classes: a. Anticonvulsants:
            # topiramate ... b. Beta-blockers: ...": one trial, the list names what counts
            return read_leaf(rid, text, context)
        kind, n = _logic(lead, items)
        # "The first 8 visits are covered", "the plan-year limit is 30": the plan's own rules,
        # nothing a chart documents. They stay in the criterion's text, not among its parts.
        asked = [i for i in items if not _PLAN_RULE.search(i)] or items
        parts = [
            _parse(f"{rid}.{i + 1}", _clean(item), lead or context) for i, item in enumerate(asked)
        ]
        return Requirement(id=rid, kind=kind, text=text, subject=lead.strip(), count=n, items=parts)
    alternatives = [p for p in _ALTERNATIVE.split(text) if p.strip()]
    if len(alternatives) > 1:
        parts = [
            _parse(f"{rid}.{i + 1}", p.strip(" ;,"), context or text)
            for i, p in enumerate(alternatives)
        ]
        return Requirement(id=rid, kind=K.ANY_OF, text=text, items=parts)
    return read_measures(rid, text) or _several(rid, text, context) or read_leaf(rid, text, context)


def _several(rid: str, text: str, context: str) -> Requirement | None:
    """A sentence naming two tests, or two values, each required (or either, with "or")."""
    either = re.search(r"\beither\b(.+?),?\s+\bor\b\s+(.+)$", text, re.I)
    if either and phrasing.comparison(either.group(1)) and phrasing.comparison(either.group(2)):
        head = text[: either.start()]
        parts = [
            read_leaf(f"{rid}.{i + 1}", f"{head}{p}".strip(), context)
            for i, p in enumerate(either.groups())
        ]
        return Requirement(id=rid, kind=K.ANY_OF, text=text, items=parts)
    leaf = read_leaf(rid, text, context)
    both = _conjoined(rid, text, context, leaf)
    if both is not None:
        return both
    joined = re.search(
        r"^(.*?\d.*?)\s+(?:together with|along with|plus|in addition to)\s+(.+)$", text, re.I
    )
    if leaf.kind is K.MEASUREMENT and joined and _conditions(joined.group(2)):
        parts = [
            read_leaf(f"{rid}.1", joined.group(1), context),
            read_leaf(f"{rid}.2", joined.group(2), context),
        ]
        if parts[1].kind is not K.DIAGNOSIS:
            parts[1] = parts[1].model_copy(
                update={"kind": K.DIAGNOSIS, "terms": _conditions(joined.group(2))}
            )
        return Requirement(id=rid, kind=K.ALL_OF, text=text, items=parts)
    if leaf.kind is K.TEST_RESULT and len(leaf.terms) > 1 and _tests_joined_by_and(text):
        parts = [
            leaf.model_copy(update={"id": f"{rid}.{i + 1}", "terms": [t], "subject": t})
            for i, t in enumerate(leaf.terms)
        ]
        return Requirement(id=rid, kind=K.ALL_OF, text=text, items=parts)
    if leaf.kind is K.MEASUREMENT:
        pieces = re.split(
            r",?\s+\b(and|or)\b\s+(?:an?\s+|the\s+)?(?=[A-Za-z0-9/() -]{0,40}?\b(?:below|above"
            r"|under|over|less|more|at least|of)\b)",
            text,
        )
        measured = [p for p in pieces[::2] if phrasing.comparison(p) and _measure(p)]
        if len(measured) > 1:
            logic = K.ANY_OF if "or" in pieces[1::2] else K.ALL_OF
            parts = [read_leaf(f"{rid}.{i + 1}", p, context) for i, p in enumerate(measured)]
            return Requirement(id=rid, kind=logic, text=text, items=parts)
    return None


_CONTINUES = re.compile(
    r"(?:it|its|they|he|she|this|that|these|those|which|was|were|is|are|did|does|has|have|had"
    r"|not|no|then|so|the results?)\b",
    re.I,
)


def _conjoined(rid: str, text: str, context: str, leaf: Requirement) -> Requirement | None:
    """ "six weeks of physical therapy and anti-inflammatory medicines that failed": two
    requirements of different kinds joined by "and", each required."""
    if leaf.kind in (K.AGE, K.TEXT):
        return None
    for m in re.finditer(r"\s+and\s+", text):
        head, tail = text[: m.start()], text[m.end() :]
        if _CONTINUES.match(tail):
            continue  # "... and it did not work": one requirement going on, not a second
        first, second = read_leaf(f"{rid}.1", head, context), read_leaf(f"{rid}.2", tail, context)
        typed = K.TEXT not in (first.kind, second.kind)
        if typed and first.kind is not second.kind and _names(first) and _names(second):
            return Requirement(id=rid, kind=K.ALL_OF, text=text, items=[first, second])
        if _role_then_more(leaf, first, tail):
            # "ordered by the treating physician and performed in a certified laboratory": who
            # orders is one requirement, what the rest of the sentence asks is another
            return Requirement(id=rid, kind=K.ALL_OF, text=text, items=[first, second])
    return None


def _role_then_more(leaf: Requirement, first: Requirement, tail: str) -> bool:
    """A prescriber or setting named before "and" a clause of its own (not another name)."""
    roles = (K.PRESCRIBER, K.PLACE_OF_SERVICE)
    clause = len(tail.split()) >= 3 and not specialties().concepts_in(tail.split(",")[0])
    return leaf.kind in roles and first.kind is leaf.kind and clause


def _names(r: Requirement) -> bool:
    """The requirement names what it asks for: a concept, a specialty or a place."""
    return bool(r.terms or r.specialties or r.places)


def _conditions(text: str) -> list[str]:
    return [c for c in clinical().concepts_in(text) if category(c) == "conditions"]


def _tests_joined_by_and(text: str) -> bool:
    hits = [h for h in clinical().find(text) if any(category(c) == "tests" for c in h.concepts)]
    gaps = [text[a.end : b.start] for a, b in zip(hits, hits[1:], strict=False)]
    return any(re.search(r"\band\b", g) for g in gaps) and not any(
        re.search(r"\bor\b", g) for g in gaps
    )


def _measure(text: str) -> bool:
    return any(category(c) == "measures" for c in clinical().concepts_in(text))


def _inherit(node: Requirement, window: object) -> Requirement:
    """A window the criterion states once binds each of its parts that states none."""
    if node.kind in COMPOSITE:
        return node.model_copy(update={"items": [_inherit(i, window) for i in node.items]})
    if node.window is None and node.kind in (K.MEASUREMENT, K.TEST_RESULT, K.EVENT_COUNT, K.TEXT):
        return node.model_copy(update={"window": window})
    return node


def leaves(node: Requirement) -> list[Requirement]:
    """Every leaf of a requirement tree, in order."""
    if node.kind not in COMPOSITE:
        return [node]
    return [leaf for item in node.items for leaf in leaves(item)]


__all__ = ["Op", "leaves", "parse_criterion"]
