"""An appeal and the letter of medical necessity enclosed with it must agree on every fact."""

from __future__ import annotations

from service.models import AppealResult, NecessityResult, Problem


def _identity(appeal: AppealResult, lmn: NecessityResult) -> list[Problem]:
    d, ids = appeal.denial, lmn.letter.identifiers
    pairs = [
        ("identifiers.Patient", d.patient_name, ids.get("Patient")),
        ("identifiers.Member ID", d.member_id, ids.get("Member ID") or ids.get("Medicare number")),
    ]
    problems = [
        Problem(
            code="disagrees_with_appeal",
            where=where,
            message=f"The letter's {where.split('.', 1)[1]} differs from the appeal's.",
        )
        for where, theirs, ours in pairs
        if theirs and ours and theirs != ours
    ]
    for code in d.service_codes:
        if code not in ids.get("Billing codes", ""):
            problems.append(
                Problem(
                    code="disagrees_with_appeal",
                    where="identifiers.Billing codes",
                    message="The letter does not request the service the appeal is about.",
                )
            )
    return problems


def check_agreement(appeal: AppealResult, lmn: NecessityResult) -> list[Problem]:
    """Same patient, member, service; each shared criterion met or not by the same facts."""
    problems = _identity(appeal, lmn)
    theirs = {link.criterion.id: link for link in appeal.evidence.links}
    for link in lmn.evidence.links:
        other = theirs.get(link.criterion.id)
        # a criterion narrowed to the request's sub-items is not the appeal's criterion
        if other is None or other.criterion.text != link.criterion.text:
            continue
        if other.status != link.status or other.fact_ids != link.fact_ids:
            problems.append(
                Problem(
                    code="disagrees_with_appeal",
                    where=f"criteria.{link.criterion.id}",
                    message=f"Criterion {link.criterion.id} rests on different chart facts in the "
                    "appeal and in the letter of medical necessity.",
                )
            )
    return problems
