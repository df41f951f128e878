"""Attach a letter of medical necessity to an appeal, so that the two agree on every fact.

The letter is assessed against the appeal's own chart (same fact ids) and the appeal's own
policy passages, so each criterion is met or not by the same facts in both letters.

Hook for the appeal side (service/pipeline.py or api/appeals.py, owned by the lead): when an
appeal request carries a `necessity` object, after `draft_case(case, ...)` returns `result`:

    lmn = attach_to_appeal(case, result, NecessityRequest.model_validate(body["necessity"]),
                           settings=settings)
    result = enclose_in_appeal(result, lmn, settings)  # adds the LMN to the enclosures

and return `lmn` beside the appeal (hold the appeal when `check_agreement` finds a problem).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from service.config import Settings
from service.drafting.phrases import long_date
from service.errors import SchemaError
from service.models import AppealResult, DraftStatus, Enclosure, Problem
from service.necessity.case import build_case
from service.necessity.models import NecessityRequest, NecessityResult, Purpose
from service.necessity.pipeline import letter_for, today_for
from service.necessity.readiness import assess
from service.render import render_text


def _request_for(appeal: AppealResult, request: NecessityRequest) -> NecessityRequest:
    """The request with what it leaves blank taken from the denial the appeal answers."""
    d = appeal.denial
    patient = request.patient.model_copy(
        update={
            "name": request.patient.name or d.patient_name,
            "member_id": request.patient.member_id or d.member_id,
            "date_of_birth": request.patient.date_of_birth or d.date_of_birth,
        }
    )
    return request.model_copy(
        update={"patient": patient, "purpose": Purpose.WITH_APPEAL, "chart": None}
    )


def attach_to_appeal(
    case: Any, appeal: AppealResult, request: NecessityRequest, *, settings: Settings
) -> NecessityResult:
    """The LMN for an appeal's case (pipeline.Case: denial, chart, triage, payer_id)."""
    necessity = build_case(_request_for(appeal, request), settings)
    # The appeal's parsed chart, with the signing provider the LMN speaks for.
    necessity.chart = case.chart.model_copy(
        update={"provider": necessity.chart.provider, "patient": necessity.chart.patient}
    )
    assessment = assess(necessity, list(appeal.passages))
    result = letter_for(
        assessment,
        settings=settings,
        corpus_version=appeal.provenance.corpus_version,
        notes=["attached to an appeal"],
    )
    problems = check_agreement(appeal, result)
    if not problems:
        return result
    report = result.report.model_copy(
        update={"ok": False, "problems": [*result.report.problems, *problems]}
    )
    return result.model_copy(update={"report": report, "status": DraftStatus.HELD})


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


def enclose_in_appeal(
    appeal: AppealResult, lmn: NecessityResult, settings: Settings
) -> AppealResult:
    """The appeal with the LMN added to its enclosures and its text rendered again."""
    if appeal.letter is None:
        return appeal
    signer = lmn.letter.signer.name or "the treating provider"
    when = long_date(today_for(settings))
    number = len(appeal.letter.enclosures) + 1
    enclosure = Enclosure(
        number=number, description=f"Letter of medical necessity from {signer}, {when}"
    )
    letter = appeal.letter.model_copy(update={"enclosures": [*appeal.letter.enclosures, enclosure]})
    letter = letter.model_copy(update={"text": render_text(letter, settings)})
    return appeal.model_copy(update={"letter": letter, "text": letter.text})


def attach_requested(
    case: Any, appeal: AppealResult, data: Any, *, settings: Settings
) -> tuple[AppealResult, NecessityResult]:
    """An appeal request's `necessity` object → the LMN, enclosed in the appeal when they agree.

    When the two letters disagree, or the LMN is held, the appeal is held too: sending an
    appeal whose enclosed letter contradicts it, or lacks a criterion, would undercut both.
    """
    if not isinstance(data, dict):
        raise SchemaError(
            "necessity must be an object (a necessity-letter request).", field="necessity"
        )
    try:
        request = NecessityRequest.model_validate(data)
    except ValidationError as err:
        where = sorted({".".join(str(x) for x in e["loc"]) for e in err.errors()})
        raise SchemaError(
            f"Invalid necessity request: {', '.join(where)}.", field="necessity", fields=where
        ) from err
    lmn = attach_to_appeal(case, appeal, request, settings=settings)
    if lmn.status is DraftStatus.RELEASED and appeal.status is DraftStatus.RELEASED:
        return enclose_in_appeal(appeal, lmn, settings), lmn
    held = Problem(
        code="necessity_letter_held",
        where="necessity",
        message="The attached letter of medical necessity is held; see its report.",
    )
    report = appeal.report.model_copy(
        update={"ok": False, "problems": [*appeal.report.problems, held]}
    )
    return appeal.model_copy(update={"report": report, "status": DraftStatus.HELD}), lmn
