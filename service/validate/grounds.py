"""What a letter may state: every code, date, amount, NPI and quotation the inputs and the
retrieved passages hold, gathered once per validation, and the letter's fields to scan."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from dateutil import parser as dateparser

from service.config import Settings
from service.models import (
    Chart,
    Denial,
    LetterDraft,
    PolicyPassage,
    Triage,
)
from service.render import letterhead

QUOTED = re.compile(r"\u201c([^\u201d]*)\u201d|\"([^\"]*)\"")
PLACEHOLDER = re.compile(r"\[[^\]\n]{1,80}\]|\{\{|\}\}|\bTBD\b|\bXXX+\b|<[A-Z_]{3,}>")
CODE = re.compile(r"(?<![\w.-])(?:[A-Z]\d{2}\.[0-9A-Z]{1,4}|[A-Z]\d{4}|\d{4}[FTU]|\d{5})(?![\w])")
POLICY_ID = re.compile(r"(?<![\w-])[A-Z]{2,6}(?:-[A-Z0-9]+)+(?![\w-])")
AMOUNT = re.compile(r"\$\s?\d[\d,]*(?:\.\d{2})?")
NPI = re.compile(r"\bNPI:?\s*(\S+)")
MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
DATE = re.compile(
    rf"\b(?:(?:{MONTHS})\.? \d{{1,2}}, \d{{4}}"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})\b"
)


def normalize(text: str) -> str:
    """Whitespace-collapsed text, for substring checks that survive line breaks."""
    return " ".join(text.split())


@dataclass
class Grounds:
    """Everything a letter may state: source texts, known dates, the passages retrieved."""

    texts: list[str] = field(default_factory=list)
    dates: set[dt.date] = field(default_factory=set)
    passages: dict[str, PolicyPassage] = field(default_factory=dict)
    # codes the inputs use as codes; None: every code-shaped token of the texts (old callers)
    known_codes: set[str] | None = None

    def __post_init__(self) -> None:
        self.joined = "\n".join(normalize(t) for t in self.texts)
        found = set(CODE.findall(self.joined))
        self.codes = found if self.known_codes is None else set(self.known_codes)
        self.policy_ids = set(POLICY_ID.findall(self.joined))
        self.amounts = {money(a) for a in AMOUNT.findall(self.joined)}
        self.dates |= {d for d in map(parse_date, DATE.findall(self.joined)) if d}

    def has_quote(self, quote: str) -> bool:
        return normalize(quote) in self.joined


def money(text: str) -> str:
    return text.replace("$", "").replace(",", "").strip().removesuffix(".00")


def parse_date(text: str) -> dt.date | None:
    """Read one date the way the letter or a source writes it."""
    try:
        return dateparser.parse(text.replace(".", ""), dayfirst=False).date()
    except (ValueError, OverflowError):
        return None


def build_grounds(
    denial: Denial,
    chart: Chart,
    passages: Sequence[PolicyPassage],
    settings: Settings,
    triage: Triage,
    today: dt.date,
) -> Grounds:
    """Collect what the letter may draw on."""
    texts = [denial.source_text, chart.source_text, letterhead(settings)]
    texts.append(denial.model_dump_json())
    texts.append(chart.model_dump_json())
    texts += [f.text for f in chart.facts]
    texts += [sc.text for sc in denial.stated_criteria]
    texts += [f"{p.policy_id} {p.title} {p.section}\n{p.text}" for p in passages]
    texts += [settings.signer_name, settings.signer_npi, settings.practice_name]
    dates = {today, *denial.dates_of_service}
    dates |= {d for d in (denial.denial_date, denial.date_of_birth, triage.deadline) if d}
    for f in chart.facts:
        dates |= {d for d in (f.date, f.end_date) if d}
    return Grounds(
        texts=[t for t in texts if t],
        dates=dates,
        passages={p.id: p for p in passages},
        known_codes=input_codes(denial, chart, passages),
    )


def letter_codes(text: str) -> list[str]:
    """Code-shaped tokens of a letter's text, less those an address or id holds (a ZIP)."""
    from service.intake.code_context import never_code

    return [m.group() for m in CODE.finditer(text) if not never_code(text, m.start(), m.end())]


_DOTTED_ICD = re.compile(r"(?<![\w.-])[A-Z]\d{2}\.[0-9A-Z]{1,4}(?![\w])")


def input_codes(denial: Denial, chart: Chart, passages: Sequence[PolicyPassage]) -> set[str]:
    """Codes the inputs use as codes: read in a code context, never any number of that shape.

    A ZIP code, street number or claim number in the denial has a code's shape; a letter that
    prints it as a CPT code has invented a code, even though the digits occur in the input.
    """
    from service.intake.codes import find_procedure_codes

    found = {c for c in denial.service_codes if c}
    found |= {d.code for d in denial.diagnosis_codes}
    for f in chart.facts:
        found |= set(f.codes)
    for text in (denial.source_text, chart.source_text):
        found |= {hit.code for hit, _ in find_procedure_codes(text)}
        found |= set(_DOTTED_ICD.findall(text))
    for p in passages:  # the policy's own text: its codes are the policy's, as cited
        found |= set(p.codes) | set(CODE.findall(p.text))
    return found


def letter_fields(letter: LetterDraft, signer: bool = True) -> Iterator[tuple[str, str]]:
    """Every field of the letter a person reads, by its report path; the signer's block last."""
    yield "recipient", letter.recipient
    yield "subject", letter.subject
    for label, value in letter.identifiers.items():
        yield f"identifiers.{label}", value
    yield "opening", letter.opening
    for i, p in enumerate(letter.points):
        yield f"points[{i}].heading", p.heading
        yield f"points[{i}].text", p.text
    yield "closing", letter.closing
    for i, e in enumerate(letter.enclosures):
        yield f"enclosures[{i}]", e.description
    if not signer:
        return
    for name in ("name", "credentials", "npi", "practice", "address", "phone", "fax"):
        value = getattr(letter.signer, name)
        if value:
            yield f"signer.{name}", value


def unquoted(text: str) -> str:
    return QUOTED.sub(" ", text)
