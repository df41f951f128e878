"""Chart intake from pasted clinical notes: dated entries, typed facts, patient and provider.

Everything is decided by regex tables in the chart_* modules, so a fact's type can always be
explained by the cue that set it. A fact's text is exactly the source slice at its span
(trimmed), never rewritten: the letter may quote it and the validator may check the quote.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from service.errors import NotText
from service.intake.chart_classify import IMAGING_TITLE_RE, LABEL_RE, SECTIONS, classify
from service.intake.chart_codes import fact_codes, fact_duration, fact_outcome
from service.intake.chart_dates import (
    BULLET_RE,
    Note,
    TextBlock,
    date_range,
    dated_label,
    find_dates,
    note_header,
    parse_date,
)
from service.intake.chart_people import (
    DOB_RE,
    People,
    block_line,
    identity_line,
    npi_is_valid,
    provider_line,
)
from service.models import Chart, ChartFact, Span

__all__ = ["classify", "npi_is_valid", "parse_chart_text", "parse_date"]

# ---------------------------------------------------------------- lines and sentences

_BOILER_RE = re.compile(
    r"(?i)^\s*(?:page \d+(?: of \d+)?|confidential\b.*|this (?:document|note|record) (?:was|is"
    r"|contains)\b.*|printed (?:on|by)\b.*|(?:electronically )?signed (?:on|at)\b.*"
    r"|dictated but not read.*|continued(?: on next page)?|sincerely,?|thank you for (?:the"
    r"|this|your) referral.*|nkda|none|none reported|n/a|[-=_*~#.\s]+)\s*$"
)
_SENT_END_RE = re.compile(r"[.!?]+[\"')\]]*\s+(?=[A-Z0-9(\"'\[])")
# "Dr." or "b.i.d." end a word, not a sentence
_ABBREV_WORDS = (
    "dr mr mrs ms st vs e.g i.e approx pt no fig hx dx sx tx b.i.d t.i.d q.d p.o h.s jr sr lt rt"
)
_ABBREV = frozenset(_ABBREV_WORDS.split())
_BLANK, _BREAK = "blank", "break"
_AGE_RE = re.compile(r"\b\d{1,3}[- ]?(?:y/?o|yo|yrs? old|years? old|-year-old)\b", re.I)


def _consumed(source: str, start: int, end: int) -> list[object]:
    """What a line read as letterhead, clinician or identity still gives the notes: the note it
    dates ("Cedar Hill Psychiatry - TMS Evaluation, 02/18/2025", "Study date: 11/14/2023
    Patient: ...") and a stated age ("ID: 41-year-old woman"), which the age criteria read."""
    line = source[start:end]
    header = note_header(source, start, end)
    note = header[0] if header and isinstance(header[0], Note) and header[0].date else None
    note = note or dated_label(line)
    events: list[object] = [note] if note else []
    events.append(_BREAK)
    age = _AGE_RE.search(line)
    if age:
        # only the clause that states the age ("45-year-old woman"): the line's name, date of
        # birth and member id stay identity, never a fact a letter could quote
        a = max(line.rfind(c, 0, age.start()) for c in ",;:") + 1
        ends = [i for i in (line.find(c, age.end()) for c in ",;") if i >= 0]
        b = min(ends, default=len(line))
        a += len(line[a:b]) - len(line[a:b].lstrip())
        events.append(TextBlock(start + a, start + b))
    return events


def _line_events(
    source: str, start: int, end: int, people: People, indented: bool = False
) -> list[object]:
    line = source[start:end]
    if not line.strip():
        return [_BLANK]
    people.block_left = max(people.block_left - 1, 0)
    if _BOILER_RE.match(line):
        return [_BREAK]
    if provider_line(line, people) or people.block_left and block_line(line, people):
        return _consumed(source, start, end)
    if not people.candidates and block_line(line, people):  # the letterhead and its phones
        return _consumed(source, start, end)
    if identity_line(line, people):
        return _consumed(source, start, end)
    header = note_header(source, start, end, indented)
    if header is not None:
        return header
    if block_line(line, people):  # letterhead, "Practice:" or "NPI:" outside a signature
        return [_BREAK]
    bullet = BULLET_RE.match(line)
    return [TextBlock(start + (bullet.end() if bullet else 0), end, bool(bullet))]


def _continues(source: str, prev: TextBlock, cur: TextBlock) -> bool:
    """Whether a line is the hard-wrapped continuation of the previous one."""
    tail, head = source[prev.start : prev.end].rstrip(), source[cur.start : cur.end].lstrip()
    if cur.bullet or not tail or tail[-1] in ".!?:;" or LABEL_RE.match(head):
        return False
    return (
        head[:1].islower()
        or tail[-1] in ",-/&("
        or bool(re.search(r"(?i)\b(?:and|or|with|of|to|the|for|in|a|an|at|on|by|from)$", tail))
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _scan(source: str, people: People) -> list[object]:
    """Lines -> note headers, blank/break markers and text blocks with wrapped lines joined."""
    events: list[object] = []
    pos = 0
    # indentation is read against the notes' own left margin (a paste may indent every line)
    margin = min((_indent(ln) for ln in source.splitlines() if ln.strip()), default=0)
    for raw in source.splitlines(keepends=True):
        start, end = pos, pos + len(raw.rstrip("\r\n"))
        pos += len(raw)
        indented = _indent(raw) > margin
        for ev in _line_events(source, start, end, people, indented):
            prev = events[-1] if events else None
            if (
                isinstance(ev, TextBlock)
                and isinstance(prev, TextBlock)
                and _continues(source, prev, ev)
            ):
                events[-1] = TextBlock(prev.start, ev.end, prev.bullet)
            else:
                events.append(ev)
    return events


def _sentences(source: str, start: int, end: int) -> list[tuple[int, int]]:
    text, out, cur = source[start:end], [], 0
    for m in _SENT_END_RE.finditer(text):
        words = text[cur : m.start()].split()
        token = words[-1] if words else ""
        abbrev = token.lower().strip("(") in _ABBREV and not token.isupper()
        if abbrev or re.fullmatch(r"[A-Z]", token):
            continue  # "Dr. Smith", "Pt. reports", "Jane Q. Doe"; but "tried PT. Ibuprofen"
        out.append((start + cur, start + m.start() + len(m.group().rstrip())))
        cur = m.end()
    out.append((start + cur, end))
    return out


# ---------------------------------------------------------------- facts


@dataclass
class _Ctx:
    """Where the reader is: the current note's date, title and section."""

    date: dt.date | None = None
    end_date: dt.date | None = None
    source: str = ""
    section: str | None = None
    section_used: bool = False
    inline: bool = False  # the section label shared its line with text: it ends with the line
    facts_in_note: int = 0

    def enter(self, note: Note) -> None:
        fresh = self.facts_in_note == 0
        # a title line and a date line of the same note may come in either order
        if note.date is not None or not fresh:
            self.date, self.end_date = note.date, note.end_date
        if note.title is not None or not fresh:
            self.source = note.title or ""
        self.section, self.section_used, self.facts_in_note = None, False, 0


def _trim(source: str, start: int, end: int) -> tuple[int, int]:
    seg = source[start:end]
    return start + len(seg) - len(seg.lstrip()), end - len(seg) + len(seg.rstrip())


def _fact_dates(text: str, ctx: _Ctx) -> tuple[dt.date | None, dt.date | None]:
    """A sentence's own date or range when it states one, else its note's."""
    dates = [
        d
        for d in find_dates(text)
        if not DOB_RE.search(text[max(0, d.start - 16) : d.start])
        and not re.search(r"(?i)\bsince\s*$", text[: d.start])
    ]
    rng = date_range(text, dates)
    if rng:
        return rng[0].first, rng[1].last
    full = [d for d in dates if not d.month_only]
    if len(full) == 1:
        return full[0].first, None
    return ctx.date, ctx.end_date


def _fact(source: str, start: int, end: int, ctx: _Ctx, number: int) -> ChartFact | None:
    start, end = _trim(source, start, end)
    label = LABEL_RE.match(source[start:end])
    if label:
        ctx.section, ctx.section_used = SECTIONS[label.group("label").lower()], False
        start, end = _trim(source, start + label.end(), end)
        ctx.inline = end > start
    text = source[start:end]
    if not re.search(r"[A-Za-z]{2}", text) or _BOILER_RE.match(text):
        return None
    ctx.section_used, ctx.facts_in_note = True, ctx.facts_in_note + 1
    imaging_note = bool(IMAGING_TITLE_RE.search(ctx.source))
    # Negation choice: a sentence whose deciding cue is negated ("did not try PT", "not a
    # surgical candidate") is kept as type history with outcome "negated", so it can never be
    # matched as evidence for the thing it denies.
    ftype, negated = classify(text, ctx.section, imaging_note)
    date, end_date = _fact_dates(text, ctx)
    return ChartFact(
        id=f"F{number}",
        type=ftype,
        date=date,
        end_date=end_date,
        source=ctx.source,
        note_date=ctx.date,
        text=text,
        codes=fact_codes(text, ctx.section),
        duration=fact_duration(text),
        outcome="negated" if negated else fact_outcome(text),
        span=Span(start=start, end=end),
    )


def _facts(source: str, events: list[object]) -> list[ChartFact]:
    ctx, facts = _Ctx(), list[ChartFact]()
    for ev in events:
        if isinstance(ev, Note):
            ctx.enter(ev)
        elif ev == _BLANK and ctx.section_used:
            ctx.section = None  # a blank line ends a section that already had content
        elif isinstance(ev, TextBlock):
            for start, end in _sentences(source, ev.start, ev.end):
                fact = _fact(source, start, end, ctx, len(facts) + 1)
                if fact is not None:
                    facts.append(fact)
            if ctx.inline:
                ctx.section, ctx.inline = None, False
    return facts


def parse_chart_text(text: str) -> Chart:
    """Pasted clinical notes -> Chart with patient, treating provider and dated facts."""
    if not isinstance(text, str):
        raise NotText("chart notes must be text", field="notes")
    people = People()
    facts = _facts(text, _scan(text, people))
    return Chart(
        patient=people.patient,
        provider=people.provider(),
        facts=facts,
        source_text=text,
        warnings=people.warnings,
    )
