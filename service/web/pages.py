"""Build the workspace's pages from stored drafts; views.py decides which to show."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from flask import render_template

from service.errors import OverturnError
from service.models import Category, PlanType, Strategy
from service.resources import current
from service.web import present, workflow

EXPORT_FORMATS = ("docx", "pdf")
MAX_LIST = 100


def exports_available() -> bool:
    """DOCX and PDF downloads appear once service/export.py exists."""
    return importlib.util.find_spec("service.render.files") is not None


def _problem(err: OverturnError | None) -> dict[str, Any] | None:
    if err is None:
        return None
    return {"title": err.title, "detail": err.detail, "field": err.fields.get("field")}


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


def draft_page(
    draft: workflow.Draft,
    form: Mapping[str, str] | None = None,
    err: OverturnError | None = None,
    section: str | None = None,
) -> str:
    """The draft page: what was understood, the evidence, the letter and its check."""
    result = draft.result
    assert result is not None  # callers show the paste page for a draft that failed
    chart = workflow.chart_of(draft)
    denial = result.denial
    return render_template(
        "draft.html",
        draft=draft,
        result=result,
        denial=denial,
        chart=chart,
        segments=present.highlight(denial.source_text, denial.sources),
        rows=present.evidence_rows(result, chart),
        codes=present.codes_view(result),
        urgency=present.urgency(result.triage.deadline, workflow.today()),
        value=_form_value(form),
        problem=_problem(err),
        problem_section=section,
        exports=exports_available(),
        superseded_by=_superseded_by(draft.id),
        notes_allowed=not isinstance(draft.input.get("chart"), dict),
        plan_types=list(PlanType),
        categories=Category,
        strategies=Strategy,
    )


def _is_superseded(draft_id: str) -> bool:
    return _superseded_by(draft_id) is not None


def drafts_page(show_all: bool) -> str:
    """Recent drafts, most urgent first: unreleased before released, then by deadline."""
    today = workflow.today()
    rows = current().store().list_recent(limit=MAX_LIST)
    hidden = 0
    shown = []
    for row in rows:
        if not show_all and _is_superseded(row["id"]):
            hidden += 1
            continue
        shown.append({**row, **present.urgency(row["deadline"], today)})
    # Released letters need no more work; a stable sort keeps the store's deadline order.
    shown.sort(key=lambda r: r["status"] == "released")
    return render_template("drafts.html", rows=shown, hidden=hidden, show_all=show_all)
