"""What a criterion's point rests on, for the appeal and the letter of medical necessity alike:
its evaluation's decisive facts, who sets the criterion, its heading, and, for a denial whose
category calls for it, the evidence an individual-consideration point sets out.

A point restates its criterion's evaluation (templates/partials/criteria.j2); it never decides
anything itself, so an appeal and a letter of medical necessity built from the same evaluation
say the same thing about the same criterion.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.drafting import sections
from service.evidence.chartview import view
from service.evidence.context import counts
from service.models import (
    Category,
    Chart,
    ChartFact,
    Citation,
    CitationKind,
    CriterionSource,
    Denial,
    EvidenceLink,
    PolicyPassage,
    Triage,
    Verdict,
)
from service.render import phrase

MAX_FACTS_PER_POINT = 8  # an all-of criterion of four tests cites each test's report
# Denial categories whose letter may ask for individual consideration of a criterion the chart
# cannot answer under the payer's policy (it is then argued, never claimed met).
CONSIDERATION = frozenset({Category.EXPERIMENTAL})
# HCPCS codes of drugs and biologicals: the investigational item itself, never routine care.
_DRUG_CODE = re.compile(r"^(?:J\d{4}|Q5\d{3}|C9\d{3}|A95\d{2}|A96\d{2})$")
_TRIAL = "clinical trial"  # the vocabulary concept (evidence/data/synonyms.yaml)


def point_facts(link: EvidenceLink) -> list[str]:
    """The chart facts a point cites: its evaluation's decisive facts, first mention first."""
    return link.fact_ids[:MAX_FACTS_PER_POINT]


def asked(link: EvidenceLink) -> str:
    """The criterion in the payer's words, less the framing a denial wraps it in ("The notes do
    not show ..."): the words its evaluation judged, when they are the criterion's own."""
    e = link.evaluation
    text = link.criterion.text
    return e.text if e is not None and e.text and e.text in text else text


def authority(link: EvidenceLink, denial: Denial) -> str:
    """Who sets the criterion, as the comparison names it (a key of words.criteria.requires)."""
    if link.criterion.source is CriterionSource.POLICY:
        return "policy"
    return "guideline" if denial.guideline else "denial"


def title(link: EvidenceLink) -> str:
    """A point's heading: what its requirement is about."""
    return phrase("criteria", "heading", e=link.evaluation) if link.evaluation else ""


def considers(triage: Triage) -> bool:
    """The letter strategy, from the triage category: individual consideration is open."""
    return triage.category in CONSIDERATION


def open_to_consideration(link: EvidenceLink, triage: Triage) -> bool:
    """A stated criterion the chart is silent on, in a denial whose category allows asking for
    individual consideration. A criterion the chart contradicts (NOT_MET) never is."""
    e = link.evaluation
    return (
        considers(triage)
        and link.criterion.source is CriterionSource.DENIAL
        and e is not None
        and e.verdict is Verdict.NOT_DOCUMENTED
    )


def consideration_facts(chart: Chart) -> list[ChartFact]:
    """The record an individual-consideration point sets out: the diagnosis and history, then
    the treatments already tried."""
    found = [*sections.history(chart.facts), *sections.prior_drugs(chart.facts)]
    return list({f.id: f for f in found}.values())


def routine_trial_care(denial: Denial, chart: Chart) -> bool:
    """The denied care is the routine care of a clinical trial the chart records the patient
    taking part in, and none of it is a drug or biological (the investigational item)."""
    codes = [line.code for line in denial.service_lines if line.code]
    if not codes or any(_DRUG_CODE.match(code) for code in codes):
        return False
    return any(
        _TRIAL in m.concepts and counts(m.status)
        for tf in view(chart)
        for m in tf.mentions("clinical")
    )


def fact_map(facts: Sequence[ChartFact]) -> dict[str, ChartFact]:
    return {f.id: f for f in facts}


def policy_citation(p: PolicyPassage) -> Citation:
    """A citation of one policy passage, labelled as every letter kind labels it."""
    return Citation(
        kind=CitationKind.POLICY,
        passage_id=p.id,
        policy_id=p.policy_id,
        section=p.section,
        label=phrase("common", "policy_citation", passage=p),
    )


def denial_citation(denial: Denial, criterion: str) -> Citation:
    """A citation of the denial's own statement of a criterion (the payer has no policy indexed)."""
    text = phrase("appeal", "denial_citation", guideline=denial.guideline, criterion=criterion)
    return Citation(kind=CitationKind.DENIAL, label=text)
