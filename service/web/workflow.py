"""What the workspace does with a draft: start it, reload it, re-draft it, save it, release it.

The web flow keeps a draft `held` until a person releases it, even when the validator passes:
a letter leaves the workspace only after someone has read it. Pipeline modules are imported
inside functions so the pages that do not draft (the list) never load them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from service.errors import BadInput, OverturnError
from service.intake.text import check_sizes
from service.models import AppealResult, Chart, Denial, DraftStatus
from service.resources import current

# Fields models.py computes on output; they must be dropped before validating a stored result.
_COMPUTED = {"result": ("points", "gaps"), "denial": ("service_codes", "carc_codes")}


@dataclass
class Draft:
    id: str
    record: dict[str, Any]
    result: AppealResult | None

    @property
    def input(self) -> dict[str, Any]:
        return self.record.get("input") or {}


def load_result(data: dict[str, Any]) -> AppealResult:
    """An AppealResult from its stored JSON (which carries the computed fields)."""
    clean = {k: v for k, v in data.items() if k not in _COMPUTED["result"]}
    denial = {k: v for k, v in clean["denial"].items() if k not in _COMPUTED["denial"]}
    return AppealResult.model_validate({**clean, "denial": denial})


def load(draft_id: str) -> Draft:
    """A stored draft and its result (None when drafting failed)."""
    record = current().store().get(draft_id)
    result = load_result(record["result"]) if record.get("result") else None
    return Draft(id=draft_id, record=record, result=result)


def today() -> dt.date:
    """The date the pipeline drafts for (fixed by config in tests and evals)."""
    return current().today()


def chart_of(draft: Draft) -> Chart:
    """The chart as submitted, parsed again (results do not carry it)."""
    from service.intake.request import read_chart

    return read_chart(draft.input.get("chart"), current().settings)


def save(draft_id: str, result: AppealResult, *, first: bool = False) -> AppealResult:
    """Store a result as held: drafting or editing never releases a letter by itself."""
    result = result.model_copy(update={"draft_id": draft_id, "status": DraftStatus.HELD})
    store = current().store()
    payer, deadline = result.denial.payer, result.triage.deadline
    if first:
        store.save_result(
            draft_id, "held", result.model_dump_json(), payer=payer, deadline=deadline
        )
    else:
        store.update_result(
            draft_id, result.model_dump_json(), status="held", payer=payer, deadline=deadline
        )
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
    result = save(draft.id, _draft(denial, chart_of(draft)))
    # Field names only: corrected values may be PHI.
    current().store().audit(draft.id, "corrected", {"fields": changed})
    return result


def add_notes(draft: Draft, notes: str) -> str:
    """A new draft whose chart is this one's plus the notes; the old one points to it."""
    old_chart = draft.input.get("chart")
    if old_chart is not None and not isinstance(old_chart, str):
        raise BadInput("Notes can be added only to a chart pasted as text.", field="notes")
    if not notes.strip():
        raise BadInput("The chart note is empty.", field="notes")
    if draft.result is None:
        raise BadInput("This draft has nothing to re-draft.", field="notes")
    chart_text = "\n\n".join(t for t in ((old_chart or "").rstrip(), notes.strip()) if t) + "\n"
    payload = {**draft.input, "chart": chart_text, "revises": draft.id}
    check_sizes(payload, max_bytes=current().settings.max_input_bytes)
    store = current().store()
    new_id = store.save_input("appeal", payload)
    from service.intake.request import read_chart

    try:
        result = _draft(draft.result.denial, read_chart(chart_text, current().settings))
    except OverturnError as err:
        store.mark_failed(new_id, err.slug)
        raise
    save(new_id, result, first=True)
    store.audit(draft.id, "superseded", {"by": new_id})
    store.audit(new_id, "revises", {"draft": draft.id})
    return new_id


def release(draft: Draft) -> AppealResult:
    """Mark a held draft released, only when its validator report passes."""
    if draft.result is None or not draft.result.report.ok or draft.result.letter is None:
        raise BadInput("Only a letter whose check passes can be released.", field="report")
    result = draft.result.model_copy(update={"status": DraftStatus.RELEASED})
    current().store().update_result(draft.id, result.model_dump_json(), status="released")
    return result
