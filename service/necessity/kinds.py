"""Which letter a service needs (procedure, drug, DME, therapy), from its billing code."""

from __future__ import annotations

import re

from service.models import CodeSystem
from service.necessity.models import LetterKind

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
