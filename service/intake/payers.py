"""The payer directory: health plans, government programs and review vendors, kept as data.

Three files, later ones winning for the same id: the shipped directory (data/payers.yaml), the
starter corpus's payers (policy_corpus/payers.yaml) and a practice's own
(<OVERTURN_DATA_DIR>/payers.yaml), where a user adds the regional plans, TPAs and vendors they
deal with. A payer the directory does not know still gets an id: the slug of its name, the same
one a policy naming that payer is filed under, so the two meet in retrieval.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from service.config import shipped
from service.intake.labels import _pattern
from service.models import PlanType, Span

SHIPPED_FILE = Path(__file__).with_name("data") / "payers.yaml"
CORPUS_PAYERS_FILE = shipped("policy_corpus") / "payers.yaml"
USER_FILE_NAME = "payers.yaml"
_GENERIC_FIRST_WORDS = {"blue", "health", "community", "united", "first", "national", "the"}


@dataclass(frozen=True)
class Entry:
    """One directory entry: id, display name, how it is written, and what kind of party it is."""

    id: str
    name: str
    pattern: str
    kind: str = "payer"  # payer | government | reviewer


def payer_id_for(name: str) -> str:
    """The id of a payer the directory does not know: the slug of its name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "payer"


def _phrase(name: str) -> str:
    # Short upper-case aliases (CMS, UHC, NWH) are acronyms: match them case-sensitively.
    if name.isupper() and len(name) <= 5:
        return r"(?-i:\b" + re.escape(name) + r"\b)"
    return r"\b" + r"\s+".join(_pattern(w) for w in name.split()) + r"\b"


def _entries(raw: object, kind: str) -> list[tuple[str, str, list[str], str]]:
    if isinstance(raw, dict):
        raw = [{"id": k, **(v if isinstance(v, dict) else {"name": v})} for k, v in raw.items()]
    out = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        name = item["name"].strip()
        raw_id = item.get("id")
        pid = raw_id if isinstance(raw_id, str) else payer_id_for(name)
        aliases = [a for a in item.get("aliases") or [] if isinstance(a, str) and a.strip()]
        out.append((pid, name, aliases, str(item.get("kind") or kind)))
    return out


@cache
def _load(path: Path) -> tuple[Entry, ...]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return ()
    if not isinstance(raw, dict):
        return ()
    rows = _entries(raw.get("payers"), "payer") + _entries(raw.get("reviewers"), "reviewer")
    table = []
    for pid, name, aliases, kind in rows:
        names = [name, *aliases]
        first = name.split()[0]
        # "Northwind" alone names Northwind Health; a generic first word would not.
        if kind == "payer" and len(name.split()) > 1 and first.lower() not in _GENERIC_FIRST_WORDS:
            names.append(first)
        if pid == "medicare":
            kind = "government"
        table.append(Entry(pid, name, "|".join(_phrase(n) for n in names), kind))
    return tuple(table)


def user_file() -> Path:
    """The practice's own directory file, beside its store and index."""
    return Path(os.environ.get("OVERTURN_DATA_DIR") or "./overturn-data") / USER_FILE_NAME


def directory() -> list[Entry]:
    """Every entry, later files overriding earlier ones with the same id."""
    merged: dict[tuple[str, str], Entry] = {}
    for path in (SHIPPED_FILE, CORPUS_PAYERS_FILE, user_file()):
        for entry in _load(path):
            merged[(entry.kind == "reviewer" and "r" or "p", entry.id)] = entry
    return list(merged.values())


def known_payer_ids() -> set[str]:
    """Ids of every payer the directory knows."""
    return {e.id for e in directory() if e.kind != "reviewer"}


def _earliest(text: str, table: list[Entry]) -> tuple[Entry, Span] | None:
    best: tuple[int, int, Entry] | None = None
    for entry in table:
        m = re.search(entry.pattern, text, re.I)
        if m and (best is None or (m.start(), -m.end()) < (best[0], -best[1])):
            best = (m.start(), m.end(), entry)
    return (best[2], Span(start=best[0], end=best[1])) if best else None


def find_in_directory(text: str, kind: str) -> tuple[Entry, Span] | None:
    """The entry of this kind named first in the text."""
    return _earliest(text, [e for e in directory() if e.kind == kind])


def identify_payer(text: str) -> tuple[str | None, str | None, Span | None]:
    """(name, id, span) of the directory payer named first; government programs last."""
    found = find_in_directory(text, "payer") or find_in_directory(text, "government")
    return (found[0].name, found[0].id, found[1]) if found else (None, None, None)


