"""Read a payer policy as the payer publishes it: Markdown, HTML, PDF or plain text, with or
without front matter, into its metadata, codes, criteria outline and passages.

What the document says about itself (metadata.py) fills what its front matter lacks; the
caller's defaults fill what neither says. A payer named only by name gets the id the payer
directory gives it (a slug of the name when unknown), and a policy with no version is versioned
by its effective date, so a practice's own policy loads as it is and is cited for its payer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from service.errors import BadInput
from service.intake import codes as code_sets
from service.intake.code_context import PROC_RE, never_code
from service.intake.parties import display_name, letterhead_org
from service.intake.payers import resolve_payer
from service.models import PolicyPassage
from service.policies import documents
from service.policies.corpus import _sections, document_passages
from service.policies.headings import heading_kind
from service.policies.metadata import read_metadata
from service.policies.outline import Item, parse_outline


@dataclass
class PolicyDocument:
    """One policy as read: what it is, whose it is, what it covers, and its passages."""

    payer: str | None
    payer_id: str
    policy_id: str
    title: str
    version: str
    effective_date: dt.date | None = None
    revision_date: dt.date | None = None
    codes: list[str] = field(default_factory=list)
    criteria_heading: str | None = None
    criteria: list[Item] = field(default_factory=list)
    passages: list[PolicyPassage] = field(default_factory=list)


def text_body(text: str) -> str:
    """A plain-text policy as the Markdown body the chunker reads: its headings marked."""
    lines = []
    previous = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        heading = _text_heading(line, previous)
        lines += ["", f"## {heading}", ""] if heading else [line]
        previous = line
    return "\n".join(lines) + "\n"


# "2. CLINICAL CRITERIA FOR COVERAGE": a numbered section heading in capitals (two or more
# words, so "1. MRI" stays an item).
_NUMBERED_CAPS = re.compile(r"^\d{1,2}\.?\s+(?P<h>[A-Z][A-Z&/,'-]+(?:\s+[A-Z&/,'-]+)+)$")
# "When is genetic testing covered?": a question standing alone as a heading.
_QUESTION = re.compile(r"^[A-Z][^.!?:]{5,100}\?$")


def _text_heading(line: str, previous: str) -> str | None:
    """The heading a plain-text line stands for, as printed (a closing colon left off)."""
    bare = line.strip()
    if not bare or len(bare) > 100 or bare.endswith((".", ",", ";")):
        return None
    if heading_kind(bare) and len(bare) <= 80:
        return bare.rstrip(":").strip()
    if (numbered := _NUMBERED_CAPS.match(bare)) and line == line.lstrip():
        return numbered["h"]
    if _QUESTION.match(bare) and not previous.strip() and line == line.lstrip():
        return bare
    return documents.pdf_heading(line)


# A section about codes ("Coding", "Which codes apply?", "Applicable codes"): every CPT- or
# HCPCS-shaped number in it is a code, unless it is an address's or a number's.
_CODES_HEADING = re.compile(r"(?i)\bcod(?:es?|ing)\b")


def _codes(body: str) -> list[str]:
    found: list[str] = []
    for hit, _ in code_sets.find_procedure_codes(body):
        if hit.code not in found:
            found.append(hit.code)
    for heading, lines in _sections(body, "## ", "Overview"):
        part = "\n".join(lines) if _CODES_HEADING.search(heading) else ""
        for m in PROC_RE.finditer(part):
            if m["code"] not in found and not never_code(part, m.start(), m.end()):
                found.append(m["code"])
    for hit in code_sets.find_icd10(body):
        code = code_sets.repair_icd10(hit.code)
        if code and code not in found:
            found.append(code)
    return found


def _criteria(body: str) -> tuple[str | None, list[Item]]:
    """The first section (or subsection: an HTML page's <h3> under "Policy") headed as the
    criteria, with its outline."""
    for heading, lines in _sections(body, "## ", "Overview"):
        parts = [(heading, lines)] + _sections("\n".join(lines), "### ", "")
        for name, part in parts:
            if heading_kind(name) == "criteria":
                items = parse_outline([x for x in part if not x.startswith("### ")])
                if items:
                    return name, items
    return None, []


def _payer(meta: dict, found: dict, source: str) -> str | None:
    for value in (meta.get("payer"), found.get("payer")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    head = letterhead_org(re.sub(r"(?m)^---.*?^---\s*$", "", source, flags=re.S))
    if head:
        name = display_name(head[0], source)  # the document's own mixed case, word by word
        return name.title() if name.isupper() else name
    return None


def _version(merged: dict, effective: dt.date | None) -> str:
    for value in (merged.get("version"),):
        if value not in (None, ""):
            return str(value).strip()
    return effective.isoformat() if effective else "1"


def read_document(data: bytes, filename: str, *, defaults: dict | None = None) -> PolicyDocument:
    """A policy document read whole; BadInput/NotText when it cannot be used."""
    name = Path(filename or "document").name
    defaults = dict(defaults or {})
    given = str(defaults.get("payer_id") or "").strip()
    if given and not documents.SAFE_ID.match(given):  # "--payer 'Cascadia Mutual'": a name
        defaults["payer"], defaults["payer_id"] = given, None
    kind = documents.document_kind(data, name)
    if kind == "pdf":
        meta, body = documents.pdf_body(data, name, title=str(defaults.get("title") or ""))
        source = body
    else:
        source = documents.decode(data, name)
        if kind == "markdown":
            meta, body = documents.split_markdown(source, name)
        elif kind == "html":
            meta, body = documents.html_body(source)
        else:
            meta, body = {}, text_body(source)
    found = read_metadata(body if kind != "text" else source)
    merged = {k: v for k, v in defaults.items() if v not in (None, "")}
    merged.update({k: v for k, v in found.items() if k != "payer"})
    merged.update({k: v for k, v in meta.items() if v not in (None, "")})
    # the letterhead is read from the document's text: raw HTML or a PDF's bytes have none
    plain = source if kind in ("markdown", "text") else body
    payer = _payer({"payer": defaults.get("payer"), **meta}, found, plain)
    if not merged.get("payer_id") and payer:
        merged["payer_id"] = resolve_payer(payer)[1]
    if not merged.get("codes") and not any(merged.get(s) for s in ("cpt", "hcpcs", "icd10")):
        merged["codes"] = _codes(body)
    effective = _as_date(merged.get("effective_date"), name)
    merged["version"] = _version(merged, effective)
    merged.pop("revision_date", None)
    passages = document_passages(documents.merged_meta(merged, name), body, Path(name))
    heading, items = _criteria(body)
    first = passages[0]
    return PolicyDocument(
        payer=payer or first.payer,
        payer_id=first.payer,
        policy_id=first.policy_id,
        title=first.title,
        version=str(merged["version"]),
        effective_date=first.effective_date,
        revision_date=_as_date(found.get("revision_date") or meta.get("revision_date"), name),
        codes=list(first.codes),
        criteria_heading=heading,
        criteria=items,
        passages=passages,
    )


def _as_date(value: object, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise BadInput(f"The date {value!r} in {name} is not YYYY-MM-DD.", file=name) from exc
