"""Shape stored drafts for the templates: highlighted source text, evidence rows, urgency."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from service.field_labels import label
from service.intake.codes import carc_label, rarc_label
from service.models import (
    AppealResult,
    Chart,
    ChartFact,
    EvidenceStatus,
    NecessityResult,
    PolicyPassage,
    ReadinessReport,
    ValidationReport,
)
from service.triage import days_left


@dataclass
class Segment:
    """A run of the pasted text and the field paths whose source span covers it."""

    text: str
    keys: list[str] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)  # ids of fields whose span starts here

    @property
    def marks(self) -> list[str]:
        """A class per covering field, so a field can light up every piece of its source."""
        return [anchor(k) for k in self.keys]


def slug(value: str) -> str:
    """A string made safe for an HTML id: runs of other characters become one dash."""
    return re.sub(r"[^A-Za-z0-9_]+", "-", value).strip("-")


def anchor(path: str) -> str:
    """The id of a field's source mark: "service_lines[0].code" -> "src-service_lines-0-code"."""
    return "src-" + slug(path)


def highlight(text: str, sources: dict[str, Any]) -> list[Segment]:
    """The text cut at every span edge, each piece tagged with the fields covering it."""
    spans = {
        k: (max(0, s.start), min(len(text), s.end))
        for k, s in sources.items()
        if s.end > s.start and s.start < len(text)
    }
    cuts = sorted({0, len(text), *[a for a, _ in spans.values()], *[b for _, b in spans.values()]})
    out: list[Segment] = []
    placed: set[str] = set()
    for a, b in zip(cuts, cuts[1:], strict=False):
        keys = sorted(k for k, (s, e) in spans.items() if s <= a and b <= e)
        fresh = [k for k in keys if k not in placed]
        placed.update(fresh)
        out.append(Segment(text=text[a:b], keys=keys, anchors=[anchor(k) for k in fresh]))
    return out


def source_keys(sources: dict[str, Any], prefix: str) -> list[str]:
    """The source paths for one field: "payer", or every "service_lines[0]..." under a prefix."""
    return sorted(k for k in sources if k == prefix or k.startswith((prefix + "[", prefix + ".")))


@dataclass
class EvidenceRow:
    id: str
    text: str
    source: str
    met: bool
    facts: list[ChartFact]
    need: str | None
    missing: list[str]
    passages: list[PolicyPassage]


def _concept_label(concept_id: str) -> str:
    from service.evidence.concepts import concepts

    return next((c.label for c in concepts() if c.id == concept_id), concept_id)


def evidence_rows(result: AppealResult, chart: Chart) -> list[EvidenceRow]:
    """One row per criterion, with the facts that meet it and the passages it came from."""
    facts = {f.id: f for f in chart.facts}
    passages = {p.id: p for p in result.passages}
    rows = []
    for link in result.evidence.links:
        ids = [link.criterion.passage_id, *link.citations]
        rows.append(
            EvidenceRow(
                id=link.criterion.id,
                text=link.criterion.text,
                source=link.criterion.source.value,
                met=link.status is EvidenceStatus.MET,
                facts=[facts[i] for i in link.fact_ids if i in facts],
                need=link.need,
                missing=[_concept_label(c) for c in link.missing],
                passages=[passages[i] for i in dict.fromkeys(ids) if i and i in passages],
            )
        )
    return rows


def codes_view(result: AppealResult) -> dict[str, list[tuple[str, str]]]:
    """CARC and RARC codes with their plain-English labels."""
    d = result.denial
    carcs = [
        (f"{a.group}-{a.carc}" if a.group else a.carc, a.label or carc_label(a.carc))
        for a in d.adjustments
    ]
    return {"carc": carcs, "rarc": [(c, rarc_label(c)) for c in d.remark_codes]}


def urgency(deadline: str | dt.date | None, today: dt.date) -> dict[str, Any]:
    """Days left to a deadline and how to show it: overdue, soon (<= 14 days), or fine."""
    day = dt.date.fromisoformat(deadline) if isinstance(deadline, str) else deadline
    left = days_left(day, today)
    level = "none" if left is None else "overdue" if left < 0 else "soon" if left <= 14 else "ok"
    return {"deadline": day, "days_left": left, "level": level}


