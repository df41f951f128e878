"""Build the workspace's pages from stored drafts; views.py decides which to show."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from flask import render_template
from pydantic import ValidationError

from service.errors import OverturnError
from service.field_labels import label, labels
from service.models import Category, PlanType, Purpose, ReadinessReport, Strategy
from service.resources import current
from service.web import present, states, workflow

EXPORT_FORMATS = ("docx", "pdf")
# Problem titles the API words for developers, said for the person at the form.
_TITLES = {"schema": "Some fields are missing or not in the form expected"}
MAX_LIST = 100


def exports_available() -> bool:
    """DOCX and PDF downloads appear once service/render/files.py exists."""
    return importlib.util.find_spec("service.render.files") is not None


def _problem(err: OverturnError | None) -> dict[str, Any] | None:
    """A refused request for the page: the field names a biller knows, never a path."""
    if err is None:
        return None
    field = err.fields.get("field")
    located = err.fields.get("locations") or err.fields.get("fields") or []
    return {
        "title": _TITLES.get(err.slug, err.title),
        "detail": err.detail,
        "field": field,
        "field_label": label(str(field)) if field else None,
        "fields": labels(str(p) for p in located) if isinstance(located, list) else [],
    }


def paste_page(
    values: Mapping[str, Any] | None = None,
    err: OverturnError | None = None,
    failed: dict[str, Any] | None = None,
) -> str:
    """The paste form, refilled with what the person sent when a request failed."""
    values = values or {}
    chart = values.get("chart")
    return render_template(
        "paste.html",
        denial=values.get("denial") if isinstance(values.get("denial"), str) else "",
        chart=chart if isinstance(chart, str) else "",
        problem=_problem(err),
        failed=failed,
    )


def necessity_form_page(
    values: Mapping[str, str] | None = None,
    err: OverturnError | None = None,
    readiness: ReadinessReport | None = None,
    failed: dict[str, Any] | None = None,
) -> str:
    """The letter-of-medical-necessity form; its readiness check, when asked for, above it."""
    return render_template(
        "necessity_new.html",
        value=_form_value(values),
        problem=_problem(err),
        readiness=readiness,
        failed=failed,
        stored={},
        **_necessity_choices(),
    )


def _necessity_choices() -> dict[str, Any]:
    from service.web.lmn import FIELDS

    return {"plan_types": list(PlanType), "purposes": list(Purpose), "box_paths": FIELDS}


def _form_value(form: Mapping[str, str] | None):
    """A template helper: the submitted value when re-showing a failed form, else the default."""

    def value(name: str, default: Any = "") -> Any:
        if form is not None and name in form:
            return form[name]
        return "" if default is None else default

    return value


def _superseded_by(draft_id: str) -> str | None:
    trail = current().store().audit_trail(draft_id)
    later = [e["detail"].get("by") for e in trail if e["event"] == "superseded"]
    return later[-1] if later else None


def _common(draft: workflow.Draft, result: workflow.Result) -> dict[str, Any]:
    """What both kinds of draft page show: state, checks, downloads, newer versions."""
    status = result.status.value
    return {
        "draft": draft,
        "result": result,
        "kind_name": workflow.KIND_NAMES[draft.kind],
        "state": states.state_of(status, result.report.ok),
        "problems": present.problem_rows(
            result.report, draft.kind, present.criterion_names(result)
        ),
        "exports": exports_available(),
        "superseded_by": _superseded_by(draft.id),
    }


def draft_page(
    draft: workflow.Draft,
    form: Mapping[str, str] | None = None,
    err: OverturnError | None = None,
    section: str | None = None,
) -> str:
    """A draft in sections: what was read, criteria and evidence, the letter, its checks."""
    page = {"value": _form_value(form), "problem": _problem(err), "problem_section": section}
    if isinstance(draft.result, workflow.AppealResult):
        return _appeal_page(draft, draft.result, page)
    return _necessity_page(draft, draft.necessity, page)


def _appeal_page(draft: workflow.Draft, result: workflow.AppealResult, page: dict[str, Any]) -> str:
    chart = workflow.chart_of(draft)
    denial = result.denial
    return render_template(
        "draft.html",
        **_common(draft, result),
        **page,
        denial=denial,
        chart=chart,
        identity=present.identity(denial, chart, "denial"),
        segments=present.highlight(denial.source_text, denial.sources),
        rows=present.evidence_rows(result, chart),
        codes=present.codes_view(result),
        urgency=present.urgency(result.triage.deadline, workflow.today()),
        notes_allowed=not isinstance(draft.input.get("chart"), dict),
        plan_types=list(PlanType),
        categories=Category,
        strategies=Strategy,
    )


def _necessity_page(
    draft: workflow.Draft, result: workflow.NecessityResult, page: dict[str, Any]
) -> str:
    from service.web.lmn import values_of

    chart = workflow.chart_of(draft)
    patient = draft.input.get("patient") or {}
    return render_template(
        "necessity_draft.html",
        **_common(draft, result),
        **page,
        stored=values_of(draft.input),
        chart=chart,
        identity=present.identity(_Request(patient), chart, "request"),
        readiness=result.readiness,
        **_necessity_choices(),
    )


class _Request:
    """The request's patient block read like a Person (name, member_id, date_of_birth)."""

    def __init__(self, patient: Mapping[str, Any]) -> None:
        self.name = patient.get("name")
        self.member_id = patient.get("member_id")
        self.date_of_birth = patient.get("date_of_birth")


def drafts_page(state: str | None, payer: str | None, show_failed: bool, show_all: bool) -> str:
    """The worklist: most urgent first, filtered by state and payer; failed attempts and
    replaced versions hidden unless asked for."""
    store = current().store()
    picked = state if state in states.BY_KEY else None
    show_failed = show_failed or picked in states.FAILED
    rows = store.list_recent(
        limit=MAX_LIST, payer=payer or None, **states.list_filter(picked, show_failed)
    )
    today = workflow.today()
    shown, replaced = [], 0
    for row in rows:
        if not show_all and _superseded_by(row["id"]) is not None:
            replaced += 1
            continue
        summary = row["summary"] or _backfill(row) or {}
        shown.append(
            {
                **row,
                **present.urgency(row["deadline"], today),
                **{k: summary.get(k) for k in ("patient", "service", "reference")},
                "state": states.state_of(row["status"], _ready(row, summary)),
                "kind_name": workflow.KIND_NAMES.get(row["kind"], row["kind"]),
            }
        )
    # Released letters and failed attempts need no more work: after the rest, deadline order kept.
    shown.sort(key=lambda r: (r["status"] in states.FAILED, r["status"] == "released"))
    failed_hidden = 0 if show_failed else sum(store.count(s) for s in states.FAILED)
    return render_template(
        "drafts.html",
        rows=shown,
        replaced=replaced,
        failed_hidden=failed_hidden,
        filters={"state": picked, "payer": payer or "", "failed": show_failed, "all": show_all},
        states=states.STATES,
        payers=store.payers(),
    )


def _ready(row: dict[str, Any], summary: dict[str, Any]) -> bool | None:
    return row["ready"] if row["ready"] is not None else summary.get("ready")


def _backfill(row: dict[str, Any]) -> dict[str, Any] | None:
    if row["status"] not in ("held", "released"):
        return None
    try:
        return workflow.backfill_summary(row)
    except (OverturnError, ValidationError):
        return None  # an old draft that cannot be read again shows without its summary
