"""The necessity pipeline: intake → policies → evidence → readiness → drafting → render →
validate → release → store.

`draft_necessity` only calls the stages in order; `check_readiness` stops after readiness;
`submit_necessity` is the faces' entry (keeps the input, drafts, stores the result).
`attach_requested` drafts the letter that an appeal encloses, from the appeal's own chart and
policy, so the two letters agree on every fact. Bad input raises; a weak letter is held.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from service.config import Settings
from service.drafting.necessity import COMPOSER_VERSION, compose_necessity
from service.errors import SchemaError
from service.intake.necessity import build_case
from service.intake.text import check_sizes
from service.models import (
    AppealCase,
    AppealResult,
    DraftStatus,
    Enclosure,
    NecessityCase,
    NecessityRequest,
    NecessityResult,
    Problem,
    Purpose,
    ReadinessReport,
)
from service.pipelines.appeal import DEGRADED_NOTE
from service.policies.select import Retriever, cited_ids, select_policy
from service.readiness import Assessment, assess
from service.release import gate, provenance
from service.render import phrase, render_text
from service.resources import Resources, today_for
from service.store.summary import summarize
from service.validate.agreement import check_agreement
from service.validate.necessity import validate_necessity


def assess_request(
    case: NecessityCase, retriever: Retriever | None, today: dt.date | None = None
) -> Assessment:
    """Policies → evidence → readiness: the payer's governing policy, assessed on the chart."""
    selection = select_policy(case.denial, case.chart, case.payer_id, retriever)
    return assess(case, selection.passages, selection.note, today)


def check_readiness(
    request: NecessityRequest, *, settings: Settings, retriever: Retriever | None
) -> ReadinessReport:
    """Which of the payer's criteria the chart documents, and which it does not yet."""
    return assess_request(build_case(request, settings), retriever, today_for(settings)).readiness


def draft_necessity(
    request: NecessityRequest, *, settings: Settings, retriever: Retriever | None
) -> NecessityResult:
    """Draft one letter of medical necessity. Bad input raises; a weak letter is held."""
    return draft_from_case(build_case(request, settings), settings=settings, retriever=retriever)


def draft_from_case(
    case: NecessityCase, *, settings: Settings, retriever: Retriever | None
) -> NecessityResult:
    """Policies → evidence → readiness → the letter, for a request already read."""
    assessment = assess_request(case, retriever, today_for(settings))
    degraded = [DEGRADED_NOTE] if getattr(retriever, "degraded", False) else []
    return letter_for(
        assessment,
        settings=settings,
        corpus_version=getattr(retriever, "corpus_version", None),
        notes=degraded,
    )


def letter_for(
    a: Assessment, *, settings: Settings, corpus_version: str | None, notes: list[str] | None = None
) -> NecessityResult:
    """Drafting → render → validate → release for an assessed request."""
    draft = compose_necessity(a, today_for(settings))
    letter = draft.model_copy(update={"text": render_text(draft, settings)})
    report = validate_necessity(letter, a, settings)
    cited = {c.passage_id for p in letter.points for c in p.citations if c.passage_id}
    stamp = provenance(
        letter,
        drafter="necessity-composer",
        drafter_version=COMPOSER_VERSION,
        passage_ids=cited_ids([p for p in a.policy if p.id in cited]),
        corpus_version=corpus_version,
        notes=[n for n in [a.readiness.note, *(notes or [])] if n],
    )
    return NecessityResult(
        status=gate(report),
        letter_type=letter.letter_type,
        letter_kind=a.case.kind,
        purpose=a.case.request.purpose,
        text=letter.text,
        readiness=a.readiness,
        evidence=a.evidence,
        letter=letter,
        passages=a.policy,
        report=report,
        provenance=stamp,
    )


def submit_necessity(
    body: dict[str, Any], res: Resources, *, hold: bool = False
) -> NecessityResult:
    """The faces' entry: read the request, keep it, draft the letter, store the result.

    A request that cannot be read (schema, codes, NPI, chart) is refused before it is kept.
    `hold` keeps a passing letter unreleased until a person releases it (the workspace)."""
    from service.intake.necessity import parse_request

    check_sizes(body, max_bytes=res.settings.max_input_bytes)  # nothing kept when too large
    case = build_case(parse_request(body), res.settings)
    store = res.store()
    with store.keeping("necessity", body) as draft_id:
        result = draft_from_case(case, settings=res.settings, retriever=res.draft_retriever())
    status = DraftStatus.HELD if hold else result.status
    result = result.model_copy(update={"draft_id": draft_id, "status": status})
    store.save_result(
        draft_id,
        result.status.value,
        result.model_dump_json(),
        payer=case.denial.payer,  # the payer's name, as an appeal's row shows it
        summary=summarize(case.denial, case.chart, ready=result.report.ok),
    )
    return result


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
    case: AppealCase, appeal: AppealResult, request: NecessityRequest, *, settings: Settings
) -> NecessityResult:
    """The LMN for an appeal's case, assessed against the appeal's own chart and policy."""
    necessity = build_case(_request_for(appeal, request), settings)
    # The appeal's parsed chart, with the signing provider the LMN speaks for.
    necessity.chart = case.chart.model_copy(
        update={"provider": necessity.chart.provider, "patient": necessity.chart.patient}
    )
    assessment = assess(necessity, list(appeal.passages), today=today_for(settings))
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


def enclose_in_appeal(
    appeal: AppealResult, lmn: NecessityResult, settings: Settings
) -> AppealResult:
    """The appeal with the LMN added to its enclosures and its text rendered again."""
    if appeal.letter is None:
        return appeal
    description = phrase(
        "necessity", "enclosure", signer=lmn.letter.signer.name, date=today_for(settings)
    )
    enclosure = Enclosure(number=len(appeal.letter.enclosures) + 1, description=description)
    letter = appeal.letter.model_copy(update={"enclosures": [*appeal.letter.enclosures, enclosure]})
    letter = letter.model_copy(update={"text": render_text(letter, settings)})
    return appeal.model_copy(update={"letter": letter, "text": letter.text})


def necessity_request(data: Any) -> NecessityRequest:
    """An appeal request's `necessity` object as a request; SchemaError names the bad fields."""
    if not isinstance(data, dict):
        raise SchemaError(
            "necessity must be an object (a necessity-letter request).", field="necessity"
        )
    try:
        return NecessityRequest.model_validate(data)
    except ValidationError as err:
        where = sorted({".".join(str(x) for x in e["loc"]) for e in err.errors()})
        raise SchemaError(
            f"Invalid necessity request: {', '.join(where)}.", field="necessity", fields=where
        ) from err


def attach_requested(
    case: AppealCase, appeal: AppealResult, data: Any, *, settings: Settings
) -> tuple[AppealResult, NecessityResult]:
    """An appeal request's `necessity` object → the LMN, enclosed in the appeal when they agree.

    When the two letters disagree, or the LMN is held, the appeal is held too: sending an
    appeal whose enclosed letter contradicts it, or lacks a criterion, would undercut both.
    """
    lmn = attach_to_appeal(case, appeal, necessity_request(data), settings=settings)
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
