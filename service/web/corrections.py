"""Turn the "what we understood" form into a corrected Denial.

A field the form leaves out keeps its parsed value; a field the person changed loses its source
span (the highlight would point at text that no longer says that value).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from service.errors import BadInput, InvalidCode
from service.intake import codes
from service.intake.text import parse_date
from service.models import (
    Adjustment,
    Chart,
    CodeSystem,
    Denial,
    DiagnosisCode,
    PlanType,
    ServiceLine,
    StatedCriterion,
)
from service.models.denial import DENIAL_DATE_FIELDS, DENIAL_TEXT_FIELDS

TEXT_FIELDS = DENIAL_TEXT_FIELDS
DATE_FIELDS = DENIAL_DATE_FIELDS
_SPLIT = re.compile(r"[,;\n]+")
_ADJ = re.compile(r"^(?:(CO|PR|OA|PI|CR)\s*-?\s*)?([A-Z]?\d{1,3}|[A-Z]\d?)$")
_COMPUTED = ("service_codes", "carc_codes")
Form = Mapping[str, str]


def _text(value: str) -> str | None:
    return " ".join(value.split()) or None


def _date(form: Form, name: str) -> Any:
    raw = form[name].strip()
    if not raw:
        return None
    parsed = parse_date(raw)
    if parsed is None:
        raise BadInput("This date could not be read; use YYYY-MM-DD.", field=name)
    return parsed


def _dates(raw: str) -> list[Any]:
    out = []
    for part in (p.strip() for p in _SPLIT.split(raw)):
        if part:
            parsed = parse_date(part)
            if parsed is None:
                raise BadInput("A date of service could not be read.", field="dates_of_service")
            out.append(parsed)
    return out


def _code_system(code: str) -> CodeSystem:
    if codes.is_cpt(code):
        return CodeSystem.CPT
    return CodeSystem.HCPCS if codes.is_hcpcs(code) else CodeSystem.OTHER


def _service_lines(form: Form, old: list[ServiceLine]) -> list[ServiceLine]:
    out = []
    for i in range(len(old) + 1):
        code = (form.get(f"service_lines-{i}-code") or "").strip().upper()
        desc = _text(form.get(f"service_lines-{i}-description") or "") or ""
        if not code and not desc:
            continue  # a cleared row removes the line; the blank extra row adds nothing
        base = old[i] if i < len(old) else ServiceLine()
        system = base.code_system if code == base.code else _code_system(code)
        out.append(
            base.model_copy(
                update={
                    "code": code or None,
                    "description": desc,
                    "code_system": system,
                }
            )
        )
    return out


def _diagnoses(raw: str, old: list[DiagnosisCode]) -> list[DiagnosisCode]:
    known = {d.code: d for d in old}
    out = []
    for part in (p.strip() for p in _SPLIT.split(raw)):
        if not part:
            continue
        code = codes.normalize_icd10(part.split()[0])
        if code in known:
            out.append(known[code])
            continue
        if not codes.is_valid_icd10(code):
            raise InvalidCode(
                "A diagnosis code is not a valid ICD-10-CM code.", field="diagnosis_codes"
            )
        out.append(
            DiagnosisCode(
                code=code,
                description=codes.icd10_description(code),
                billable=codes.is_billable_icd10(code),
            )
        )
    return out


def _adjustments(raw: str, old: list[Adjustment]) -> list[Adjustment]:
    known = {(a.group or "", a.carc): a for a in old}
    out = []
    for part in (p.strip().upper() for p in _SPLIT.split(raw)):
        if not part:
            continue
        m = _ADJ.match(part)
        if not m:
            raise InvalidCode(
                "Write adjustments as group and reason code, like CO-50.", field="adjustments"
            )
        group, carc = m.group(1), m.group(2)
        out.append(
            known.get((group or "", carc))
            or Adjustment(group=group, carc=carc, label=codes.carc_label(carc))
        )
    return out


def _remarks(raw: str) -> list[str]:
    out = [p.strip().upper() for p in _SPLIT.split(raw) if p.strip()]
    if any(not codes.is_rarc_shape(c) for c in out):
        raise InvalidCode(
            "A remark code does not look like a RARC (e.g. N115).", field="remark_codes"
        )
    return out


def _criteria(form: Form, old: list[StatedCriterion]) -> list[StatedCriterion]:
    texts = []
    for i in range(len(old) + 1):
        value = _text(form.get(f"stated_criteria-{i}") or "")
        if value:
            span = old[i].span if i < len(old) and old[i].text == value else None
            texts.append((value, span))
    return [StatedCriterion(id=f"SC{n}", text=t, span=s) for n, (t, s) in enumerate(texts, 1)]


def _deadline_days(form: Form, old: Denial) -> Any:
    raw = form["deadline_days"].strip()
    if not raw:
        return old.appeal_instructions.model_copy(update={"deadline_days": None})
    if not raw.isdigit() or not 0 < int(raw) < 1000:
        raise BadInput("The appeal window must be a number of days.", field="deadline_days")
    return old.appeal_instructions.model_copy(update={"deadline_days": int(raw)})


def _updates(form: Form, old: Denial) -> dict[str, Any]:
    """The denial fields the form states, parsed."""
    lists: dict[str, Callable[[], Any]] = {
        "plan_type": lambda: PlanType(form["plan_type"]),
        "dates_of_service": lambda: _dates(form["dates_of_service"]),
        "diagnosis_codes": lambda: _diagnoses(form["diagnosis_codes"], old.diagnosis_codes),
        "adjustments": lambda: _adjustments(form["adjustments"], old.adjustments),
        "remark_codes": lambda: _remarks(form["remark_codes"]),
        "appeal_instructions": lambda: _deadline_days(form, old),
    }
    keys = {"appeal_instructions": "deadline_days"}
    out: dict[str, Any] = {k: _text(form[k]) for k in TEXT_FIELDS if k in form}
    out.update({k: _date(form, k) for k in DATE_FIELDS if k in form})
    out.update({k: make() for k, make in lists.items() if keys.get(k, k) in form})
    if "service_lines-0-code" in form:
        out["service_lines"] = _service_lines(form, old.service_lines)
    if "stated_criteria-0" in form:
        out["stated_criteria"] = _criteria(form, old.stated_criteria)
    return out


def _kept_sources(old: Denial, new: Denial) -> dict[str, Any]:
    """Source spans whose value the correction left as it was."""
    kept = {}
    for path, span in old.sources.items():
        m = re.match(r"^(\w+)(?:\[(\d+)\])?", path)
        if not m:
            continue
        name, index = m.group(1), m.group(2)
        before, after = getattr(old, name, None), getattr(new, name, None)
        if index is not None and isinstance(before, list) and isinstance(after, list):
            i = int(index)
            before = before[i] if i < len(before) else None
            after = after[i] if i < len(after) else None
        if before == after:
            kept[path] = span
    return kept


def _from_chart(denial: Denial, chart: Chart | None, updates: dict[str, Any]) -> set[str]:
    """Identity fields the denial left blank whose box still shows the chart's value (the page
    fills them from the chart): leaving one as shown is not a correction."""
    if chart is None:
        return set()
    shown = {
        "patient_name": chart.patient.name,
        "member_id": chart.patient.member_id,
        "date_of_birth": chart.patient.date_of_birth,
    }
    return {
        k
        for k, v in shown.items()
        if v is not None and getattr(denial, k) is None and updates.get(k) == v
    }


def correct(denial: Denial, form: Form, chart: Chart | None = None) -> tuple[Denial, list[str]]:
    """The denial with the form's corrections, and the names of the fields that changed."""
    updates = _updates(form, denial)
    for name in _from_chart(denial, chart, updates):
        del updates[name]
    changed = [k for k, v in updates.items() if getattr(denial, k) != v]
    if not changed:
        return denial, []
    base = denial.model_dump(exclude=set(_COMPUTED))
    base.update(updates)
    new = Denial.model_validate(base)
    return new.model_copy(update={"sources": _kept_sources(denial, new)}), changed