def resolve_payer(name: str) -> tuple[str, str]:
    """(display name, id) of a payer named by the user or a letter, known or not."""
    found = identify_payer(name)
    if found[0] and found[2] and found[2].end - found[2].start >= len(name.strip()) - 2:
        return found[0], found[1] or payer_id_for(found[0])
    if found[1] and found[1] == name.strip().lower():
        return found[0] or name, found[1]
    return name.strip(), payer_id_for(name)


def identify_reviewer(text: str) -> tuple[str | None, Span | None]:
    """The review vendor or PBM named first in the text, with its span."""
    found = find_in_directory(text, "reviewer")
    return (found[0].name, found[1]) if found else (None, None)


# Ordered: the first rule that matches decides. Part D and Medicare Advantage come before the
# bare word "Medicare", and government programs before the generic commercial plan words.
# "Centers for Medicare & Medicaid Services" names the agency, not the program: it is masked.
_AGENCY = re.compile(r"Centers\s+for\s+Medicare\s*(?:&|and)\s*Medicaid\s+Services", re.I)
_PLAN_RULES: list[tuple[PlanType, str]] = [
    (PlanType.MEDICARE_PART_D, r"\(PDP[)}\]]|\bPDP\b|\bPart\s+D\b|\bprescription\s+drug\s+plan\b"),
    (
        PlanType.MEDICARE_ADVANTAGE,
        r"\bMedicare\s+Advantage\b|\bMA-?PD\b|\bPart\s+C\b|\bMedicare\s+(?:HMO|PPO)\b"
        r"|\bD-?SNP\b|\bdual\s+(?:eligible\s+)?special\s+needs\b|\bMedicare\s+contract\b"
        r"|\bcontracts?\s+with\s+Medicare\b|\bCMS-10003\b|\bCMS-10716\b",
    ),
    (PlanType.MEDICAID_MANAGED_CARE, r"\bMedicaid\b|\bMedi-Cal\b|\bMassHealth\b|\bCHIP\b"),
    (
        PlanType.MEDICARE_AB,
        r"\bMedicare\s+Summary\s+Notice\b|\bMedicare\s+Administrative\s+Contractor\b"
        r"|\bredetermination\b|\bMedicare\s+Part\s+[AB]\b|\bQualified\s+Independent\s+Contractor\b"
        r"|\bPart\s+B\s*\(Medical\s+Insurance\)",
    ),
    (
        PlanType.ERISA,
        r"\bERISA\b|\bEmployee\s+Retirement\s+Income\s+Security\s+Act\b|\bemployer[- ]sponsored\b"
        r"|\bself[- ]funded\b|\bgroup\s+health\s+plan\b|\bSection\s+502\(a\)",
    ),
    (PlanType.COMMERCIAL, r"\b(?:PPO|HMO|EPO|POS)\b|\bcommercial\s+(?:plan|insurance)\b"),
]


# Coverage that is not a health plan (workers' compensation, auto no-fault): a letter about
# such a claim names it again and again; a health plan's letter names it once, in passing.
_NOT_HEALTH_PLAN = re.compile(
    r"\bworkers['’]?\s+comp(?:ensation)?\b|\bno-fault\b|\bauto(?:mobile)?\s+insurance\b", re.I
)


def identify_plan_type(text: str, payer_id: str | None = None) -> tuple[PlanType, Span | None]:
    """The plan type the text points to, with the span of the words that decided it."""
    masked = _AGENCY.sub(lambda m: " " * len(m.group()), text)
    other = list(_NOT_HEALTH_PLAN.finditer(masked))
    for plan_type, pattern in _PLAN_RULES:
        if plan_type is PlanType.ERISA and len(other) >= 2:  # after the government programs
            return PlanType.UNKNOWN, Span(start=other[0].start(), end=other[0].end())
        m = re.search(pattern, masked)
        if m:
            return plan_type, Span(start=m.start(), end=m.end())
    m = re.search(r"\bMedicare\b", masked, re.I)
    if m:
        # A private plan's Medicare product is Medicare Advantage; Medicare itself is Part A/B.
        private = payer_id is not None and payer_id not in {"medicare", "medicaid"}
        kind = PlanType.MEDICARE_ADVANTAGE if private else PlanType.MEDICARE_AB
        return kind, Span(start=m.start(), end=m.end())
    return PlanType.UNKNOWN, None


def remember(name: str, payer_id: str, path: Path) -> None:
    """Add a payer a practice loaded policies for to its own directory file, once."""
    if any(e.id == payer_id for e in directory()) or payer_id in {"medicare", "medicaid"}:
        return
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    except (OSError, yaml.YAMLError):
        return  # a damaged file is the user's: leave it as it is
    data = raw if isinstance(raw, dict) else {}
    rows = data.setdefault("payers", [])
    if not isinstance(rows, list) or any(
        isinstance(r, dict) and r.get("id") == payer_id for r in rows
    ):
        return
    rows.append({"id": payer_id, "name": name})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    _load.cache_clear()
