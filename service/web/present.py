"""Shape stored drafts for the templates: highlighted source text, evidence rows, urgency."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from service.intake.codes import carc_label, rarc_label
from service.models import AppealResult, Chart, ChartFact, EvidenceStatus, PolicyPassage
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


def problem_anchor(where: str) -> str:
    """The id of the letter box a validator problem points at, or the report itself."""
    m = re.match(r"^(opening|closing|subject|points\[\d+\]\.(?:text|heading))", where)
    return "edit-" + slug(m.group(1)) if m else "report"
