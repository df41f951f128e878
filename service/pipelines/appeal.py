"""The appeal pipeline: intake → triage → policies → evidence → drafting → render → validate →
release → store.

`draft_appeal` only calls the stages in order, forward; `submit_appeal` is the faces' entry
(API, workspace, CLI): it keeps the input in the store before drafting and the result after.
A letter that fails the validator is never an exception: it comes back `held` with its report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from service.config import Settings
from service.drafting import write_appeal
from service.drafting.composer import COMPOSER_VERSION, ComposeInput
from service.drafting.model import DRAFTER_VERSION
from service.errors import SchemaError
from service.evidence.match import build_evidence_map
from service.intake.request import read_case, read_inputs
from service.intake.text import check_sizes
from service.llm import budget
from service.llm.adapter import LLM
from service.models import (
    AppealCase,
    AppealResult,
    DraftStatus,
    EvidenceMap,
    LetterDraft,
    PolicyPassage,
    Problem,
    ValidationReport,
)
from service.policies.select import Retriever, cited_ids, select_policy
from service.release import gate, provenance, total_usage
from service.render import render_text
from service.resources import Resources, model_for, today_for
from service.store.summary import summarize
from service.triage import triage
from service.validate import validate

VOICES = {"practice": "practice", "patient": "patient"}  # requester -> letter voice
DEGRADED_NOTE = (
    "policy index unreachable: policies were retrieved lexically (BM25) from the corpus on "
    "disk; policies added by the practice could not be searched"
)


def redacting(settings: Settings) -> bool:
    """PHI placeholders are on unless explicitly turned off."""
    return settings.phi_placeholders.lower() != "off"


def read_appeal_case(
    denial_in: Any,
    chart_in: Any,
    settings: Settings,
    corrections: dict[str, Any] | None = None,
    *,
    llm: LLM | None = None,
    llm_extract: bool | None = None,
) -> AppealCase:
    """Intake and triage: the case a letter is drafted from (also `/v1/denials/parse`).

    `llm_extract` (default: on when a model is given) asks the model for what the parsers
    missed; the user's corrections and the parsers' values always win.
    """
    if llm_extract is not None and not isinstance(llm_extract, bool):
        raise SchemaError("llm_extract must be true or false.", field="llm_extract")
    today = today_for(settings)
    case = read_case(
        denial_in,
        chart_in,
        settings,
        corrections,
        today=today,
        llm=llm if llm_extract is not False else None,
        redact=redacting(settings),
    )
    return case.model_copy(update={"triage": triage(case.denial, today)})


def draft_appeal(
    denial_in: Any,
    chart_in: Any,
    *,
    settings: Settings,
    retriever: Retriever | None,
    llm: LLM | None = None,
    corrections: dict[str, Any] | None = None,
    llm_extract: bool | None = None,
    requester: str = "practice",
) -> AppealResult:
    """Run the whole pipeline for one denial and chart. Bad input raises; a weak letter is held.

    Without `llm`, the model configured in `settings` (if any) extracts and drafts.
    """
    llm = llm if llm is not None else model_for(settings)
    with budget.window(settings.llm_budget):  # every model call of this letter shares it
        case = read_appeal_case(
            denial_in, chart_in, settings, corrections, llm=llm, llm_extract=llm_extract
        )
        return draft_case(
            case, settings=settings, retriever=retriever, llm=llm, requester=requester
        )


def draft_case(
    case: AppealCase,
    *,
    settings: Settings,
    retriever: Retriever | None,
    llm: LLM | None = None,
    requester: str = "practice",
) -> AppealResult:
    """Policies → evidence → drafting → render → validate → release, for a triaged case.

    `requester` is who sends the appeal: the practice's billing office (default) or the patient,
    whose appeal is written in the first person and signed by them.
    """
    if requester not in VOICES:
        raise SchemaError("requester must be 'practice' or 'patient'.", field="requester")
    assert case.triage is not None, "draft_case needs a triaged case"
    llm = llm if llm is not None else model_for(settings)
    selection = select_policy(case.denial, case.chart, case.payer_id, retriever)
    notes = [selection.note] if selection.note else []
    if getattr(retriever, "degraded", False):
        notes.append(DEGRADED_NOTE)
    if not case.triage.letter_type:
        return _no_letter(case, notes)
    evidence = build_evidence_map(
        case.denial, case.chart, selection.passages, today=today_for(settings)
    )
    inp = ComposeInput(
        case.denial,
        case.chart,
        case.triage,
        evidence,
        selection.passages,
        settings,
        today_for(settings),
        VOICES[requester],
    )
    checks = validator(case, evidence, selection.passages, settings)

    def check(candidate: LetterDraft) -> ValidationReport:  # the model drafter's repair loop
        return checks(rendered(candidate, settings))

    drafted = write_appeal(inp, check=check, llm=llm, redact=redacting(settings))
    letter = rendered(drafted.letter, settings)
    # The model drafter already validated its final letter; the composer's is checked here.
    report = drafted.report or checks(letter)
    cited = {c.passage_id for p in letter.points for c in p.citations if c.passage_id}
    stamp = provenance(
        letter,
        drafter=drafted.drafter,
        drafter_version=DRAFTER_VERSION if drafted.drafter == "llm" else COMPOSER_VERSION,
        passage_ids=cited_ids([p for p in selection.passages if p.id in cited]),
        corpus_version=getattr(retriever, "corpus_version", None),
        notes=[*case.notes, *notes, *drafted.notes],
        prompt_id=drafted.prompt_id,
        prompt_version=drafted.prompt_version,
        model=drafted.model,
    ).model_copy(update={"usage": total_usage(drafted.usage, case.usage)})
    return AppealResult(
        status=gate(report),
        letter_type=letter.letter_type,
        text=letter.text,
        denial=case.denial,
        triage=case.triage,
        evidence=evidence,
        letter=letter,
        passages=selection.passages,
        report=report,
        provenance=stamp,
    )


def rendered(letter: LetterDraft, settings: Settings) -> LetterDraft:
    """The render stage: the letter with its text from its template."""
    return letter.model_copy(update={"text": render_text(letter, settings)})


def validator(
    case: AppealCase, evidence: EvidenceMap, passages: list[PolicyPassage], settings: Settings
) -> Callable[[LetterDraft], ValidationReport]:
    """The validate stage for this case: the one gate every rendered letter goes through."""
    triaged = case.triage
    assert triaged is not None

    def checks(letter: LetterDraft) -> ValidationReport:
        return validate(
            letter,
            denial=case.denial,
            chart=case.chart,
            triage=triaged,
            evidence=evidence,
            passages=passages,
            settings=settings,
        )

    return checks


def _no_letter(case: AppealCase, notes: list[str]) -> AppealResult:
    """Triage says no letter fits (a corrected claim, an eligibility check): say so, hold."""
    assert case.triage is not None
    report = ValidationReport(
        ok=False,
        problems=[
            Problem(
                code=f"strategy_{case.triage.strategy.value}",
                where="triage",
                message=case.triage.rationale or "This denial needs no appeal letter.",
            )
        ],
        checked=["strategy"],
    )
    return AppealResult(
        status=DraftStatus.HELD,
        letter_type="",
        text="",
        denial=case.denial,
        triage=case.triage,
        evidence=EvidenceMap(),
        report=report,
        provenance=provenance(
            None,
            drafter="composer",
            drafter_version=COMPOSER_VERSION,
            passage_ids=[],
            corpus_version=None,
            notes=[*case.notes, *notes],
        ).model_copy(update={"usage": dict(case.usage)}),
    )


def check_request(payload: dict[str, Any], res: Resources) -> AppealCase:
    """Read and check a request before anything is kept: a refused request leaves no draft.

    Returns the parsers' case (no model, no triage yet); `submit_appeal` drafts from it."""
    from service.pipelines.necessity import necessity_request

    check_sizes(payload, max_bytes=res.settings.max_input_bytes)
    if (payload.get("requester") or "practice") not in VOICES:
        raise SchemaError("requester must be 'practice' or 'patient'.", field="requester")
    if payload.get("llm_extract") is not None and not isinstance(payload["llm_extract"], bool):
        raise SchemaError("llm_extract must be true or false.", field="llm_extract")
    if payload.get("necessity") is not None:
        necessity_request(payload["necessity"])
    denial, chart = read_inputs(
        payload.get("denial"),
        payload.get("chart"),
        res.settings,
        payload.get("corrections"),
        today=today_for(res.settings),
    )
    return AppealCase(denial=denial, chart=chart)


