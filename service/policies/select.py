"""Retrieve stage: from a case, find the payer's governing policy and its criteria passages.

Only the denying payer's own policies are used. Citing another payer's policy to this payer is
a known way to lose an appeal, so when the payer has no policy in the index the letter answers
the criteria as the denial states them, citing the denial (see evidence.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from service.models import Chart, Denial, PolicyPassage
from service.policies.criteria import is_criterion_passage


class Retriever(Protocol):
    corpus_version: str

    def search(
        self,
        query: str,
        *,
        payer: str | None,
        codes: list[str] = ...,
        date_of_service: dt.date | None = None,
        k: int = 8,
        mode: str = "hybrid",
    ) -> list[PolicyPassage]: ...

    def policy_passages(
        self, policy_id: str, version: int | str | None = None
    ) -> list[PolicyPassage]: ...


@dataclass
class Selection:
    passages: list[PolicyPassage] = field(default_factory=list)  # criteria of the chosen policy
    hits: list[PolicyPassage] = field(default_factory=list)  # what the search returned
    policy_id: str | None = None
    note: str = ""


def case_query(denial: Denial, chart: Chart) -> str:
    """The words a reviewer would search the payer's policies with."""
    parts = [line.description for line in denial.service_lines if line.description]
    parts += [d.description for d in denial.diagnosis_codes if d.description]
    parts += [sc.text for sc in denial.stated_criteria]
    if denial.denial_reason:
        parts.append(denial.denial_reason)
    if not parts:
        parts += [f.text for f in chart.facts if f.type.value == "diagnosis"]
    return " ".join(parts)[:2000]


def select_policy(
    denial: Denial, chart: Chart, payer_id: str | None, retriever: Retriever | None
) -> Selection:
    """The governing policy's criteria passages for this payer and service, if the index has one."""
    if retriever is None or not payer_id:
        return Selection(note="payer has no policy in the index; answering the denial as stated")
    codes = [*denial.service_codes, *(d.code for d in denial.diagnosis_codes)]
    dos = min(denial.dates_of_service) if denial.dates_of_service else None
    hits = retriever.search(
        case_query(denial, chart), payer=payer_id, codes=codes, date_of_service=dos, k=8
    )
    service_codes = set(denial.service_codes)
    coded = [p for p in hits if service_codes & set(p.codes)]
    best = (coded or hits)[:1]
    if not best:
        return Selection(hits=hits, note="no policy of this payer matched the service")
    top = best[0]
    if service_codes and not coded:
        # Without a code match the top hit may be a neighbouring policy: do not cite it.
        return Selection(hits=hits, note=f"no {payer_id} policy lists the service code")
    version = _version(top.id)
    criteria = [
        p for p in retriever.policy_passages(top.policy_id, version) if is_criterion_passage(p)
    ]
    return Selection(passages=criteria, hits=hits, policy_id=top.policy_id)


def _version(passage_id: str) -> str | None:
    # the stored version: "2", or an uploaded policy's effective date ("2025-04-01"), so that
    # only the version the search chose is read, never its predecessors too
    head = passage_id.split("#", 1)[0]
    return head.rsplit("@v", 1)[1] if "@v" in head else None


def cited_ids(passages: Sequence[PolicyPassage]) -> list[str]:
    """Passage ids in order, without repeats."""
    return list(dict.fromkeys(p.id for p in passages))
