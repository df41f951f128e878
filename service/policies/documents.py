"""A practice's own payer policy documents (Markdown, HTML or PDF) turned into passages.

Every format is first rewritten as the Markdown body the corpus chunker already understands
("## Section", numbered criteria with indented sub-items), so a criterion is cut the same way
whatever file it came from. Metadata comes from the document itself (front matter, <meta> tags)
and, for what it lacks, from defaults the caller gives.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from service.errors import BadInput, EmptyInput, InputTooLarge, NotText
from service.intake.pdf_text import read_pdf
from service.models import PolicyPassage
from service.policies.corpus import REQUIRED_KEYS, content_hash
from service.policies.html_text import html_body as html_body

if TYPE_CHECKING:
    from service.policies.chroma_index import PolicyIndex

MAX_POLICY_BYTES = 50 * 1024 * 1024
MAX_PDF_PAGES = 1000
FIELD = "file"
MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
PDF_SUFFIXES = (".pdf",)
TEXT_SUFFIXES = (".txt", ".text")
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES + HTML_SUFFIXES + PDF_SUFFIXES + TEXT_SUFFIXES
# Magic bytes of formats people save policies in that we cannot read: zip (docx), OLE (doc,
# xls), images and archives.
BINARY_MAGIC = (
    b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b"
)  # fmt: skip
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")  # "#" and "@v" would break passage ids


def load_document(
    data: bytes, filename: str, *, defaults: dict | None = None
) -> list[PolicyPassage]:
    """The passages of one uploaded policy document; BadInput/NotText when it cannot be used."""
    from service.policies.reader import read_document

    return read_document(data, filename, defaults=defaults).passages


def document_kind(data: bytes, name: str) -> str:
    """The kind of document (markdown, html or pdf), by content first, then name; else refused."""
    if not data or not data.strip():
        raise EmptyInput(f"Policy document {name} is empty.", field=FIELD, file=name)
    if len(data) > MAX_POLICY_BYTES:
        raise InputTooLarge(
            f"Policy document {name} is larger than {MAX_POLICY_BYTES // (1024 * 1024)} MB.",
            field=FIELD,
            file=name,
        )
    suffix = Path(name).suffix.lower()
    if b"%PDF-" in data[:1024] or suffix in PDF_SUFFIXES:
        return "pdf"  # a .pdf without the PDF header is reported as damaged, not as text
    head = data[:8192]
    if head.startswith(BINARY_MAGIC) or b"\x00" in head:
        raise NotText(
            f"Policy document {name} is a binary file (Word, image or archive?): "
            "save it as PDF, HTML or Markdown.",
            field=FIELD,
            file=name,
        )
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in HTML_SUFFIXES:
        return "html"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "html"
    if start.startswith(b"---") or re.search(rb"(?m)^#{1,3} \S", head):
        return "markdown"
    return "text"  # a policy copied as plain text: its headings are read from its lines


def decode(data: bytes, name: str) -> str:
    """A text document's bytes as text (UTF-8, else Windows-1252)."""
    for encoding in ("utf-8-sig", "cp1252"):  # cp1252: Word's "Save as web page"
        try:
            return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            continue
    raise NotText(f"Policy document {name} is not readable text.", field=FIELD, file=name)


# --- metadata ----------------------------------------------------------------------------------


def split_markdown(text: str, name: str) -> tuple[dict, str]:
    """(front matter, body) of a Markdown document; front matter is optional here.

    What sits between two '---' lines at the top and is not a YAML mapping is not front
    matter (a horizontal rule, a pasted header block): the document is read whole."""
    match = re.match(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", text, re.DOTALL)
    if not match:
        return {}, text  # metadata may all come from the caller's defaults
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}, text
    if not isinstance(meta, dict):
        return {}, text
    return meta, text[match.end() :]


def merged_meta(merged: dict, name: str) -> dict:
    """Checked metadata: the keys every policy needs, codes by system.

    The reader fills the policy number (or an id from the title), the title and the version
    from the document; only a payer can be missing, when neither the document nor the caller
    names one, and guessing it would file the policy under the wrong plan.
    """
    merged = {key: value for key, value in merged.items() if value not in (None, "")}
    merged.pop("payer", None)  # a payer's name: the reader turned it into payer_id
    missing = [key for key in REQUIRED_KEYS if merged.get(key) in (None, "")]
    if "payer_id" in missing:
        raise BadInput(
            f"Policy document {name} does not name its payer: give the payer's name with the "
            "upload (--payer on the command line, the 'payer' form field on the API).",
            field="payer_id",
            file=name,
        )
    if missing:
        raise BadInput(
            f"Policy document {name} lacks metadata: {', '.join(missing)}. Put it in the "
            "document or give it with the upload.",
            field=missing[0],
            file=name,
        )
    merged["plan_types"] = _listed(merged.get("plan_types"))
    codes = merged.get("codes")
    if not isinstance(codes, dict):
        # the loader merges every code system into one list, so unlabelled codes go anywhere
        codes = {"cpt": _listed(codes)}
    for system in ("cpt", "hcpcs", "icd10"):
        codes[system] = _listed(codes.get(system)) + _listed(merged.pop(system, None))
    merged["codes"] = codes
    return merged


def _listed(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in re.split(r"[,\s]+", value) if part]
    return list(value) if isinstance(value, list | tuple) else [value]


