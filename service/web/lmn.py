"""The workspace's letter-of-medical-necessity form: a provider's request fields and chart.

The form is flat (one box per field); the request the API takes is nested. FIELDS maps one to
the other, so a problem at `signer.npi` points at the `signer_npi` box and a correction is named
by the request path ("Signer's NPI"). A correction makes a new version of the draft (the
request is its input), as added chart notes do for an appeal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from service.errors import BadInput
from service.models import NecessityResult, ReadinessReport
from service.resources import current
from service.web import workflow

# form box -> path in the request body
FIELDS = {
    "patient_name": "patient.name",
    "date_of_birth": "patient.date_of_birth",
    "member_id": "patient.member_id",
    "payer": "payer",
    "plan_type": "plan_type",
    "service_code": "service.code",
    "service_description": "service.description",
    "quantity": "service.quantity",
    "frequency": "service.frequency",
    "duration": "service.duration",
    "diagnosis_codes": "diagnosis_codes",
    "purpose": "purpose",
    "signer_name": "signer.name",
    "signer_credentials": "signer.credentials",
    "signer_npi": "signer.npi",
    "signer_practice": "signer.practice",
    "signer_phone": "signer.phone",
    "signer_fax": "signer.fax",
    "signer_address": "signer.address",
    "chart": "chart",
}
BOX = {path: box for box, path in FIELDS.items()}
_SPLIT = re.compile(r"[,;\n]+")
Form = Mapping[str, str]


def box_for(path: str) -> str | None:
    """The form box a request path (or a problem's location) is typed in."""
    path = re.sub(r"\[\d+\].*$", "", path)  # diagnosis_codes[1].code -> diagnosis_codes
    return BOX.get(path)


def _date(raw: str) -> str:
    from service.intake.text import parse_date

    parsed = parse_date(raw)
    if parsed is None:
        raise BadInput(
            "The date of birth could not be read; use YYYY-MM-DD.", field="date_of_birth"
        )
    return parsed.isoformat()


def body_from(form: Form) -> dict[str, Any]:
    """The API's request body from the form; empty boxes are left out, so a missing required
    field is reported by name."""
    body: dict[str, Any] = {"patient": {}, "service": {}, "signer": {}}
    for box, path in FIELDS.items():
        raw = (form.get(box) or "").replace("\r\n", "\n")
        value: Any = raw if box == "chart" else " ".join(raw.split())
        if not value.strip():
            continue
        if box == "diagnosis_codes":
            value = [c.strip() for c in _SPLIT.split(raw) if c.strip()]
        elif box == "date_of_birth":
            value = _date(value)
        head, _, tail = path.partition(".")
        if tail:
            body[head][tail] = value
        else:
            body[head] = value
    return body


def values_of(body: Mapping[str, Any]) -> dict[str, str]:
    """The form boxes for a stored request (to show it again, and to see what changed)."""
    out: dict[str, str] = {}
    for box, path in FIELDS.items():
        head, _, tail = path.partition(".")
        value = body.get(head)
        if tail:
            value = value.get(tail) if isinstance(value, dict) else None
        if box == "diagnosis_codes" and isinstance(value, list):
            value = ", ".join(d.get("code", "") if isinstance(d, dict) else str(d) for d in value)
        out[box] = "" if value is None or isinstance(value, dict) else str(value)
    return out


def changed_paths(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The request paths whose values differ (compared as the form shows them)."""
    before, after = values_of(old), values_of(new)
    squeeze = " ".join
    return [
        FIELDS[box] for box in FIELDS if squeeze(before[box].split()) != squeeze(after[box].split())
    ]


def readiness(form: Form) -> ReadinessReport:
    """Which of the payer's criteria the chart documents; nothing is kept."""
    from service.intake.necessity import parse_request
    from service.pipelines.necessity import check_readiness

    res = current()
    return check_readiness(
        parse_request(body_from(form)), settings=res.settings, retriever=res.retriever()
    )


def start(form: Form) -> str:
    """Read the request, keep it, draft the letter held for review; returns the draft id."""
    from service.pipelines.necessity import submit_necessity

    result = submit_necessity(body_from(form), current(), hold=True)
    assert result.draft_id is not None
    return result.draft_id


def correct(draft: workflow.Draft, form: Form) -> tuple[str, list[str]]:
    """A new version from the corrected request; (its id, the changed paths). The same id and
    no paths when nothing changed."""
    from service.pipelines.necessity import submit_necessity

    body = body_from(form)
    changed = changed_paths(draft.input, body)
    if not changed:
        return draft.id, []
    result: NecessityResult = submit_necessity(body, current(), hold=True)
    assert result.draft_id is not None
    workflow.replace(draft, result.draft_id, changed)
    # Field names only: corrected values may be PHI.
    current().store().audit(result.draft_id, "corrected", {"fields": changed})
    return result.draft_id, changed
