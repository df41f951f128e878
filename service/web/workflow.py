"""What the workspace does with a draft: start it, reload it, re-draft it, save it, release it.

The web flow keeps a draft `held` until a person releases it, even when the validator passes:
a letter leaves the workspace only after someone has read it. Pipeline modules are imported
inside functions so the pages that do not draft (the list) never load them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from service.errors import BadInput, Conflict, OverturnError
from service.intake.text import check_sizes
from service.models import AppealResult, Chart, Denial, DraftStatus, NecessityResult
from service.resources import current
from service.store.summary import summarize

# Fields models.py computes on output; they must be dropped before validating a stored result.
_COMPUTED = {"result": ("points", "gaps"), "denial": ("service_codes", "carc_codes")}
KIND_NAMES = {"appeal": "Appeal", "necessity": "Letter of medical necessity"}
Result = AppealResult | NecessityResult


@dataclass
class Draft:
    id: str
    record: dict[str, Any]
    result: Result | None

    @property
    def input(self) -> dict[str, Any]:
        return self.record.get("input") or {}

    @property
    def kind(self) -> str:
        return str(self.record.get("kind") or "appeal")

    @property
    def appeal(self) -> AppealResult:
        """The appeal result; Conflict for a letter of medical necessity or a failed draft."""
        if not isinstance(self.result, AppealResult):
            raise Conflict("This draft is not an appeal with a letter to work on.", field="kind")
        return self.result

    @property
    def necessity(self) -> NecessityResult:
        """The LMN result; Conflict for an appeal or a failed draft."""
        if not isinstance(self.result, NecessityResult):
            raise Conflict("This draft is not a letter of medical necessity.", field="kind")
        return self.result


def load_result(data: dict[str, Any]) -> AppealResult:
    """An AppealResult from its stored JSON (which carries the computed fields)."""
    clean = {k: v for k, v in data.items() if k not in _COMPUTED["result"]}
    denial = {k: v for k, v in clean["denial"].items() if k not in _COMPUTED["denial"]}
    return AppealResult.model_validate({**clean, "denial": denial})


def load(draft_id: str) -> Draft:
    """A stored draft of either kind and its result (None when drafting failed)."""
    record = current().store().get(draft_id)
    data = record.get("result")
    result: Result | None = None
    if data and record["kind"] == "necessity":
        result = NecessityResult.model_validate(data)
    elif data:
        result = load_result(data)
    return Draft(id=draft_id, record=record, result=result)


def today() -> dt.date:
    """The date the pipeline drafts for (fixed by config in tests and evals)."""
    return current().today()


def chart_of(draft: Draft) -> Chart:
    """The chart as submitted, parsed again (results do not carry it)."""
    from service.intake.request import read_chart

    return read_chart(draft.input.get("chart"), current().settings)


def save(draft_id: str, result: AppealResult, chart: Chart, *, first: bool = False) -> AppealResult:
    """Store a result as held: drafting or editing never releases a letter by itself."""
    result = result.model_copy(update={"draft_id": draft_id, "status": DraftStatus.HELD})
    columns: dict[str, Any] = {
        "payer": result.denial.payer,
        "deadline": result.triage.deadline,
        "summary": summarize(result.denial, chart, ready=result.report.ok),
    }
    store = current().store()
    if first:
        store.save_result(draft_id, "held", result.model_dump_json(), **columns)
    else:
        store.update_result(draft_id, result.model_dump_json(), status="held", **columns)
    return result


def _draft(denial: Denial, chart: Chart) -> AppealResult:
    """Triage and draft an already-parsed denial and chart (the model does not re-read them)."""
    from service.pipelines.appeal import draft_appeal

    res = current()
    return draft_appeal(
        denial,
        chart,
        settings=res.settings,
        retriever=res.retriever(),
        llm=res.model(),
        llm_extract=False,
    )


def start(payload: dict[str, Any]) -> str:
    """Read the input, keep it, draft it held for review; returns the draft id.

    Input that cannot be read is refused before it is kept; a drafting failure is recorded on
    the draft (its input stays) and re-raised with the draft id."""
    from service.pipelines.appeal import submit_appeal

    result, _ = submit_appeal(payload, current(), hold=True)
    assert result.draft_id is not None
    return result.draft_id


def redraft(draft: Draft, denial: Denial, changed: list[str]) -> AppealResult:
    """Draft again from a corrected denial and the same chart."""
    chart = chart_of(draft)
    result = save(draft.id, _draft(denial, chart), chart)
    # Field names only: corrected values may be PHI.
    current().store().audit(draft.id, "corrected", {"fields": changed})
    return result


def replace(old: Draft, new_id: str, fields: list[str]) -> None:
    """Record that a new draft replaces an old one (the list then shows the new one only)."""
    store = current().store()
    store.audit(old.id, "superseded", {"by": new_id})
    store.audit(new_id, "revises", {"draft": old.id, "fields": fields})


def add_notes(draft: Draft, notes: str) -> str:
    """A new draft whose chart is this one's plus the notes; the old one points to it."""
    old_chart = draft.input.get("chart")
    if old_chart is not None and not isinstance(old_chart, str):
        raise BadInput("Notes can be added only to a chart pasted as text.", field="notes")
    if not notes.strip():
        raise BadInput("The chart note is empty.", field="notes")
    appeal = draft.appeal
    chart_text = "\n\n".join(t for t in ((old_chart or "").rstrip(), notes.strip()) if t) + "\n"
    payload = {**draft.input, "chart": chart_text, "revises": draft.id}
    check_sizes(payload, max_bytes=current().settings.max_input_bytes)
    from service.intake.request import read_chart

    chart = read_chart(chart_text, current().settings)  # refused before anything is kept
    store = current().store()
    new_id = store.save_input("appeal", payload)
    try:
        result = _draft(appeal.denial, chart)
    except OverturnError as err:
        store.mark_failed(new_id, err.slug)
        raise
    save(new_id, result, chart, first=True)
    replace(draft, new_id, ["notes"])
    return new_id


def release(draft: Draft) -> Result:
    """Mark a held draft released, only when its validator report passes."""
    result = draft.result
    if result is None or not result.report.ok or result.letter is None:
        raise BadInput("Only a letter whose check passes can be released.", field="report")
    released = result.model_copy(update={"status": DraftStatus.RELEASED})
    current().store().update_result(draft.id, released.model_dump_json(), status="released")
    return released


def dismiss(draft_id: str) -> None:
    """Take a failed attempt off the list (its input is erased; the trail records who)."""
    current().store().dismiss(draft_id)


def backfill_summary(row: dict[str, Any]) -> dict[str, Any] | None:
    """The list's summary of a draft stored before summaries existed, worked out and kept."""
    from service.intake.necessity import build_case, parse_request

    draft = load(row["id"])
    if draft.result is None:
        return None
    if isinstance(draft.result, AppealResult):
        denial, chart = draft.result.denial, chart_of(draft)
    else:
        case = build_case(parse_request(draft.input), current().settings)
        denial, chart = case.denial, case.chart
    summary = summarize(denial, chart, ready=draft.result.report.ok)
    current().store().set_summary(draft.id, summary)
    return summary
