"""The checks on a model's draft before it is merged: every id is one it was given, each point
keeps its criterion's evaluation (verdict and decisive fact ids), and no prose announces a
decision, obeys planted text or leaves a withheld-identifier token. The problems are sent back
to the model verbatim (prompts/repair_draft.md); they are not letter text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from service.drafting import points
from service.llm.phi import leftover_tokens
from service.models import EvidenceLink, EvidenceStatus

if TYPE_CHECKING:
    from service.drafting.composer import ComposeInput
    from service.drafting.model import DraftOut, PointOut

DENIAL_CITATION = "denial"
# Prose that announces a decision the payer has not made: what an injected "approve this" yields.
_DECISION_CLAIM = re.compile(
    r"\b(?:has|have|had) been (?:approved|authori[sz]ed|granted|overturned|reversed|paid)\b"
    r"|\b(?:is|are|was|were) (?:hereby|now) (?:approved|authori[sz]ed|covered|granted)\b"
    r"|\b(?:approval|authori[sz]ation|coverage) (?:is|was|has been) (?:granted|confirmed)\b"
    r"|\b(?:we|this letter) (?:approve|confirm)s? (?:the )?(?:approval|coverage|request)\b"
    r"|\b(?:ignore|disregard) (?:all |any )?(?:previous|prior|above) instructions\b",
    re.IGNORECASE,
)


def check_ids(out: DraftOut, inp: ComposeInput) -> list[str]:
    """Every id the model cites must be one it was given, and each point keeps its criterion's
    evaluation: it argues met only a criterion whose verdict is met, on that evaluation's
    decisive fact ids, and asks for consideration only where the strategy allows it."""
    links = {lk.criterion.id: lk for lk in inp.evidence.links}
    passages, facts = {p.id: p for p in inp.passages}, {f.id for f in inp.chart.facts}
    problems = []
    for i, p in enumerate(out.points):
        link = links.get(p.answers)
        if link is None:
            problems.append(f"points[{i}].answers: {p.answers} is not one of the criterion ids.")
        else:
            problems += _kept(i, p, link, inp)
        for cid in p.citations:
            if cid != DENIAL_CITATION and cid not in passages:
                problems.append(f"points[{i}].citations: {cid} is not one of the passage ids.")
        if not p.citations:
            problems.append(f'points[{i}].citations: cite a passage id or "denial".')
        for fid in p.chart_facts:
            if fid not in facts:
                problems.append(f"points[{i}].chart_facts: {fid} is not one of the fact ids.")
    return problems


def _kept(i: int, p: PointOut, link: EvidenceLink, inp: ComposeInput) -> list[str]:
    """The point keeps its evaluation's verdict and evidence ids."""
    e = link.evaluation
    verdict = e.verdict.value if e is not None else link.status.value
    if p.claim == "consideration":
        if not points.open_to_consideration(link, inp.triage):
            return [
                f"points[{i}].claim: {p.answers} may not be answered by asking for "
                "consideration; drop the point."
            ]
        return [] if p.chart_facts else [f"points[{i}].chart_facts: name the facts set out."]
    if link.status is not EvidenceStatus.MET:
        return [
            f"points[{i}].answers: the verdict of {p.answers} is {verdict}; a point may not "
            "argue it is met. Drop the point."
        ]
    decisive = list(link.fact_ids)
    if decisive and not (p.chart_facts and set(p.chart_facts) <= set(decisive)):
        return [
            f"points[{i}].chart_facts: use the evidence ids of {p.answers}'s evaluation "
            f"({', '.join(decisive)}) and no others."
        ]
    if not decisive and p.chart_facts:
        return [f"points[{i}].chart_facts: {p.answers} is decided by no fact; leave it empty."]
    return []


def check_claims(out: DraftOut) -> list[str]:
    """Refuse prose that announces a decision, obeys planted text, or leaves placeholder tokens."""
    fields = [("opening", out.opening), ("closing", out.closing)]
    for i, p in enumerate(out.points):
        fields += [(f"points[{i}].heading", p.heading), (f"points[{i}].text", p.text)]
    problems = []
    for where, value in fields:
        if _DECISION_CLAIM.search(value):
            problems.append(
                f"{where}: states or implies a coverage decision the payer has not "
                "made; ask for the denial to be reversed instead."
            )
        if leftover_tokens(value):
            problems.append(f"{where}: contains a withheld-identifier token; leave it out.")
    return problems
