"""Which of a policy's coverage criteria apply to this request (purpose, service).

A policy for several items lists criteria per item, and renewal criteria only bind a
continuation request. Letting every item count would report gaps no reviewer would ask about.
Only general rules live here: a "Continued coverage"/"Renewal" criterion binds only a
continuation request; a criterion labelled with an item the lead-in ties to other codes binds
only those codes. What a policy needs to say about itself belongs in the policy document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.models import NecessityCase, PolicyPassage, Purpose
from service.policies.criteria import criterion_text, is_item, lead_in

_ITEM = re.compile(r"^\s*([a-z])\.\s+")
# A criterion about keeping coverage after the first period opens with one of these words.
_RENEWAL = re.compile(
    r"^\s*\d+\.\s+(?:[\w -]+:\s*)?(?:continued|continuation|continuing|renewal|renewals|"
    r"re-?authorization)\b",
    re.I,
)
_LABEL = re.compile(r"^\s*\d+\.\s+([A-Za-z][\w -]{2,40}?):")
# "2. For rheumatoid arthritis or psoriatic arthritis: ...": a label naming conditions
_CONDITION_LABEL = re.compile(r"^\s*\d+\.\s+(?:for\s+)?([A-Za-z][\w ,'-]{2,80}?):", re.I)
_CODE = re.compile(r"\b([A-V]\d{4}|\d{5})\b")


@dataclass
class Applicable:
    passages: list[PolicyPassage]  # criteria that apply, narrowed to the sub-items that apply
    items: dict[str, list[str]]  # passage id -> sub-item letters kept, when narrowed
    skipped: dict[str, str]  # passage id -> why the criterion does not apply
    codes: list[str] = field(default_factory=list)  # the requested service codes


def narrow(text: str, keep: list[str]) -> str:
    """The criterion text with only the sub-items whose letters are in `keep`."""
    out, current = [], None
    for line in text.splitlines():
        m = _ITEM.match(line)
        if m:
            current = m.group(1)
        if current is None or current in keep:
            out.append(line)
    return "\n".join(out)


def _body(passage: PolicyPassage) -> str:
    m = re.search(r"^\s*\d+\.\s+", passage.text, re.M)
    return passage.text[m.start() :] if m else passage.text


def _codes_in(text: str) -> tuple[set[str], list[str]]:
    """Codes a parenthetical names, and those named as 'X and above' (open ranges)."""
    named = set(_CODE.findall(text))
    above = re.findall(r"\b([A-V]\d{4}|\d{5}) and above\b", text)
    return named, above


def _label_codes(passage: PolicyPassage) -> tuple[str, set[str], list[str]] | None:
    """(label, codes, open ranges) when the lead-in ties the criterion's label to codes:
    "a power wheelchair (for example K0823, or K0835 and above ...) also needs ..."."""
    m = _LABEL.match(_body(passage))
    if not m:
        return None
    label = m.group(1).strip().lower()
    tied = re.search(rf"\b{re.escape(label)}s? \(([^()]*)\)", lead_in(passage), re.I)
    if not tied:
        return None
    named, above = _codes_in(tied.group(1))
    return (label, named, above) if named else None


def _general_why_not(passage: PolicyPassage, case: NecessityCase) -> str | None:
    """The general rules: renewal criteria, and criteria for an item of other codes."""
    if case.request.purpose is not Purpose.CONTINUATION_OF_CARE and _RENEWAL.match(_body(passage)):
        return "Does not apply to a first request: it governs continued coverage or renewal"
    tied = _label_codes(passage)
    code = case.denial.service_codes[0] if case.denial.service_codes else ""
    if tied and code:
        label, named, above = tied
        description = case.request.service.description.lower()
        same_kind = label in description or code in named
        if not same_kind and not any(code[0] == a[0] and code >= a for a in above):
            return f"Does not apply to the requested code: it governs a {label}"
    return None


def _condition_why_not(passage: PolicyPassage, case: NecessityCase) -> str | None:
    """A criterion labelled with a condition ("2. Plaque psoriasis: ...") binds a request only
    when one of its diagnoses is that condition, read through the shared vocabulary."""
    from service.evidence.vocabulary import category, clinical
    from service.intake.codes import icd10_description

    m = _CONDITION_LABEL.match(_body(passage))
    dx = case.denial.diagnosis_codes
    if not m or not dx:
        return None
    named = {c for c in clinical().concepts_in(m.group(1)) if category(c) == "conditions"}
    if not named:
        return None
    described = " ".join(f"{d.description} {icd10_description(d.code) or ''}" for d in dx)
    if named & set(clinical().concepts_in(described)):
        return None
    return f"Does not apply to the requested diagnosis: it governs {m.group(1).strip().lower()}"


def _declared(p: PolicyPassage, case: NecessityCase) -> tuple[str | None, PolicyPassage, list[str]]:
    """What the policy says about the criterion (evidence/scope.py): why it does not bind, or
    the passage narrowed to its items that are not plan rules (and their letters)."""
    from service.evidence.scope import binding_text, item_letters, why_not
    from service.render import phrase

    body = criterion_text(p)
    why = why_not(p, body, case.denial, case.request.purpose.value)
    if why:
        return phrase("report", "not_binding", why=why), p, []
    kept = binding_text(p, body)
    if kept == body:
        return None, p, []
    return None, p.model_copy(update={"text": p.text.replace(body, kept)}), item_letters(kept)


def applicable(passages: list[PolicyPassage], case: NecessityCase) -> Applicable:
    """Split the policy's criteria into those that bind this request and those that do not."""
    kept: list[PolicyPassage] = []
    skipped: dict[str, str] = {}
    items: dict[str, list[str]] = {}
    for p in passages:
        if not is_item(p):
            skipped[p.id] = "A note to the criteria (an exemption), not a requirement."
            continue
        declared, narrowed, letters = _declared(p, case)
        why = declared or _general_why_not(p, case) or _condition_why_not(p, case)
        if why:
            skipped[p.id] = why
            continue
        if letters:
            items[p.id] = letters
        kept.append(narrowed)
    return Applicable(
        passages=kept, items=items, skipped=skipped, codes=list(case.denial.service_codes)
    )
