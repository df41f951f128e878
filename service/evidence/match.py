"""Evidence map: every stated denial criterion and policy criterion ↔ the chart facts that meet it.

Matching is deterministic. A criterion asks for clinical concepts (evidence/data/concepts.yaml);
it is met only when every concept it asks for is documented by a dated, non-negated chart fact.
A criterion that asks for no known concept falls back to word overlap (or an embedding similarity
when one is supplied). Partial documentation is a gap: the letter never claims what the chart lacks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from service.evidence.applicability import evidence_rule, sharpen
from service.evidence.concepts import asked_concepts, concept, documents, is_negated
from service.evidence.thresholds import apply_thresholds
from service.models import (
    Chart,
    ChartFact,
    Criterion,
    CriterionSource,
    Denial,
    EvidenceLink,
    EvidenceMap,
    EvidenceStatus,
    PolicyPassage,
)
from service.policies.criteria import alternative_groups, criterion_text, is_criterion_passage

Similarity = Callable[[str, Sequence[str]], list[float]]

_ANY_OF = re.compile(
    r"\b(one of the following|any of the following|one of these|at least one of|either)\b", re.I
)
_SUB_ITEM = re.compile(r"^\s*[a-z]\.\s+", re.M)
_WORD = re.compile(r"[a-z][a-z0-9'-]+")
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "for",
        "with",
        "on",
        "at",
        "by",
        "is",
        "are",
        "be",
        "been",
        "was",
        "were",
        "this",
        "that",
        "your",
        "you",
        "should",
        "must",
        "have",
        "has",
        "had",
        "not",
        "no",
        "do",
        "does",
        "did",
        "it",
        "its",
        "as",
        "from",
        "we",
        "our",
        "us",
        "if",
        "than",
        "then",
    ]
)
FALLBACK_OVERLAP = 0.34
FALLBACK_SIMILARITY = 0.55
WORDS_BACKING = 0.34  # share of a stated criterion's words a policy item must use to back it


def _facts_for(concept_id: str, facts: Sequence[ChartFact]) -> list[ChartFact]:
    c = concept(concept_id)
    return [f for f in facts if documents(f, c)]


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def _fallback_facts(
    text: str, facts: Sequence[ChartFact], similarity: Similarity | None
) -> list[ChartFact]:
    usable = [f for f in facts if not is_negated(f)]
    if not usable:
        return []
    if similarity is not None:
        scores = similarity(text, [f.text for f in usable])
        ranked = sorted(zip(scores, usable, strict=True), key=lambda p: -p[0])
        return [f for s, f in ranked[:3] if s >= FALLBACK_SIMILARITY]
    want = _content_words(text)
    if not want:
        return []
    scored = [(len(want & _content_words(f.text)) / len(want), f) for f in usable]
    scored.sort(key=lambda p: -p[0])
    return [f for s, f in scored[:3] if s >= FALLBACK_OVERLAP]


def _sub_items(text: str) -> list[str]:
    parts = _SUB_ITEM.split(text)
    return [p.strip() for p in parts[1:] if p.strip()] if len(parts) > 1 else []


def _match(
    criterion: Criterion, facts: Sequence[ChartFact], similarity: Similarity | None
) -> EvidenceLink:
    text = criterion.text
    counted = _match_count(criterion, facts, similarity)
    if counted is not None:
        return counted
    subs = _sub_items(text)
    if subs and _ANY_OF.search(text.split("\n", 1)[0]):
        # "any of the following": the first fully documented alternative meets the criterion.
        for sub in subs:
            link = _match_all(criterion, asked_concepts(sub), sub, facts, similarity)
            if link.status is EvidenceStatus.MET:
                return link
        return _match_all(criterion, asked_concepts(text), text, facts, similarity)
    head, sep, rest = text.partition(" such as ")
    # The examples run to the end of their sentence; what follows is required as usual.
    examples, _, after = ([*re.split(r"([.;\n])", rest, maxsplit=1), "", ""])[:3]
    head = f"{head} {after}"
    if sep and asked_concepts(examples):
        # "conservative care such as a night guard, NSAIDs and a soft diet": the listed items are
        # examples, so one documented example meets them; the rest of the criterion still counts.
        for option in asked_concepts(examples):
            wanted = list(dict.fromkeys([*asked_concepts(head), option]))
            link = _match_all(criterion, wanted, text, facts, similarity)
            if link.status is EvidenceStatus.MET:
                return link
    return _match_all(criterion, asked_concepts(text), text, facts, similarity)


# "at least two of", "two or more", "BOTH": that many distinct listed items must be documented.
# A number followed by a unit ("at least 3 months") is a duration, not a count of items.
_COUNT = re.compile(
    r"\b(?:at least (two|three|four)|(two|three|four) or more|(both))\b"
    r"(?! (?:months?|weeks?|days?|years?|hours?|points?|percent|times|visits|treatment cycles))",
    re.I,
)
_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "both": 2}
_LIST_SPLIT = re.compile(r",\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+")
# Concepts too broad to tell one listed item from another ("weeks", "failed", "dose").
_GENERIC = frozenset(
    [
        "symptom_duration",
        "failed_treatment",
        "diagnosis_support",
        "clinical_rationale",
        "dosage",
        "evidence_support",
    ]
)


def required_count(text: str) -> tuple[int, list[str]] | None:
    """(how many, the listed items) when a criterion asks for a number of distinct items."""
    head = text.split("\n", 1)[0]
    m = _COUNT.search(head)
    if not m:
        return None
    n = _COUNT_WORDS[next(g for g in m.groups() if g).lower()]
    items = _sub_items(text)
    if not items:
        listed = re.match(r"[^(]{0,60}\(([^()]+)\)", head[m.end() :])
        items = [i for i in _LIST_SPLIT.split(listed.group(1)) if i.strip()] if listed else []
    return (n, items) if len(items) >= n else None


def _names(text: str, name: str) -> bool:
    words = _content_words(name)
    first = next((w for w in _WORD.findall(name.lower()) if w in words), None)
    return bool(first and re.search(rf"(?<![a-z0-9]){re.escape(first)}(?![a-z0-9])", text.lower()))


def _item_facts(item: str, facts: Sequence[ChartFact]) -> list[ChartFact]:
    """Facts documenting one listed item: a named example ("Beta-blockers: propranolol ...") or,
    for an item that names none, a specific concept it asks for ("a custom occlusal splint")."""
    usable = [f for f in facts if not is_negated(f)]
    label, colon, listed = item.partition(":")
    if colon and listed.strip():
        names = [n for n in _LIST_SPLIT.split(listed.strip().rstrip(".")) if n.strip()]
        return [f for f in usable if any(_names(f.text, n) for n in names)]
    wanted = [c for c in asked_concepts(item) if c not in _GENERIC]
    if wanted:
        return [f for f in usable if any(documents(f, concept(c)) for c in wanted)]
    short = len(_content_words(item)) <= 3  # a bare name from a parenthetical list
    return [f for f in usable if _names(f.text, item)] if short else []


def _match_count(
    criterion: Criterion, facts: Sequence[ChartFact], similarity: Similarity | None
) -> EvidenceLink | None:
    """A counted criterion: the lead sentence as usual, and N distinct listed items documented."""
    counted = required_count(criterion.text)
    if counted is None:
        return None
    n, items = counted
    head = re.split(r"\(|\n", criterion.text, maxsplit=1)[0]
    base = _match_all(criterion, asked_concepts(head), head, facts, similarity)
    if not asked_concepts(head):
        base = base.model_copy(update={"status": EvidenceStatus.MET, "fact_ids": [], "need": None})
    per_item = [_item_facts(i, facts) for i in items]
    documented = sum(1 for hits in per_item if hits)
    ids = list(dict.fromkeys([f.id for hits in per_item for f in hits] + base.fact_ids))
    if documented >= n and base.status is EvidenceStatus.MET:
        return base.model_copy(update={"fact_ids": ids})
    needs = [base.need] if base.need else []
    if documented < n:
        needs.append(
            f"a dated record of at least {n} of the {len(items)} items the policy lists "
            f"(the chart documents {documented})"
        )
    return base.model_copy(
        update={"status": EvidenceStatus.GAP, "fact_ids": ids, "need": "; ".join(needs)}
    )


def _match_all(
    criterion: Criterion,
    wanted: list[str],
    text: str,
    facts: Sequence[ChartFact],
    similarity: Similarity | None,
) -> EvidenceLink:
    if not wanted:
        found = _fallback_facts(text, facts, similarity)
        status = EvidenceStatus.MET if found else EvidenceStatus.GAP
        need = (
            None if found else "a dated note that documents this criterion as the payer states it"
        )
        return EvidenceLink(
            criterion=criterion, status=status, fact_ids=[f.id for f in found], need=need
        )
    found_ids: list[str] = []
    missing: list[str] = []
    for cid in wanted:
        hits = _facts_for(cid, facts)
        if not hits:
            missing.append(cid)
        found_ids.extend(f.id for f in hits if f.id not in found_ids)
    order = {f.id: (f.date is None, f.date, i) for i, f in enumerate(facts)}
    found_ids.sort(key=lambda fid: order[fid])
    need = "; ".join(concept(c).need for c in missing) or None
    return EvidenceLink(
        criterion=criterion,
        status=EvidenceStatus.GAP if missing else EvidenceStatus.MET,
        fact_ids=found_ids,
        need=need,
        concepts=wanted,
        missing=missing,
    )


def denial_criteria(denial: Denial) -> list[Criterion]:
    """The payer's stated criteria; the denial reason itself when the letter states none."""
    if denial.stated_criteria:
        return [
            Criterion(id=sc.id, text=sc.text, source=CriterionSource.DENIAL)
            for sc in denial.stated_criteria
        ]
    if denial.denial_reason:
        return [Criterion(id="R1", text=denial.denial_reason, source=CriterionSource.DENIAL)]
    return []