def submit_appeal(
    payload: dict[str, Any], res: Resources, *, hold: bool = False
) -> tuple[AppealResult, Any]:
    """The faces' entry: read the request, keep it, draft (with an LMN when asked), store.

    `payload` holds `denial`, and optionally `chart`, `corrections`, `llm_extract`,
    `requester` and `necessity` (a letter-of-medical-necessity request to enclose). A request
    that cannot be read is refused before it is kept; one kept and then failing is marked failed.
    `hold` keeps a passing letter unreleased until a person releases it (the workspace).
    Returns the stored result and the enclosed letter's result (or None).
    """
    from service.pipelines.necessity import attach_requested

    parsed = check_request(payload, res)
    store = res.store()
    llm = res.model()
    with (
        store.keeping("appeal", storable(payload)) as draft_id,
        budget.window(res.settings.llm_budget),
    ):
        case = read_appeal_case(
            parsed.denial,
            parsed.chart,
            res.settings,
            llm=llm,
            llm_extract=payload.get("llm_extract"),
        )
        result = draft_case(
            case,
            settings=res.settings,
            retriever=res.draft_retriever(),
            llm=llm,
            requester=payload.get("requester") or "practice",
        )
        lmn = None
        if payload.get("necessity") is not None:
            result, lmn = attach_requested(
                case, result, payload["necessity"], settings=res.settings
            )
    status = DraftStatus.HELD if hold else result.status
    result = result.model_copy(update={"draft_id": draft_id, "status": status})
    store.save_result(
        draft_id,
        result.status.value,
        result.model_dump_json(),
        payer=result.denial.payer,
        deadline=result.triage.deadline,
        summary=summarize(result.denial, case.chart, ready=result.report.ok),
    )
    return result, lmn


def storable(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as JSON-safe data for the store (bytes decoded leniently, never dropped)."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        out[key] = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return out
