"""Chart intake from a JSON object: patient, provider, facts, and optional free-text notes."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from service.errors import InvalidCode, SchemaError
from service.intake.chart_text import classify, npi_is_valid, parse_chart_text, parse_date
from service.models import Chart, ChartFact, FactType, Person, Provider

_TOP_KEYS = frozenset({"patient", "provider", "facts", "notes", "source_text", "warnings"})
# Spellings people use for a fact type, beyond the FactType values themselves.
_TYPE_ALIASES = {
    "dx": FactType.DIAGNOSIS,
    "diagnoses": FactType.DIAGNOSIS,
    "symptoms": FactType.SYMPTOM,
    "treatment": FactType.PRIOR_TREATMENT,
    "prior_treatments": FactType.PRIOR_TREATMENT,
    "conservative_treatment": FactType.PRIOR_TREATMENT,
    "medications": FactType.MEDICATION,
    "meds": FactType.MEDICATION,
    "medication_trial": FactType.MEDICATION,
    "labs": FactType.LAB,
    "exam_finding": FactType.EXAM,
    "physical_exam": FactType.EXAM,
    "functional_limitation": FactType.FUNCTIONAL_LIMIT,
    "functional_limitations": FactType.FUNCTIONAL_LIMIT,
    "functional": FactType.FUNCTIONAL_LIMIT,
    "candidacy": FactType.SURGICAL_CANDIDACY,
}


class _Problems:
    """Collects (location, problem kind) pairs; never the offending values."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, location: str, problem: str) -> None:
        self.items.append({"location": location, "problem": problem})

    def add_validation(self, prefix: str, exc: ValidationError) -> None:
        for err in exc.errors(include_input=False, include_url=False):
            loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
            self.add(f"{prefix}{loc}", err["type"])

    def raise_if_any(self) -> None:
        if self.items:
            where = ", ".join(p["location"] for p in self.items)
            raise SchemaError(
                f"chart does not match the schema at: {where}",
                errors=self.items,
                locations=[p["location"] for p in self.items],
            )


