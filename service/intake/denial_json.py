"""Accept a denial as JSON in the Denial schema, checking every code it carries."""

from __future__ import annotations

import re

from pydantic import ValidationError

from service import errors
from service.intake import codes
from service.models import CodeSystem, Denial, ServiceLine

_GROUPS = {"CO", "PR", "OA", "PI", "CR"}
_NDC = re.compile(r"^(?:\d{4}-\d{4}-\d{2}|\d{5}-\d{3}-\d{2}|\d{5}-\d{4}-\d{1,2}|\d{10,11})$")
_STRUCTURED = set(Denial.model_fields) - {"source_text", "sources", "warnings"}


def parse_denial_json(obj: dict) -> Denial:
    """Validate a JSON denial; a bare {"source_text": ...} is parsed as pasted text."""
    if not isinstance(obj, dict):
        raise errors.SchemaError(
            "The denial must be a JSON object.", errors=[{"loc": "", "type": "dict_type"}]
        )
    if isinstance(obj.get("source_text"), str) and not _STRUCTURED & {
        k for k, v in obj.items() if v
    }:
        from service.intake.denial_text import parse_denial_text

        return parse_denial_text(obj["source_text"])
    try:
        denial = Denial.from_json_obj(obj)
    except ValidationError as exc:
        # Locations and error types only: the rejected input values may be PHI.
        problems = [
            {"loc": ".".join(str(p) for p in e["loc"]), "type": e["type"], "msg": e["msg"]}
            for e in exc.errors(include_input=False, include_url=False, include_context=False)
        ]
        raise errors.SchemaError("The denial does not match the schema.", errors=problems) from exc
    _check_sources(denial)
    return _checked_codes(denial)


def _invalid(field: str, system: str) -> errors.InvalidCode:
    return errors.InvalidCode(f"{field} is not a valid {system} code.", field=field, system=system)


def _checked_codes(denial: Denial) -> Denial:
    diagnoses = []
    for i, dx in enumerate(denial.diagnosis_codes):
        if not codes.is_valid_icd10(dx.code):
            raise _invalid(f"diagnosis_codes[{i}].code", "ICD-10-CM")
        norm = codes.normalize_icd10(dx.code)
        desc = dx.description or codes.icd10_description(norm)
        diagnoses.append(
            dx.model_copy(
                update={
                    "code": norm,
                    "description": desc,
                    "billable": codes.is_billable_icd10(norm),
                }
            )
        )
    lines = [_checked_line(i, line) for i, line in enumerate(denial.service_lines)]
    adjustments = []
    for i, adj in enumerate(denial.adjustments):
        if not codes.is_carc_shape(adj.carc):
            raise _invalid(f"adjustments[{i}].carc", "CARC")
        if adj.group is not None and adj.group.upper() not in _GROUPS:
            raise _invalid(f"adjustments[{i}].group", "claim adjustment group")
        carc = adj.carc.upper().lstrip("0") or "0"
        update = {
            "carc": carc,
            "group": adj.group.upper() if adj.group else None,
            "label": adj.label or codes.carc_label(carc),
        }
        adjustments.append(adj.model_copy(update=update))
    for i, code in enumerate(denial.remark_codes):
        if not codes.is_rarc_shape(code):
            raise _invalid(f"remark_codes[{i}]", "RARC")
    return denial.model_copy(
        update={
            "diagnosis_codes": diagnoses,
            "service_lines": lines,
            "adjustments": adjustments,
            "remark_codes": [c.upper() for c in denial.remark_codes],
        }
    )


def _checked_line(i: int, line: ServiceLine) -> ServiceLine:
    """Check one service line's code against its code system (inferring CPT/HCPCS for "other")."""
    if not line.code:
        return line
    code = line.code.strip().upper()
    system = line.code_system
    if system is CodeSystem.OTHER:
        if codes.is_cpt(code):
            system = CodeSystem.CPT
        elif codes.is_hcpcs(code):
            system = CodeSystem.HCPCS
    checks = {
        CodeSystem.CPT: codes.is_cpt,
        CodeSystem.HCPCS: codes.is_hcpcs,
        CodeSystem.NDC: lambda c: bool(_NDC.match(c)),
    }
    check = checks.get(system)
    if check and not check(code):
        raise _invalid(f"service_lines[{i}].code", system.value)
    return line.model_copy(update={"code": code, "code_system": system})


def _check_sources(denial: Denial) -> None:
    size = len(denial.source_text)
    for key, span in denial.sources.items():
        if span.start > span.end or span.end > size:
            raise errors.SchemaError(
                "A source span lies outside source_text.",
                errors=[{"loc": f"sources.{key}", "type": "span_out_of_range", "msg": "bad span"}],
            )
