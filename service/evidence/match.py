"""Evidence map: every stated denial criterion and policy criterion, judged on the chart.

Each criterion is read into typed requirements and evaluated (evidence/evaluate.py): MET,
NOT_MET or NOT_DOCUMENTED with the decisive facts and the comparison. The link keeps the
evaluation; its status is MET exactly when the evaluation is, GAP otherwise, with `need`
taken from the evaluation. Appeals, readiness and letters of medical necessity all build their
map here, so the same criterion on the same chart always gets the same answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from service.evidence.concepts import concept_for
from service.evidence.evaluate import evaluate_criterion
from service.evidence.judging import Context, context_for
from service.evidence.scope import binding_text, why_not
from service.evidence.thresholds import threshold_shortfall
from service.models import (
    Chart,
    ChartFact,
    Criterion,
    CriterionSource,
    Denial,
    Evaluation,
    EvidenceLink,
    EvidenceMap,
    EvidenceStatus,
    Finding,
    PolicyPassage,
    Verdict,
)
from service.policies.criteria import (
    alternative_groups,
    criterion_text,
    is_criterion_passage,
    is_item,
)

# Kept for callers that pass one; matching by meaning uses the shipped embedder directly.
Similarity = Callable[[str, Sequence[str]], list[float]]

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
WORDS_BACKING = 0.34  # share of a stated criterion's words a policy item must use to back it


def _stem(word: str) -> str:
    """A word without its common inflection ("expects", "expected" -> "expect")."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _content_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


# A claim adjustment reason code line ("CARC CO-50: not reasonable and necessary; ..."): the
# denial's reason code and its verdict, which the letter's points answer; not a criterion.
_REASON_CODE = re.compile(r"^\s*(?:CARC\s*)?(?:CO|PR|OA|PI|CR)\s*-?\s*\d{1,3}[A-Z]?\s*:", re.I)


def denial_criteria(denial: Denial) -> list[Criterion]:
    """The payer's stated criteria; the denial reason itself when the letter states none."""
    stated = [sc for sc in denial.stated_criteria if not _REASON_CODE.match(sc.text)]
    if stated:
        return [Criterion(id=sc.id, text=sc.text, source=CriterionSource.DENIAL) for sc in stated]
    if denial.denial_reason:
        return [Criterion(id="R1", text=denial.denial_reason, source=CriterionSource.DENIAL)]
    return []


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


_SUB_ITEM = re.compile(r"^\s+([a-z])\.\s+", re.M)


def for_this_service(text: str, service_codes: set[str]) -> str | None:
    """The criterion as it binds the requested service: sub-items that name only other codes
    are left out ("c. For infliximab, a biosimilar (Q5103) ..." does not bind an adalimumab
    request); None when nothing of it binds."""
    starts = list(_SUB_ITEM.finditer(text))
    if not starts or not service_codes:
        return text if _for_this_service(text, service_codes) else None
    head = text[: starts[0].start()]
    bounds = [*(m.start() for m in starts[1:]), len(text)]
    items = [text[m.start() : b] for m, b in zip(starts, bounds, strict=True)]
    kept = [i for i in items if _for_this_service(i, service_codes)]
    if not kept or not _for_this_service(head, service_codes):
        return None
    return head + "".join(kept)


def _containment(stated: str, policy_text: str) -> float:
    """Share of the stated criterion's content words that the policy item also uses."""
    want = _content_words(stated) - _BOILERPLATE
    return len(want & _content_words(policy_text)) / len(want) if want else 0.0


def _best_backing(crit: Criterion, policy: list[Criterion]) -> list[str]:
    """The single policy criterion whose words best cover a stated one, if any covers enough."""
    scored = [(_containment(crit.text, pc.text), pc.id) for pc in policy]
    scored = [s for s in scored if s[0] >= WORDS_BACKING]
    return [max(scored)[1]] if scored else []


def _with_points(evaluation: Evaluation, text: str, facts: Sequence[ChartFact]) -> Evaluation:
    """A stated change on an outcome measure ("10 points on the ODI") the chart must reach:
    a recorded change decides the criterion either way; without one it stays as judged, and a
    met criterion without the change is not documented."""
    need, reported = threshold_shortfall(text, facts)
    if not reported and (need is None or evaluation.verdict is not Verdict.MET):
        return evaluation
    by_id = {f.id: f for f in facts}
    shown = [Finding(fact_id=i, text=by_id[i].text, date=by_id[i].date) for i in reported]
    if reported and need is None:
        return evaluation.model_copy(
            update={"verdict": Verdict.MET, "need": None, "facts": [*evaluation.facts, *shown]}
        )
    verdict = Verdict.NOT_MET if reported else Verdict.NOT_DOCUMENTED
    return evaluation.model_copy(
        update={"verdict": verdict, "need": need, "facts": [*evaluation.facts, *shown]}
    )


def link_for(criterion: Criterion, ctx: Context, facts: Sequence[ChartFact]) -> EvidenceLink:
    """One criterion judged on the chart, as an evidence link that carries its evaluation."""
    evaluation = _with_points(
        evaluate_criterion(criterion.id, criterion.text, ctx), criterion.text, facts
    )
    met = evaluation.verdict is Verdict.MET
    label = concept_for(evaluation)
    order = {f.id: (f.date is None, f.date or dt.date.min, i) for i, f in enumerate(facts)}
    ids = sorted((i for i in evaluation.fact_ids if i in order), key=lambda i: order[i])
    return EvidenceLink(
        criterion=criterion,
        status=EvidenceStatus.MET if met else EvidenceStatus.GAP,
        fact_ids=ids,
        need=None if met else evaluation.need or "a dated note that documents this criterion",
        concepts=[label],
        missing=[] if met else [label],
        evaluation=evaluation,
    )


def build_evidence_map(
    denial: Denial,
    chart: Chart,
    passages: Sequence[PolicyPassage],
    similarity: Similarity | None = None,
    today: dt.date | None = None,
    purpose: str | None = None,
) -> EvidenceMap:
    """Judge each denial and policy criterion on the chart: met, or a gap with what it needs.

    A policy criterion that does not bind this request (a plan rule, or one the policy declares
    for other diagnoses, purposes or codes: evidence/scope.py) is not judged; `purpose` is the
    request's, for a letter of medical necessity."""
    del similarity  # the evaluator embeds with the shipped model itself
    facts = _same_side(chart.facts, requested_side(denial))
    ctx = context_for(denial, chart.model_copy(update={"facts": facts}), today)
    service_codes = set(denial.service_codes)
    policy = [
        Criterion(
            id=p.id, text=binding_text(p, text), source=CriterionSource.POLICY, passage_id=p.id
        )
        for p in passages
        if is_criterion_passage(p)
        and is_item(p)
        and (text := for_this_service(criterion_text(p), service_codes)) is not None
        and why_not(p, text, denial, purpose) is None
    ]
    links: list[EvidenceLink] = []
    merged: set[str] = set()
    for crit in denial_criteria(denial):
        backing = _best_backing(crit, policy)
        merged.update(backing)
        links.append(link_for(crit, ctx, facts).model_copy(update={"citations": backing}))
    policy_links = [
        link_for(pc, ctx, facts).model_copy(update={"citations": [pc.id]})
        for pc in policy
        if pc.id not in merged
    ]
    # One alternative is met (or backs a stated criterion): the others in its group are not
    # required. Criteria outside every group (a prerequisite, "together with criterion 4") stay.
    policy_links = drop_met_alternatives(policy_links, alternative_groups(passages), merged)
    return EvidenceMap(links=[*links, *policy_links])