def _with_dates(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """Accept '03/02/2017' and 'June 5, 2017' as well as ISO dates; blank strings as null."""
    out = dict(data)
    for key in keys:
        value = out.get(key)
        if isinstance(value, str):
            out[key] = parse_date(value) or (None if not value.strip() else value)
    return out


def _model(cls: type[BaseModel], raw: Any, where: str, problems: _Problems) -> Any:
    if raw is None:
        return cls()
    if not isinstance(raw, dict):
        problems.add(where, "object_type")
        return cls()
    data = _with_dates(raw, ("date_of_birth",))
    if isinstance(data.get("npi"), int):
        data["npi"] = str(data["npi"])
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        problems.add_validation(where, exc)
        return cls()


def _fact_type(raw: Any, text: str, where: str, problems: _Problems) -> tuple[FactType, bool]:
    if raw is None or raw == "":
        return classify(text)  # untyped facts are typed by the same table as pasted notes
    if not isinstance(raw, str):
        problems.add(where, "string_type")
        return FactType.OTHER, False
    key = re.sub(r"[\s\-]+", "_", raw.strip().lower())
    if key in FactType._value2member_map_:
        return FactType(key), False
    if key in _TYPE_ALIASES:
        return _TYPE_ALIASES[key], False
    problems.add(where, "unknown_fact_type")
    return FactType.OTHER, False


def _fact(raw: Any, i: int, problems: _Problems) -> ChartFact | None:
    where = f"facts[{i}]"
    if not isinstance(raw, dict):
        problems.add(where, "object_type")
        return None
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.add(f"{where}.text", "missing" if text is None else "empty_or_not_string")
        return None
    data = _with_dates(raw, ("date", "end_date"))
    ftype, negated = _fact_type(raw.get("type"), text, f"{where}.type", problems)
    data.update(type=ftype, text=text.strip(), id=raw.get("id") or "F0")
    if negated and not data.get("outcome"):
        data["outcome"] = "negated"
    if isinstance(data.get("codes"), str):
        data["codes"] = [c.strip() for c in re.split(r"[,;]", data["codes"]) if c.strip()]
    try:
        return ChartFact.model_validate(data)
    except ValidationError as exc:
        problems.add_validation(where, exc)
        return None


def _ids(raw_ids: list[Any], taken: set[str], warnings: list[str]) -> list[str]:
    """Keep given ids when unique; number the rest F1, F2, ... skipping ids in use."""
    given = [i for i in raw_ids if i]
    if len(set(given)) != len(given) or set(given) & taken:
        warnings.append("fact ids were not unique; all facts were renumbered")
        raw_ids = [None] * len(raw_ids)
    used, out, n = set(taken) | {i for i in raw_ids if i}, [], 0
    for given_id in raw_ids:
        if not given_id:
            n += 1
            while f"F{n}" in used:
                n += 1
            given_id = f"F{n}"
            used.add(given_id)
        out.append(given_id)
    return out


def _check_npi(provider: Provider) -> None:
    if provider.npi is not None and not npi_is_valid(provider.npi.strip()):
        raise InvalidCode(
            "provider.npi is not a valid NPI (10 digits with a valid check digit)",
            field="provider.npi",
        )


def _merge_notes(chart: Chart, notes: str) -> Chart:
    """Append the facts read from free-text notes; JSON fields win over what the notes say."""
    parsed = parse_chart_text(notes)
    warnings = list(chart.warnings) + parsed.warnings
    ids = _ids([None] * len(parsed.facts), {f.id for f in chart.facts}, warnings)
    facts = chart.facts + [
        f.model_copy(update={"id": i}) for f, i in zip(parsed.facts, ids, strict=True)
    ]
    patient = Person(
        **{k: getattr(chart.patient, k) or getattr(parsed.patient, k) for k in Person.model_fields}
    )
    # the provider is one person: take the JSON one whole if it says anything, else the notes'
    has_provider = any(v is not None for v in chart.provider.model_dump().values())
    provider = chart.provider if has_provider else parsed.provider
    return Chart(
        patient=patient, provider=provider, facts=facts, source_text=notes, warnings=warnings
    )


def parse_chart_json(obj: dict) -> Chart:
    """A chart as a JSON object -> Chart; SchemaError names wrong fields, never their values."""
    problems = _Problems()
    if not isinstance(obj, dict):
        problems.add("$", "object_type")
        problems.raise_if_any()
    for key in sorted(set(obj) - _TOP_KEYS):
        problems.add(key if key.isidentifier() and len(key) <= 40 else "$", "extra_forbidden")
    patient = _model(Person, obj.get("patient"), "patient", problems)
    provider = _model(Provider, obj.get("provider"), "provider", problems)
    raw_facts = obj.get("facts") or []
    if not isinstance(raw_facts, list):
        problems.add("facts", "list_type")
        raw_facts = []
    facts = [_fact(raw, i, problems) for i, raw in enumerate(raw_facts)]
    for i, raw in enumerate(raw_facts):
        if isinstance(raw, dict) and raw.get("id") is not None and not isinstance(raw["id"], str):
            problems.add(f"facts[{i}].id", "string_type")
    notes, source_text, warnings = (
        obj.get("notes"),
        obj.get("source_text") or "",
        obj.get("warnings") or [],
    )
    for key, value in (("notes", notes), ("source_text", source_text)):
        if value is not None and not isinstance(value, str):
            problems.add(key, "string_type")
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        problems.add("warnings", "list_of_strings")
    problems.raise_if_any()
    _check_npi(provider)
    kept = [f for f in facts if f is not None]
    warnings = list(warnings)
    ids = _ids([raw.get("id") for raw in raw_facts], set(), warnings)
    kept = [f.model_copy(update={"id": i}) for f, i in zip(kept, ids, strict=True)]
    chart = Chart(
        patient=patient, provider=provider, facts=kept, source_text=source_text, warnings=warnings
    )
    return _merge_notes(chart, notes) if notes and notes.strip() else chart