def _overlap(a: list[str], b: list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def drop_met_alternatives(
    links: list[EvidenceLink], groups: list[set[str]], met_ids: set[str]
) -> list[EvidenceLink]:
    """Within each group of alternatives one of which is met, the others are not required."""
    met = met_ids | {link.criterion.id for link in links if link.status is EvidenceStatus.MET}
    settled = set().union(*(g for g in groups if g & met)) if groups else set()
    return [
        link
        for link in links
        if link.status is EvidenceStatus.MET or link.criterion.id not in settled
    ]


_SIDE = {"right": re.compile(r"\bright\b", re.I), "left": re.compile(r"\bleft\b", re.I)}


def requested_side(denial: Denial) -> str | None:
    """'right' or 'left' when the service or diagnosis names exactly one side, else None."""
    text = " ".join(
        [line.description for line in denial.service_lines]
        + [d.description for d in denial.diagnosis_codes]
    )
    sides = [side for side, pattern in _SIDE.items() if pattern.search(text)]
    return sides[0] if len(sides) == 1 else None


def _same_side(facts: Sequence[ChartFact], side: str | None) -> list[ChartFact]:
    """Drop facts about the other side only: a left-knee finding cannot support a right-knee MRI."""
    if side is None:
        return list(facts)
    other = _SIDE["left" if side == "right" else "right"]
    return [f for f in facts if not (other.search(f.text) and not _SIDE[side].search(f.text))]


_SERVICE_CODE = re.compile(r"(?<![\w.])(?:\d{5}|[A-V]\d{4})(?![\w.])")


def _for_this_service(text: str, service_codes: set[str]) -> bool:
    """A criterion that names codes applies only when one of them is the service denied."""
    named = set(_SERVICE_CODE.findall(text))
    return not named or not service_codes or bool(named & service_codes)


def _best_backing(crit: Criterion, concepts_: list[str], policy: list[Criterion]) -> list[str]:
    """The single policy criterion closest to a stated one: shared words, then shared concepts."""
    scored = []
    for pc in policy:
        concept_share = _overlap(concepts_, asked_concepts(pc.text))
        word_share = _containment(crit.text, pc.text)
        if concept_share >= 0.5 or word_share >= WORDS_BACKING:
            scored.append((word_share + 0.15 * concept_share, pc.id))
    return [max(scored)[1]] if scored else []


# Words every denial sentence uses; they say nothing about which criterion is meant.
_BOILERPLATE = frozenset(
    [
        "notes",
        "records",
        "record",
        "show",
        "shows",
        "document",
        "documented",
        "letter",
        "patient",
        "member",
        "beneficiary",
        "enrollee",
        "doctor",
        "provider",
    ]
)


def _containment(stated: str, policy_text: str) -> float:
    """Share of the stated criterion's content words that the policy item also uses."""
    want = _content_words(stated) - _BOILERPLATE
    return len(want & _content_words(policy_text)) / len(want) if want else 0.0


def build_evidence_map(
    denial: Denial,
    chart: Chart,
    passages: Sequence[PolicyPassage],
    similarity: Similarity | None = None,
) -> EvidenceMap:
    """Link each denial and policy criterion to chart facts, or mark it a gap."""
    facts = _same_side(chart.facts, requested_side(denial))
    service_codes = set(denial.service_codes)
    policy = [
        Criterion(id=p.id, text=criterion_text(p), source=CriterionSource.POLICY, passage_id=p.id)
        for p in passages
        if is_criterion_passage(p) and _for_this_service(criterion_text(p), service_codes)
    ]
    links: list[EvidenceLink] = []
    merged: set[str] = set()
    for crit in denial_criteria(denial):
        link = _match(crit, facts, similarity)
        # The policy criterion that asks for the most of the same things backs the stated one.
        backing = _best_backing(crit, link.concepts, policy)
        merged.update(backing)
        links.append(link.model_copy(update={"citations": backing}))
    policy_links = [
        _match(pc, facts, similarity).model_copy(update={"citations": [pc.id]})
        for pc in policy
        if pc.id not in merged
    ]
    # One alternative is met (or backs a stated criterion): the others in its group are not
    # required. Criteria outside every group (a prerequisite, "together with criterion 4") stay.
    policy_links = drop_met_alternatives(policy_links, alternative_groups(passages), merged)
    evidence = apply_thresholds(EvidenceMap(links=[*links, *policy_links]), facts)
    # The same sharper rules bind an appeal and a letter of medical necessity alike.
    requires = {p.id: rule for p in passages if (rule := evidence_rule(p))}
    return sharpen(evidence, requires, facts) if requires else evidence
