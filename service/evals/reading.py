"""Score the parsers on reading cases: denials, charts and payer policies with answer keys.

A case is one YAML file (evals/reading/README.md): the text as it arrives and what a careful
reader finds in it. This module reads each text with the same parsers the pipeline uses and
compares field by field; it never looks at a case's id or layout, only at its text and key.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from service.errors import OverturnError

DENIAL_FIELDS = (
    "payer", "reviewer", "employer_group", "plan_type", "patient_name", "member_id",
    "date_of_birth", "claim_number", "reference_number", "dates_of_service", "denial_date",
    "service_codes", "diagnosis_codes", "carc_codes", "rendering_provider", "appeal_address",
    "appeal_fax", "deadline_days", "network", "category", "criteria_logic",
)  # fmt: skip
CHART_FIELDS = (
    "patient_name", "date_of_birth", "member_id", "clinician_name", "clinician_credentials",
    "clinician_npi", "practice_name", "practice_phone", "practice_fax",
)  # fmt: skip
POLICY_FIELDS = ("payer", "policy_id", "title", "effective_date", "revision_date", "codes")
PARTIES = ("payer", "reviewer", "employer_group")
CLINICIAN = ("clinician_name", "clinician_credentials", "clinician_npi")
PHONES = {"appeal_fax", "practice_phone", "practice_fax"}
SETS = {"dates_of_service", "service_codes", "diagnosis_codes", "carc_codes", "codes"}
_MARKER = re.compile(r"^\s*(?:\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]|[•*\-o·])\s+", re.I)
_JOINER = re.compile(r"(?:[;,]\s*(?:and|or)|[;,.:])\s*$", re.I)


def load_cases(folder: Path, pattern: str = "*", exclude: str | None = None) -> list[dict]:
    """The cases in the folder whose file name matches the glob (and not `exclude`), by name."""
    paths = sorted(folder.glob(f"{pattern.removesuffix('.yaml')}.yaml"))
    if exclude:
        paths = [p for p in paths if not p.match(f"{exclude.removesuffix('.yaml')}.yaml")]
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in paths]


def norm_text(text: Any) -> str:
    """Criteria and names compared as the README says: case, spaces, markers, joiners."""
    s = " ".join(str(text).split())
    s = _MARKER.sub("", s)
    while True:
        cut = _JOINER.sub("", s).rstrip()
        if cut == s:
            return s.casefold()
        s = cut


def _phone(value: Any) -> str:
    digits = re.sub(r"\D", "", str(value))
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _scalar(name: str, value: Any) -> Any:
    if value in (None, "", []):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if name in PHONES:
        return _phone(value)
    if isinstance(value, int):
        return value
    return norm_text(value)


def same(name: str, expected: Any, observed: Any) -> bool:
    """Whether one field was read as the key gives it."""
    if name in SETS:
        return {str(x).upper() for x in expected or []} == {str(x).upper() for x in observed or []}
    return _scalar(name, expected) == _scalar(name, observed)


# ---- reading one case with the parsers -----------------------------------------------------


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def read_denial(text: str) -> dict[str, Any]:
    """What the denial parser and triage read from a denial text."""
    from service.intake.denial_text import parse_denial_text
    from service.triage import triage

    try:
        d = parse_denial_text(text)
        t = triage(d)
    except OverturnError:
        return {}
    return {
        "payer": d.payer,
        "reviewer": d.reviewer,
        "employer_group": getattr(d, "employer_group", None),
        "plan_type": d.plan_type.value,
        "patient_name": d.patient_name,
        "member_id": d.member_id,
        "date_of_birth": _iso(d.date_of_birth),
        "claim_number": d.claim_number,
        "reference_number": d.reference_number,
        "dates_of_service": [x.isoformat() for x in d.dates_of_service],
        "denial_date": _iso(d.denial_date),
        "service_codes": [c for c in d.service_codes if c],
        "diagnosis_codes": [c.code for c in d.diagnosis_codes],
        "carc_codes": d.carc_codes,
        "rendering_provider": getattr(d, "rendering_provider", None),
        "appeal_address": d.appeal_instructions.address,
        "appeal_fax": d.appeal_instructions.fax,
        "deadline_days": d.appeal_instructions.deadline_days,
        "network": getattr(d, "network", None),
        "category": t.category.value,
        "criteria_logic": getattr(d, "criteria_logic", None),
        "stated_criteria": [c.text for c in d.stated_criteria],
    }


def read_chart(text: str) -> dict[str, Any]:
    """What the chart parser reads: the patient and the clinician who should sign."""
    from service.intake.chart import parse_chart

    try:
        c = parse_chart(text)
    except OverturnError:
        return {}
    p = c.provider
    creds = (p.credentials or "").split(",")[0].strip() or None
    return {
        "patient_name": c.patient.name,
        "date_of_birth": _iso(c.patient.date_of_birth),
        "member_id": c.patient.member_id,
        "clinician_name": p.name,
        "clinician_credentials": creds,
        "clinician_npi": p.npi,
        "practice_name": p.practice,
        "practice_phone": p.phone,
        "practice_fax": p.fax,
    }


_SUFFIX = {"markdown": ".md", "html": ".html", "text": ".txt"}


def read_policy(text: str, fmt: str) -> dict[str, Any]:
    """What the policy reader finds: metadata, codes and the criteria outline."""
    from service.policies import documents

    name = "policy" + _SUFFIX.get(fmt, ".txt")
    try:
        from service.policies.reader import read_document as reader
    except ImportError:  # before the document reader existed
        reader = None  # type: ignore[assignment]
    try:
        if reader is None:  # before the document reader existed: what the passages carry
            passages = documents.load_document(text.encode("utf-8"), name)
            first = passages[0]
            return {
                "payer": first.payer,
                "policy_id": first.policy_id,
                "title": first.title,
                "effective_date": _iso(first.effective_date),
                "codes": first.codes,
            }
        doc = reader(text.encode("utf-8"), name)
    except OverturnError:
        return {}
    return {
        "payer": doc.payer,
        # the number as printed; a policy that prints none is known by its title instead
        "policy_id": getattr(doc, "policy_number", doc.policy_id),
        "title": doc.title,
        "effective_date": _iso(doc.effective_date),
        "revision_date": _iso(doc.revision_date),
        "codes": doc.codes,
        "criteria_heading": doc.criteria_heading,
        "criteria": [item.as_key() for item in doc.criteria],
    }


# ---- scoring ---------------------------------------------------------------------------------


@dataclass
class Tally:
    """Hits over tries for one measure."""

    hits: float = 0
    tries: float = 0

    def add(self, ok: bool | float, weight: float = 1) -> None:
        self.hits += float(ok) * weight
        self.tries += weight

    def value(self) -> float | None:
        return round(self.hits / self.tries, 3) if self.tries else None


@dataclass
class SetScore:
    """Every measure of one folder of cases."""

    cases: int = 0
    measures: dict[str, Tally] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)  # "case: field" (only shown on request)

    def tally(self, name: str) -> Tally:
        return self.measures.setdefault(name, Tally())

    def count(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


def _fields(score: SetScore, case: dict, seen: dict, names: Iterable[str], group: str) -> None:
    key = case["expect"]
    for name in names:
        if name not in key:
            continue
        ok = same(name, key[name], seen.get(name))
        if key[name] in (None, []):
            score.tally("null_not_invented").add(ok)
        else:
            score.tally("field_accuracy").add(ok)
            score.tally(f"{group}_fields").add(ok)
        if name in PARTIES:
            score.tally("payer_reviewer_employer").add(ok)
        if name in CLINICIAN:
            score.tally("chart_clinician_npi").add(ok)
        if not ok:
            score.misses.append(f"{case['id']}: {name} = {seen.get(name)!r}, key {key[name]!r}")


def _criteria(score: SetScore, case: dict, seen: dict) -> None:
    key = case["expect"]
    want = [norm_text(c) for c in key.get("stated_criteria") or []]
    got = [norm_text(c) for c in seen.get("stated_criteria") or []]
    score.tally("criteria_count").add(len(want) == len(got))
    for i, text in enumerate(want):
        score.tally("criteria_text").add(i < len(got) and got[i] == text)
    extra = max(0, len(got) - len(want))
    if extra:
        score.tally("criteria_text").add(False, extra)
    leaks = sum(
        any(norm_text(n) in g or g in norm_text(n) for g in got)
        for n in key.get("not_criteria") or []
    )
    score.count("boilerplate_as_criteria", leaks)
    if got != want:
        score.misses.append(f"{case['id']}: stated_criteria = {seen.get('stated_criteria')!r}")


def _codes(score: SetScore, case: dict, seen: dict, read: list[str], known: set[str]) -> None:
    key = case["expect"]
    invented = [c for c in read if c.upper() not in known]
    not_codes = {str(c).upper() for c in key.get("not_codes") or []}
    score.count("codes_invented", len(invented))
    score.count("not_codes_read", sum(c.upper() in not_codes for c in read))
    score.count("letters", 1)
    if invented:
        score.misses.append(f"{case['id']}: invented codes {invented}")


def _tree(items: Any) -> Any:
    if isinstance(items, str):
        return norm_text(items)
    if isinstance(items, dict):
        return (norm_text(items.get("text", "")), [_tree(x) for x in items.get("items") or []])
    return [_tree(x) for x in items or []]


def _flat(tree: Any) -> Any:
    # a leaf written as {text: ...} without items equals the plain string
    if isinstance(tree, tuple):
        return tree[0] if not tree[1] else (tree[0], [_flat(x) for x in tree[1]])
    return [_flat(x) for x in tree] if isinstance(tree, list) else tree


def _policy_criteria(score: SetScore, case: dict, seen: dict) -> None:
    key = case["expect"]
    want, got = _flat(_tree(key.get("criteria"))), _flat(_tree(seen.get("criteria")))
    score.tally("policy_criteria_count").add(len(want) == len(got))
    for i, item in enumerate(want):
        top = item[0] if isinstance(item, tuple) else item
        other = got[i] if i < len(got) else None
        other_top = other[0] if isinstance(other, tuple) else other
        score.tally("policy_criteria_text").add(top == other_top)
        score.tally("policy_criteria_structure").add(item == other)
    heading = same("criteria_heading", key.get("criteria_heading"), seen.get("criteria_heading"))
    score.tally("policy_criteria_heading").add(heading)
    if want != got:
        score.misses.append(f"{case['id']}: criteria differ")


def score_case(score: SetScore, case: dict) -> None:
    """Read one case and add its results to the set's measures."""
    kind, text, key = case["kind"], case["text"], case["expect"]
    score.cases += 1
    if kind == "denial":
        seen = read_denial(text)
        _fields(score, case, seen, DENIAL_FIELDS, "denial")
        _criteria(score, case, seen)
        known = {str(c).upper() for f in ("service_codes", "diagnosis_codes") for c in key[f] or []}
        read = list(seen.get("service_codes") or []) + list(seen.get("diagnosis_codes") or [])
        _codes(score, case, seen, read, known)
    elif kind == "chart":
        seen = read_chart(text)
        _fields(score, case, seen, CHART_FIELDS, "chart")
        wrong = {norm_text(n) for n in key.get("not_clinician") or []}
        score.tally("signer_not_forbidden").add(
            norm_text(seen.get("clinician_name") or "") not in wrong
        )
    elif kind == "policy":
        seen = read_policy(text, case.get("format", "text"))
        _fields(score, case, seen, POLICY_FIELDS, "policy")
        _policy_criteria(score, case, seen)
        _codes(
            score, case, seen, list(seen.get("codes") or []), {str(c).upper() for c in key["codes"]}
        )


def score_folder(folder: Path, pattern: str = "*", exclude: str | None = None) -> SetScore:
    """The measures over the cases in a folder (all, or those a file-name glob selects)."""
    score = SetScore()
    for case in load_cases(folder, pattern, exclude):
        score_case(score, case)
    return score


def summary(score: SetScore) -> dict[str, Any]:
    """The aggregate figures of one set, JSON-ready."""
    out: dict[str, Any] = {"cases": score.cases}
    out.update({name: t.value() for name, t in sorted(score.measures.items())})
    letters = score.counts.get("letters", 0)
    for name in ("codes_invented", "not_codes_read", "boilerplate_as_criteria"):
        out[name] = score.counts.get(name, 0)
    out["codes_invented_per_letter"] = (
        round(score.counts.get("codes_invented", 0) / letters, 3) if letters else None
    )
    return out
