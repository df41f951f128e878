"""A necessity request: its schema check, the letter kind its code calls for, and the parsed
inputs the shared stages take.

The evidence map, policy selection and validator read a Denial; a prior-authorization request
has none, so the request is carried in a Denial-shaped record with no denial in it (no claim,
no adjustments, no stated criteria): only the payer, plan, patient, service and diagnoses.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from service.config import Settings
from service.errors import BadInput, InvalidCode, SchemaError
from service.intake.chart import parse_chart
from service.intake.chart_text import npi_is_valid
from service.intake.codes import (
    icd10_description,
    is_cpt,
    is_hcpcs,
    is_valid_icd10,
    normalize_icd10,
)
from service.intake.payers import identify_payer
from service.intake.text import read_text
from service.models import (
    Chart,
    CodeSystem,
    Denial,
    DiagnosisCode,
    LetterKind,
    NecessityCase,
    NecessityRequest,
    Person,
    Provider,
    ServiceLine,
)


def _code_system(code: str, given: CodeSystem | None) -> CodeSystem:
    if given is not None:
        return given
    if is_cpt(code):
        return CodeSystem.CPT
    return CodeSystem.HCPCS if is_hcpcs(code) else CodeSystem.OTHER


def _diagnoses(request: NecessityRequest) -> list[DiagnosisCode]:
    out = []
    for i, dx in enumerate(request.diagnosis_codes):
        if not is_valid_icd10(dx.code):
            raise InvalidCode(
                f"Diagnosis code {i + 1} is not an ICD-10-CM code.",
                field=f"diagnosis_codes[{i}].code",
            )
        code = normalize_icd10(dx.code)
        out.append(DiagnosisCode(code=code, description=dx.description or icd10_description(code)))
    return out


def _payer(value: str) -> tuple[str, str | None]:
    """(display name, payer id) for an id or a name; unknown payers keep their name."""
    name, payer_id, _ = identify_payer(value)
    if payer_id:
        return name or value, payer_id
    return value.strip(), None


def _chart(data: Any, request: NecessityRequest, settings: Settings) -> Chart:
    if isinstance(data, str | bytes) and data.strip():
        data = read_text(data, max_bytes=settings.max_input_bytes, field="chart")
    chart = parse_chart(data if data else None)
    s, p = request.signer, request.patient
    if not npi_is_valid(s.npi.strip()):
        raise InvalidCode(
            "The signer's NPI is not a valid NPI (10 digits with a valid check digit).",
            field="signer.npi",
        )
    # The signing provider is the treating provider the letter speaks for.
    provider = Provider(
        name=s.name,
        credentials=s.credentials,
        npi=s.npi.strip(),
        practice=s.practice or settings.practice_name or None,
        address=s.address or settings.practice_address or None,
        phone=s.phone or settings.practice_phone or None,
        fax=s.fax or settings.practice_fax or None,
    )
    patient = Person(
        name=p.name or chart.patient.name,
        date_of_birth=p.date_of_birth or chart.patient.date_of_birth,
        member_id=p.member_id or chart.patient.member_id,
    )
    return chart.model_copy(update={"provider": provider, "patient": patient})


def build_case(request: NecessityRequest, settings: Settings) -> NecessityCase:
    """Validate codes, parse the chart, resolve the payer, and pick the letter kind."""
    svc = request.service
    code = svc.code.strip().upper()
    system = _code_system(code, svc.code_system)
    if system is CodeSystem.OTHER:
        raise InvalidCode("The service code is not a CPT or HCPCS code.", field="service.code")
    if not request.patient.name:
        raise BadInput("The patient's name is needed for a letter.", field="patient.name")
    payer_name, payer_id = _payer(request.payer)
    chart = _chart(request.chart, request, settings)
    denial = Denial(
        payer=payer_name,
        plan_type=request.plan_type,
        patient_name=chart.patient.name,
        member_id=chart.patient.member_id,
        date_of_birth=chart.patient.date_of_birth,
        service_lines=[ServiceLine(code=code, code_system=system, description=svc.description)],
        diagnosis_codes=_diagnoses(request),
        # what the request itself states may be printed: it is a source the validator grounds on
        source_text=svc.model_dump_json(),
    )
    kind = request.letter_kind or infer_kind(code, system)
    return NecessityCase(request=request, denial=denial, chart=chart, payer_id=payer_id, kind=kind)


# HCPCS Level II ranges (CMS HCPCS file structure): J drugs given other than orally, Q5 biosimilars;
# E durable medical equipment, K temporary DME codes (power mobility), L orthotics and prosthetics,
# A4-A9 medical supplies. CPT 97xxx is physical medicine and rehabilitation, 925xx speech therapy.
_DRUG = re.compile(r"^(?:J\d{4}|Q5\d{3})$")
_DME = re.compile(r"^(?:[EKL]\d{4}|A[4-9]\d{3})$")
_THERAPY = re.compile(r"^(?:97\d{3}|925\d{2})$")


def infer_kind(code: str, code_system: CodeSystem | None) -> LetterKind:
    """The letter kind a service code calls for; a procedure when nothing more specific fits."""
    code = code.strip().upper()
    if code_system in (CodeSystem.NDC, CodeSystem.DRUG) or _DRUG.match(code):
        return LetterKind.DRUG
    if _DME.match(code):
        return LetterKind.DME
    if _THERAPY.match(code):
        return LetterKind.THERAPY
    return LetterKind.PROCEDURE


def template_id(kind: LetterKind) -> str:
    """The template (and required-elements spec) of a letter kind."""
    return f"necessity_{kind.value}"


def parse_request(body: dict[str, Any]) -> NecessityRequest:
    """The request model; errors name the fields at fault, never their values."""
    try:
        return NecessityRequest.model_validate(body)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False, include_context=False)
        locations = [".".join(str(p) for p in e["loc"]) for e in errors]
        raise SchemaError(
            f"The request does not match the schema at: {', '.join(locations)}",
            locations=locations,
            errors=[
                {"location": loc, "problem": e["type"]}
                for loc, e in zip(locations, errors, strict=True)
            ],
        ) from exc