# --- HTML --------------------------------------------------------------------------------------

# --- PDF ---------------------------------------------------------------------------------------


def pdf_body(data: bytes, name: str, title: str = "") -> tuple[dict, str, str]:
    """(metadata, Markdown body, plain text) of a PDF: its layout (or OCR) text, cleaned of
    page furniture as a plain-text policy is, headings marked "## ".

    The metadata's "ocr" is True when the text was read from a scan by OCR.
    """
    from service.policies.text_layout import clean_text, text_body

    text, pdf_title, scanned = _pdf_text(data, name)
    # the caller's title beats the PDF's own, which is often a file name ("Microsoft Word - ...")
    meta: dict[str, Any] = {"title": pdf_title} if pdf_title and not title else {}
    if scanned:
        meta["ocr"] = True  # passages ignore it; it tells the caller where the text came from
    title = title or pdf_title
    plain = clean_text("\n".join(re.sub(r"(?<=\S) {2,}(?=\S)", _gap, x) for x in text.split("\n")))
    lines = []
    for line in text_body(plain).split("\n"):
        if title and line.strip().lower().lstrip("# ") == title.strip().lower():
            lines.append(f"# {line.strip().lstrip('# ')}")  # the title repeats the metadata
        else:
            lines.append(line)
    return meta, "\n".join(lines) + "\n", plain


def _gap(m: re.Match[str]) -> str:
    # justified text spreads words apart; a wide gap (a table's or a layout's column) stays
    return m.group() if len(m.group()) >= 4 else " "


def _pdf_text(data: bytes, name: str) -> tuple[str, str, bool]:
    """(layout text of every page, the PDF's own title or "", whether OCR read it)."""
    try:
        pdf = read_pdf(data, field=FIELD, max_pages=MAX_PDF_PAGES, layout=True)
    except NotText as err:
        raise NotText(f"Policy document {name}: {err.detail}", field=FIELD, file=name) from err
    return pdf.text, pdf.title, pdf.ocr


# --- adding documents to the index -------------------------------------------------------------


def add_documents(
    index: PolicyIndex,
    docs: Sequence[tuple[str, bytes]],
    *,
    defaults: dict | None = None,
    payer_file: Path | None = None,
) -> dict:
    """Check every (filename, bytes) document, then store them all; a JSON-ready report.

    Nothing is written unless every document loads, so one bad file leaves the index as it was.
    With `payer_file`, each payer named by name is remembered in the practice's directory, so
    its denials are recognised by that name too.
    """
    from service.intake.payers import remember
    from service.policies.reader import read_document
    from service.policies.retrieve import document_id, ingest, policy_versions

    if not docs:
        raise EmptyInput("No policy documents were given.", field=FIELD)
    read = [(name, read_document(data, name, defaults=defaults)) for name, data in docs]
    loaded = [(name, doc.passages) for name, doc in read]
    _check_batch(loaded)
    hashes = index.hashes()
    rows = []
    for (name, passages), (_, policy) in zip(loaded, read, strict=True):
        doc = document_id(passages[0].id)
        written = sum(hashes.get(p.id) != content_hash(p) for p in passages)
        ids = {p.id for p in passages}
        removed = sum(document_id(pid) == doc and pid not in ids for pid in hashes)
        row = _row(name, passages, written, removed)
        # the number as printed (None when the document prints none) and what was derived
        row.update(policy_number=policy.policy_number, notes=policy.notes)
        rows.append(row)
    ingest(index, [p for _, passages in loaded for p in passages])
    if payer_file is not None:
        for _, policy in read:
            if policy.payer:
                remember(policy.payer, policy.payer_id, payer_file)
    versions = policy_versions(index.all_passages())
    for row in rows:
        _add_versions(row, versions)
    changed = any(row["written"] or row["removed"] for row in rows)
    return {"documents": rows, "changed": changed}


def _check_batch(loaded: Iterable[tuple[str, list[PolicyPassage]]]) -> None:
    seen: dict[str, str] = {}
    for name, passages in loaded:
        doc = passages[0].id.split("#", 1)[0]
        if doc in seen:
            raise BadInput(
                f"Policy documents {seen[doc]} and {name} are the same policy_id and version.",
                field="version",
                file=name,
            )
        seen[doc] = name


def _row(name: str, passages: list[PolicyPassage], written: int, removed: int) -> dict:
    first = passages[0]
    return {
        "file": name,
        "document_id": first.id.split("#", 1)[0],
        "policy_id": first.policy_id,
        "version": first.id.split("#", 1)[0].rsplit("@v", 1)[1],
        "payer": first.payer,
        "title": first.title,
        "effective_date": _iso(first.effective_date),
        "passages": len(passages),
        "written": written,
        "unchanged": len(passages) - written,
        "removed": removed,
    }


def _add_versions(row: dict, versions: list[dict]) -> None:
    """Which stored versions this document replaces, and which newer one replaces it."""
    mine = next(v for v in versions if v["document_id"] == row["document_id"])
    row["supersedes"] = [
        v["document_id"]
        for v in versions
        if (v["payer"], v["policy_id"]) == (row["payer"], row["policy_id"])
        and v["superseded_by"] is not None
        and (v["effective_date"] or "") < (mine["effective_date"] or "")
    ]
    row["superseded_by"] = mine["superseded_by"]
    row["superseded_date"] = mine["superseded_date"]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
