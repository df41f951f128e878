"""Recognise payers, utilization-review vendors and plan types named in a denial.

Real payers are matched by name; the corpus payers come from policy_corpus/payers.yaml, read
on first use and skipped when the file is absent or malformed.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from service.config import shipped
from service.models import PlanType, Span

CORPUS_PAYERS_FILE = shipped("policy_corpus") / "payers.yaml"

_I = re.IGNORECASE
# (payer id, display name, pattern). Government programs are matched only when no plan is named,
# since "Aetna Medicare" is an Aetna plan.
_REAL_PAYERS: list[tuple[str, str, str]] = [
    ("aetna", "Aetna", r"\baetna\b"),
    ("humana", "Humana", r"\bhumana\b"),
    ("anthem", "Anthem", r"\banthem\b(?:\s+blue\s+cross(?:\s+(?:and\s+)?blue\s+shield)?)?"),
    ("harvard_pilgrim", "Harvard Pilgrim Health Care", r"\bharvard\s+pilgrim(?:\s+health\s+care)?"),
    ("unitedhealthcare", "UnitedHealthcare", r"\bunited\s*health\s*care\b|\bUHC\b"),
    ("cigna", "Cigna", r"\bcigna\b"),
    ("kaiser", "Kaiser Permanente", r"\bkaiser\s+(?:permanente|foundation)\b"),
    ("independence", "Independence Blue Cross", r"\bindependence\s+blue\s+cross\b"),
    # OCR often turns the H of "Health" into "Il" or "I-I".
    (
        "keystone",
        "Keystone Health Plan East",
        r"\bkeystone\s*(?:h|il|i-i|1l)ealth\s*plan(?:\s+east)?",
    ),
    ("highmark", "Highmark", r"\bhighmark\b"),
    ("florida_blue", "Florida Blue", r"\bflorida\s+blue\b"),
    ("carefirst", "CareFirst", r"\bcarefirst\b"),
    (
        "bcbs",
        "Blue Cross Blue Shield",
        r"\bblue\s+cross(?:\s+(?:and\s+|&\s*)?blue\s+shield)?\b|\bBCBS",
    ),
    ("molina", "Molina Healthcare", r"\bmolina\b"),
    ("centene", "Centene", r"\bcentene\b|\bambetter\b"),
    ("wellcare", "WellCare", r"\bwellcare\b"),
    ("oscar", "Oscar Health", r"\boscar\s+health\b"),
    ("health_net", "Health Net", r"\bhealth\s+net\b"),
    ("emblemhealth", "EmblemHealth", r"\bemblem\s*health\b"),
    ("tufts", "Tufts Health Plan", r"\btufts\s+health\s+plan\b"),
    ("tricare", "TRICARE", r"\btricare\b"),
]
_GOVERNMENT: list[tuple[str, str, str]] = [
    ("medicare", "Medicare", r"\bmedicare\b"),
    ("medicaid", "Medicaid", r"\bmedicaid\b|\bmedi-cal\b|\bmasshealth\b"),
]
_GOVERNMENT_IDS = {pid for pid, _, _ in _GOVERNMENT}

_REVIEWERS: list[tuple[str, str]] = [
    ("AIM Specialty Health", r"\bA[I1l|]M\s+Specialty\s+Health\b|aimspecialtyhealth"),
    ("Carelon Medical Benefits Management", r"\bcarelon\b"),
    ("eviCore healthcare", r"\bevicore\b"),
    ("CVS Caremark", r"\b(?:CVS\s*/?\s*)?caremark\b"),
    ("Express Scripts", r"\bexpress\s+scripts\b"),
    ("OptumRx", r"\boptum\s*rx\b"),
    ("National Imaging Associates", r"\bnational\s+imaging\s+associates\b"),
    ("Magellan Healthcare", r"\bmagellan\b"),
    ("HealthHelp", r"\bhealthhelp\b"),
    ("Cohere Health", r"\bcohere\s+health\b"),
    ("Prime Therapeutics", r"\bprime\s+therapeutics\b"),
    ("MedImpact", r"\bmedimpact\b"),
    ("Turning Point Healthcare Solutions", r"\bturning\s+point\s+healthcare\b"),
]

# Ordered: the first rule that matches decides. Part D and Medicare Advantage come before the
# bare word "Medicare", and government programs before the generic commercial plan words.
_PLAN_RULES: list[tuple[PlanType, str]] = [
    (PlanType.MEDICARE_PART_D, r"\(PDP[)}\]]|\bPDP\b|\bPart\s+D\b|\bprescription\s+drug\s+plan\b"),
    (
        PlanType.MEDICARE_ADVANTAGE,
        r"\bMedicare\s+Advantage\b|\bMA-?PD\b|\bPart\s+C\b|\bMedicare\s+(?:HMO|PPO)\b",
    ),
    (PlanType.MEDICAID_MANAGED_CARE, r"\bMedicaid\b|\bMedi-Cal\b|\bMassHealth\b|\bCHIP\b"),
    (
        PlanType.MEDICARE_AB,
        r"\bMedicare\s+Summary\s+Notice\b|\bMedicare\s+Administrative\s+Contractor\b"
        r"|\bredetermination\b|\bMedicare\s+Part\s+[AB]\b|\bQualified\s+Independent\s+Contractor\b",
    ),
    (
        PlanType.ERISA,
        r"\bERISA\b|\bemployer[- ]sponsored\b|\bself[- ]funded\b|\bgroup\s+health\s+plan\b"
        r"|\bSection\s+502\(a\)",
    ),
    (PlanType.COMMERCIAL, r"\b(?:PPO|HMO|EPO)\b|\bcommercial\s+(?:plan|insurance)\b"),
]

_GENERIC_FIRST_WORDS = {"blue", "health", "community", "united", "first", "national", "the"}


def _phrase_pattern(name: str) -> str:
    body = r"\b" + r"\s+".join(re.escape(w) for w in name.split()) + r"\b"
    # Short upper-case aliases (CMS, MAC, NWH) are acronyms: match them case-sensitively.
    return f"(?-i:{body})" if name.isupper() and len(name) <= 5 else body


def _corpus_entries(raw: object) -> list[tuple[str, str, list[str]]]:
    items: list[tuple[object, object]] = []
    if isinstance(raw, dict) and isinstance(raw.get("payers"), list | dict):
        raw = raw["payers"]
    if isinstance(raw, list):
        items = [(d.get("id"), d) for d in raw if isinstance(d, dict)]
    elif isinstance(raw, dict):
        items = list(raw.items())
    out = []
    for pid, val in items:
        info = val if isinstance(val, dict) else {"name": val}
        name = info.get("name")
        if not isinstance(pid, str) or not isinstance(name, str) or not name.strip():
            continue
        raw_aliases = info.get("aliases")
        listed = raw_aliases if isinstance(raw_aliases, list) else []
        aliases = [a for a in listed if isinstance(a, str) and a.strip()]
        out.append((pid, name.strip(), aliases))
    return out


@cache
def _corpus_payers(path: Path) -> tuple[tuple[str, str, str], ...]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return ()
    table = []
    for pid, name, aliases in _corpus_entries(raw):
        names = [name, *aliases]
        first = name.split()[0]
        # "Northwind" alone names Northwind Health; a generic first word would not.
        if len(name.split()) > 1 and first.lower() not in _GENERIC_FIRST_WORDS:
            names.append(first)
        table.append((pid, name, "|".join(_phrase_pattern(n) for n in names)))
    return tuple(table)


def _tables() -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    corpus = list(_corpus_payers(CORPUS_PAYERS_FILE))
    corpus_ids = {pid for pid, _, _ in corpus}
    plans = [p for p in corpus if p[0] not in _GOVERNMENT_IDS]
    plans += [p for p in _REAL_PAYERS if p[0] not in corpus_ids]
    gov = [p for p in corpus if p[0] in _GOVERNMENT_IDS]
    gov += [p for p in _GOVERNMENT if p[0] not in corpus_ids]
    return plans, gov


def known_payer_ids() -> set[str]:
    """Ids of every payer this module can recognise."""
    plans, gov = _tables()
    return {pid for pid, _, _ in plans + gov}


def _earliest(text: str, table: list[tuple[str, str, str]]) -> tuple[str, str, Span] | None:
    best: tuple[int, int, str, str] | None = None
    for pid, name, pattern in table:
        m = re.search(pattern, text, _I)
        if m and (best is None or (m.start(), -m.end()) < (best[0], -best[1])):
            best = (m.start(), m.end(), pid, name)
    if best is None:
        return None
    return best[3], best[2], Span(start=best[0], end=best[1])


def identify_payer(text: str) -> tuple[str | None, str | None, Span | None]:
    """(payer name, payer id, span of the mention) of the payer named first, or Nones."""
    plans, gov = _tables()
    found = _earliest(text, plans) or _earliest(text, gov)
    return found if found else (None, None, None)


def identify_reviewer(text: str) -> tuple[str | None, Span | None]:
    """The utilization-review vendor or PBM named first in the text, with its span."""
    found = _earliest(text, [(name, name, pat) for name, pat in _REVIEWERS])
    return (found[0], found[2]) if found else (None, None)


def identify_plan_type(text: str, payer_id: str | None = None) -> tuple[PlanType, Span | None]:
    """The plan type the text points to, with the span of the words that decided it."""
    for plan_type, pattern in _PLAN_RULES:
        m = re.search(pattern, text)
        if m:
            return plan_type, Span(start=m.start(), end=m.end())
    m = re.search(r"\bMedicare\b", text, _I)
    if m:
        # A private plan's Medicare product is Medicare Advantage; Medicare itself is Part A/B.
        private = payer_id is not None and payer_id not in _GOVERNMENT_IDS
        kind = PlanType.MEDICARE_ADVANTAGE if private else PlanType.MEDICARE_AB
        return kind, Span(start=m.start(), end=m.end())
    return PlanType.UNKNOWN, None
