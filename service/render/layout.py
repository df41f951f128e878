"""The letter laid out for a file: the parts a DOCX or PDF prints, in order, from the LetterDraft.

The letter's own sentences are its fields (opening, points, closing...), rendered by the
composer from templates/partials; the words around them (the running header, "Page 1 of 2",
the valediction, section and cover-sheet labels) come from partials/document.j2 and its table.
Both file writers (files.py, pdf.py) print this structure and never parse the letter's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.config import Settings
from service.models import LetterDraft
from service.render.wording import long_date, phrase, words

PAGE_FIELD, TOTAL_FIELD = "\x00page\x00", "\x00total\x00"  # stand-ins a writer fills per page


@dataclass
class Section:
    heading: str
    text: str


@dataclass
class PointBlock:
    number: int
    heading: str
    text: str


@dataclass
class CoverSheet:
    """What a fax cover sheet needs beyond the letter: the plan's fax number, when known."""

    fax: str = ""


@dataclass
class Layout:
    title: str  # the file's title: the letter's subject line
    author: str  # the practice (or the signer) who sends it
    running_header: str  # patient and member ID, on every page
    letterhead: list[str]  # the practice's name first, then its address and numbers
    date: str
    recipient: list[str]
    subject: str
    header_fields: list[tuple[str, str]]
    opening: str
    before_points: list[Section] = field(default_factory=list)
    points_heading: str = ""
    points: list[PointBlock] = field(default_factory=list)
    after_points: list[Section] = field(default_factory=list)
    closing: str = ""
    after_closing: list[Section] = field(default_factory=list)
    valediction: str = ""
    signer: list[str] = field(default_factory=list)
    enclosures_heading: str = ""
    enclosures: list[str] = field(default_factory=list)


def page_label(number: Any, total: Any) -> str:
    """'Page 2 of 3' (a writer may pass its own page-number fields)."""
    return phrase("document", "page_label", number=number, total=total)


def letterhead_lines(letter: LetterDraft, settings: Settings) -> list[str]:
    """The practice settings' letterhead or, failing those, the chart's practice."""
    s, signer = settings, letter.signer
    values: tuple[str | None, ...]
    if s.practice_name:
        values = (s.practice_name, s.practice_address, s.practice_phone, s.practice_fax)
    elif letter.voice == "patient":
        return []  # a member's own appeal has no practice letterhead
    else:
        values = (signer.practice, signer.address, signer.phone, signer.fax)
    name, address, phone, fax = (v or "" for v in values)
    if not name.strip():
        # numbers alone make no letterhead (they would print as its title); the signature
        # block carries them
        return []
    head = phrase("common", "letterhead", name=name, address=address, phone=phone, fax=fax)
    return [line for line in head.splitlines() if line.strip()]


def _labels(keys: list[str]) -> list[str]:
    table = words("common")["labels"]
    return [table[k] for k in keys]


def _sections(letter: LetterDraft, keys: list[str]) -> list[Section]:
    return [
        Section(label, letter.identifiers[label])
        for label in _labels(keys)
        if letter.identifiers.get(label)
    ]


def layout(letter: LetterDraft, settings: Settings) -> Layout:
    """The letter's parts in the order a faxed letter prints them."""
    table = words("document")
    in_body = {
        *_labels(table["sections_before_points"]),
        *_labels(table["sections_after_points"]),
        *_labels(table["sections_after_closing"]),
    }
    head = letterhead_lines(letter, settings)
    return Layout(
        title=letter.subject,
        author=head[0] if head else (letter.signer.name or ""),
        running_header=running_header(letter),
        letterhead=head,
        date=long_date(letter.date),
        recipient=[line for line in letter.recipient.splitlines() if line.strip()],
        subject=letter.subject,
        header_fields=[(k, v) for k, v in letter.identifiers.items() if k not in in_body],
        opening=letter.opening,
        before_points=_sections(letter, table["sections_before_points"]),
        points_heading=phrase("document", "points_heading", letter_type=letter.letter_type),
        points=[PointBlock(p.number, p.heading, p.text) for p in letter.points],
        after_points=_sections(letter, table["sections_after_points"]),
        closing=letter.closing,
        after_closing=_sections(letter, table["sections_after_closing"]),
        valediction=phrase("document", "valediction"),
        signer=phrase("document", "signer_lines", signer=letter.signer).splitlines(),
        enclosures_heading=phrase("document", "enclosures_heading"),
        enclosures=[e.description for e in letter.enclosures],
    )


def running_header(letter: LetterDraft) -> str:
    """'Patient: Dana Whitfield · Member ID: NWH448812' from the letter's identifiers."""
    labels = words("common")["labels"]
    ids = letter.identifiers
    member_label = next(
        (labels[k] for k in ("member_id", "medicare_number") if ids.get(labels[k])),
        labels["member_id"],
    )
    return phrase(
        "document",
        "running_header",
        patient=ids.get(labels["patient"], ""),
        member_label=member_label,
        member=ids.get(member_label, ""),
    )


def cover_fields(
    letter: LetterDraft, settings: Settings, cover: CoverSheet, pages: int
) -> list[tuple[str, str]]:
    """(label, value) lines of the fax cover sheet: who, numbers, date, pages; nothing clinical."""
    s, signer = settings, letter.signer
    use_settings = bool(s.practice_name)
    sender = (s.practice_name if use_settings else signer.practice) or signer.name or ""
    phone = (s.practice_phone if use_settings else signer.phone) or ""
    fax = (s.practice_fax if use_settings else signer.fax) or ""
    recipient = letter.recipient.splitlines()[0] if letter.recipient else ""
    values = [
        ("to", recipient),
        ("to_fax", cover.fax),
        ("from", sender),
        ("from_phone", phone),
        ("from_fax", fax),
        ("date", long_date(letter.date)),
        ("pages", phrase("document", "cover_pages", count=pages)),
        ("regarding", phrase("document", "cover_regarding", letter_type=letter.letter_type)),
    ]
    return [(phrase("document", "cover_label", field=k), v) for k, v in values if v]