# Which box of the page fixes what a check reports: identifier lines of the letter by their
# wording-table key (templates/partials/common.yaml), other parts by path.
_IDENTIFIER_BOX = {
    "patient": "patient_name",
    "member_id": "member_id",
    "medicare_number": "member_id",
    "date_of_birth": "date_of_birth",
    "claim_number": "claim_number",
    "reference_number": "reference_number",
    "date_of_denial": "denial_date",
    "date_of_service": "dates_of_service",
    "service": "service_lines-0-code",
    "diagnosis": "diagnosis_codes",
    "plan": "payer",
    "requested_service": "service_code",
    "billing_codes": "service_code",
    "quantity_and_frequency": "quantity",
    "duration_requested": "duration",
    "purpose": "purpose",
}
_LETTER_BOX = re.compile(r"^(opening|closing|subject|points\[\d+\]\.(?:text|heading))")


def _identifier_key(label: str) -> str | None:
    from service.render.wording import words

    return next((k for k, v in words("common")["labels"].items() if v == label), None)


def problem_anchor(where: str, kind: str = "appeal") -> str:
    """The id of the box a validator problem points at, or the checks themselves."""
    m = _LETTER_BOX.match(where)
    if m and kind == "appeal":  # only an appeal's wording is edited on the page
        return "edit-" + slug(m.group(1))
    if where.startswith("criteria."):
        return "crit-" + slug(where.split(".", 1)[1])
    box: str | None = None
    if where.startswith("identifiers."):
        box = _IDENTIFIER_BOX.get(_identifier_key(where.split(".", 1)[1]) or "")
    elif where == "recipient":
        box = "payer"
    elif kind == "necessity":
        from service.web.lmn import box_for

        box = box_for(where)
    return "f-" + box if box else "checks"


@dataclass
class ProblemRow:
    label: str  # the field as a biller names it: "Point 2", "Signer's NPI"
    anchor: str
    message: str
    severity: str


def problem_rows(
    report: ValidationReport, kind: str, criteria: dict[str, str] | None = None
) -> list[ProblemRow]:
    """The check's problems, errors first, each named and linked to the box that fixes it.

    `criteria` names criterion ids as the page shows them ("Policy criterion: Coverage
    criteria > 2"), where a passage id would mean nothing to a biller."""
    names = {f"criteria.{k}": v for k, v in (criteria or {}).items()}
    ordered = sorted(report.problems, key=lambda p: p.severity != "error")
    return [
        ProblemRow(
            names.get(p.where) or label(p.where),
            problem_anchor(p.where, kind),
            p.message,
            p.severity,
        )
        for p in ordered
    ]


def flag_rows(readiness: ReadinessReport) -> list[ProblemRow]:
    """A readiness report's flags, named as the page names fields and criteria."""
    names = {f"criteria.{c.id}": f"Policy criterion: {c.section}" for c in readiness.criteria}
    return [
        ProblemRow(
            names.get(f.where) or label(f.where),
            problem_anchor(f.where, "necessity"),
            f.message + (f" Perhaps: {', '.join(f.suggestions)}." if f.suggestions else ""),
            "warning",
        )
        for f in readiness.flags
    ]


def criterion_names(result: AppealResult | NecessityResult) -> dict[str, str]:
    """Criterion id -> how the page names it: a stated criterion by its id, a policy criterion by
    its section."""
    if isinstance(result, NecessityResult):
        return {c.id: f"Policy criterion: {c.section}" for c in result.readiness.criteria}
    sections = {p.id: p.section for p in result.passages}
    out = {}
    for link in result.evidence.links:
        c = link.criterion
        section = sections.get(c.passage_id or "")
        out[c.id] = f"Policy criterion: {section}" if section else f"Stated criterion {c.id}"
    return out


@dataclass
class Identity:
    box: str  # the form box
    value: str  # what the letter uses
    source: str  # "denial", "request", "chart" or "" (found nowhere)


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else (value or "")


def identity(first: Any, chart: Chart, origin: str) -> dict[str, Identity]:
    """Patient name, member ID and date of birth as the letter uses them: the denial's (or the
    request's) value, else the chart's, and where each came from."""
    out = {}
    for box, attr in (
        ("patient_name", "name"),
        ("member_id", "member_id"),
        ("date_of_birth", "date_of_birth"),
    ):
        own = getattr(first, box if origin == "denial" else attr, None)
        from_chart = getattr(chart.patient, attr)
        if own:
            out[box] = Identity(box, _shown(own), origin)
        else:
            out[box] = Identity(box, _shown(from_chart), "chart" if from_chart else "")
    return out
