"""Read a payer policy as the payer publishes it: Markdown, HTML, PDF or plain text, with or
without front matter, into its metadata, codes, criteria outline and passages.

What the document says about itself (metadata.py, payer_text.py) fills what its front matter
lacks; the caller's defaults fill what neither says. A policy is refused only when it cannot be
used at all (empty, binary, unreadable, encrypted) or when nothing names its payer, never for
lack of our metadata: a payer named only by name gets the id the payer directory gives it (a
slug of the name when unknown), a policy with no printed number is known by its title, and one
with no version is versioned by its effective date.

The number is kept as printed ("SUR 7.01.112", "DME/PROS-044"): it is what letters cite and
what the validator finds in the passages. Passage ids, which "@v" and "#" delimit, use a safe
form of it (corpus.storage_key).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from service.intake import codes as code_sets
from service.intake.code_context import PROC_RE, never_code
from service.intake.payers import resolve_payer
from service.models import PolicyPassage
from service.policies import documents
from service.policies.corpus import document_passages, sections, storage_key
from service.policies.headings import (
    bare_heading,
    heading_kind,
    is_general,
    opens_exclusions,
    paragraph_at,
)
from service.policies.metadata import as_date, front_matter, read_metadata
from service.policies.outline import ITEM_LINE, Item, parse_outline
from service.policies.payer_text import payer_in_text
from service.policies.text_layout import LIGATURES, clean_text, in_number_column, text_body

NO_NUMBER = "The document prints no policy number: it is known by its title."
NO_TITLE = "The document states no title: it is known by its top heading or its file name."


@dataclass
class PolicyDocument:
    """One policy as read: what it is, whose it is, what it covers, and its passages.

    `policy_id` is what letters cite: the number as printed, or the title when the document
    prints none (`policy_number` is then None and `notes` says so). `document_id` is the
    stored id of this version ("SUR-7.01.112@v2025-04-01")."""

    payer: str | None
    payer_id: str
    policy_id: str
    title: str
    version: str
    policy_number: str | None = None
    document_id: str = ""
    effective_date: dt.date | None = None
    revision_date: dt.date | None = None
    codes: list[str] = field(default_factory=list)
    criteria_heading: str | None = None
    criteria: list[Item] = field(default_factory=list)
    passages: list[PolicyPassage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# A section about codes ("Coding", "Which codes apply?", "Applicable codes"): every CPT- or
# HCPCS-shaped number in it is a code, unless it is an address's or a number's.
_CODES_HEADING = re.compile(r"(?i)\bcod(?:es?|ing)\b")


def _codes(body: str) -> list[str]:
    found: list[str] = []
    for hit, _ in code_sets.find_procedure_codes(body):
        if hit.code not in found and not in_number_column(body, hit.start):
            found.append(hit.code)
    for heading, lines in sections(body, "## ", "Overview"):
        part = "\n".join(lines) if _CODES_HEADING.search(heading) else ""
        for m in PROC_RE.finditer(part):
            if m["code"] in found or never_code(part, m.start(), m.end()):
                continue
            if not in_number_column(part, m.start()):
                found.append(m["code"])
    for hit in code_sets.find_icd10(body):
        code = code_sets.repair_icd10(hit.code)
        if code and code not in found:
            found.append(code)
    return found


def _criteria(body: str) -> tuple[str | None, list[Item]]:
    """The section (or subsection: an HTML page's <h3> under "Policy") headed as the criteria,
    with its outline: the first one a specific heading names ("Coverage Rationale"), else the
    first under a general one ("Policy")."""
    found: list[tuple[bool, str, list[Item]]] = []
    for heading, lines in sections(body, "## ", "Overview"):
        parts = [(heading, lines)] + sections("\n".join(lines), "### ", "")
        for name, part in parts:
            if heading_kind(name) == "criteria":
                own = [x for x in part if not x.startswith("### ")]
                items = parse_outline(_until_exclusions(own))
                if items:
                    found.append((is_general(name), bare_heading(name), items))
    best = min(found, key=lambda f: f[0], default=None)  # the first specific one, if any
    return (best[1], best[2]) if best else (None, [])


def _until_exclusions(lines: list[str]) -> list[str]:
    """The lines before a paragraph, after the list, that opens what is not covered ("... is
    unproven and not medically necessary for:"): the list after it is no more criteria."""
    seen_item = False
    for k, line in enumerate(lines):
        if ITEM_LINE.match(line):
            seen_item = True
            continue
        blank_before = k == 0 or not lines[k - 1].strip()
        prose = line.strip() and line == line.lstrip() and blank_before
        if seen_item and prose and opens_exclusions(paragraph_at(lines, k)):
            return lines[:k]
    return lines


_EMPHASIS = (
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=\S)_(?![\w_])"), r"\1"),
)


def strip_emphasis(markdown: str) -> str:
    """Markdown's bold and italic marks left off ("**ALL**" reads "ALL")."""
    for pattern, repl in _EMPHASIS:
        markdown = pattern.sub(repl, markdown)
    return markdown


def _version(merged: dict, effective: dt.date | None) -> str:
    value = merged.get("version")
    if value not in (None, ""):
        return str(value).strip()
    return effective.isoformat() if effective else "1"


def _read_body(data: bytes, name: str, kind: str, title: str) -> tuple[dict, str, str, list]:
    """(front matter or <meta>, Markdown body, the text a reader sees, payer hints)."""
    if kind == "pdf":
        meta, body, plain = documents.pdf_body(data, name, title=title)
        return meta, body, plain, []
    source = documents.decode(data, name).translate(LIGATURES)
    if kind == "markdown":
        meta, body = documents.split_markdown(source, name)
        return meta, strip_emphasis(body), body, []
    if kind == "html":
        meta, body = documents.html_body(source)
        hints = list(meta.pop("payer_hints", []))
        meta.pop("site_name", None)
        return meta, body, body, hints
    plain = clean_text(source)
    return {}, text_body(plain), plain, []


def read_document(data: bytes, filename: str, *, defaults: dict | None = None) -> PolicyDocument:
    """A policy document read whole; BadInput/NotText when it cannot be used."""
    name = Path(filename or "document").name
    defaults = {k: v for k, v in dict(defaults or {}).items() if v not in (None, "")}
    given = str(defaults.get("payer_id") or "").strip()
    if given and not documents.SAFE_ID.match(given):  # "--payer 'Cascadia Mutual'": a name
        defaults["payer"], defaults["payer_id"] = given, None
    kind = documents.document_kind(data, name)
    meta, body, plain, hints = _read_body(data, name, kind, str(defaults.get("title") or ""))
    meta = front_matter({k: v for k, v in meta.items() if v not in (None, "")})
    found = read_metadata(body)
    notes: list[str] = []
    merged = {k: v for k, v in defaults.items() if v is not None}
    merged.update({k: v for k, v in found.items() if k != "payer"})
    merged.update(meta)
    number = str(merged["policy_id"]).strip() if merged.get("policy_id") else None
    payer = _payer(defaults, meta, found, plain, hints, merged.get("title"))
    if not merged.get("title"):
        merged["title"] = _fallback_title(body, name)
        notes.append(NO_TITLE)
    if payer and not merged.get("payer_id"):
        merged["payer_id"] = resolve_payer(payer)[1]
    if not number:
        merged["policy_id"] = str(merged["title"]).strip()
        notes.append(NO_NUMBER)
    if not merged.get("codes") and not any(merged.get(s) for s in ("cpt", "hcpcs", "icd10")):
        merged["codes"] = _codes(body)
    effective = _date(merged, "effective_date", notes)
    merged["effective_date"] = effective
    merged["version"] = _version(merged, effective)
    revision = _date(merged, "revision_date", notes)
    merged.pop("revision_date", None)
    merged["superseded_date"] = _date(merged, "superseded_date", notes)
    passages = document_passages(documents.merged_meta(merged, name), body, Path(name))
    heading, items = _criteria(body)
    first = passages[0]
    return PolicyDocument(
        payer=payer or first.payer,
        payer_id=first.payer,
        policy_id=first.policy_id,
        policy_number=number,
        document_id=first.id.split("#", 1)[0],
        title=first.title,
        version=str(merged["version"]),
        effective_date=first.effective_date,
        revision_date=revision,
        codes=list(first.codes),
        criteria_heading=heading,
        criteria=items,
        passages=passages,
        notes=notes,
    )


def _payer(
    defaults: dict, meta: dict, found: dict, plain: str, hints: list, title: object
) -> str | None:
    """The payer's name: the caller's, the front matter's, Medicare for an LCD/NCD, else the
    one the document prints."""
    for value in (defaults.get("payer"), meta.get("payer"), found.get("payer")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    if defaults.get("payer_id") or meta.get("payer_id"):
        return None  # the caller or the front matter gave the payer's id
    text = re.sub(r"(?ms)\A---.*?^---\s*$", "", plain)
    return payer_in_text(text, hints, title=str(title) if title else None)


def _fallback_title(body: str, name: str) -> str:
    """A policy that states no title is known by its top heading, else its file's name."""
    for line in body.split("\n"):
        if line.startswith("# "):
            return line[2:].strip()
    return re.sub(r"[_-]+", " ", Path(name).stem).strip() or "Policy"


def _date(merged: dict, key: str, notes: list[str]) -> dt.date | None:
    """A date given in any common form; one that is not a date is left out, and said so."""
    value = merged.get(key)
    day = as_date(value)
    if value not in (None, "") and day is None:
        notes.append(f"The {key.replace('_', ' ')} {value!r} is not a date; it was left out.")
    return day


__all__ = ["PolicyDocument", "read_document", "storage_key", "text_body"]
