"""Load policy documents (Markdown + YAML front matter) and cut them into passages.

A numbered criterion is the unit a letter cites, so each one becomes its own passage, carrying
its sub-items and the section's lead-in sentence so it still reads correctly on its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import yaml

from service.errors import BadInput
from service.models import PolicyPassage
from service.policies.declared import declare
from service.policies.headings import heading_kind, opens_exclusions, paragraph_at

MAX_SECTION_CHARS = 1200


class Chunk(NamedTuple):
    slug: str  # "coverage-criteria-2": the part of the passage id after "#"
    section: str  # "Coverage criteria > 2"
    text: str


# Keys every policy needs; an effective date is optional (an undated policy is always in force).
REQUIRED_KEYS = ("policy_id", "payer_id", "title", "version")
CORPUS_KEYS = (*REQUIRED_KEYS, "effective_date")  # the shipped corpus dates every policy
SKIPPED_NAMES = {"readme.md"}


def load_corpus(directory: Path) -> list[PolicyPassage]:
    """Every passage of every policy document under `directory`, in a stable order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise BadInput("The policy corpus folder does not exist.", field="corpus_dir")
    passages: list[PolicyPassage] = []
    for path in sorted(directory.rglob("*.md")):
        if path.name.lower() not in SKIPPED_NAMES:
            passages.extend(load_policy(path))
    check_unique(passages, where=str(directory))
    return passages


def load_policy(path: Path) -> list[PolicyPassage]:
    """The passages of one policy document."""
    path = Path(path)
    meta, body = _split_front_matter(path)
    missing = [key for key in CORPUS_KEYS if meta.get(key) in (None, "")]
    if missing:
        raise BadInput(
            f"Policy document {path.name} lacks front matter key(s): {', '.join(missing)}.",
            path=str(path),
            field=missing[0],
        )
    return document_passages(meta, body, path)


def storage_key(printed: str) -> str:
    """The id a policy number is stored under: the number as printed when it is already safe
    in a passage id ("NW-IMG-104"), else its runs of other characters as one hyphen
    ("SUR 7.01.112" -> "SUR-7.01.112", "DME/PROS-044" -> "DME-PROS-044").

    Letters cite the number as the payer prints it (the passage's policy_id); only the
    passage ids, which "#" and "@v" delimit, need this form.
    """
    printed = printed.strip()
    if SAFE_KEY.match(printed):
        return printed
    return re.sub(r"[^A-Za-z0-9._:-]+", "-", printed).strip("-.:") or "policy"


SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")


def document_passages(meta: dict, body: str, path: Path) -> list[PolicyPassage]:
    """The passages of a policy given its metadata and its Markdown-shaped body."""
    head = _header(meta, path)
    doc_id = f"{storage_key(head['policy_id'])}@v{storage_key(head['version'])}"
    passages = declare([_passage(doc_id, head, chunk) for chunk in chunk_body(body)], meta, path)
    if not passages:
        raise BadInput(f"Policy document {path.name} has no text to index.", path=str(path))
    check_unique(passages, where=path.name)
    return passages


def content_hash(passage: PolicyPassage) -> str:
    """sha256 of everything that defines a passage (not its retrieval score)."""
    # a passage that declares nothing hashes as it did before declarations existed
    unset = {"scope"} if passage.scope is None else set()
    canonical = passage.model_dump_json(exclude={"score", *unset})
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def corpus_hash(hashes: Iterable[str]) -> str:
    """One version string for a set of passages, independent of their order."""
    digest = hashlib.sha256("\n".join(sorted(hashes)).encode("ascii")).hexdigest()
    return digest[:16]


def slugify(text: str) -> str:
    """Lowercase words joined by hyphens: "Coverage criteria" -> "coverage-criteria"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _split_front_matter(path: Path) -> tuple[dict, str]:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"Policy document {path.name} cannot be read.", path=str(path)) from exc
    match = re.match(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", raw, re.DOTALL)
    if not match:
        raise BadInput(
            f"Policy document {path.name} has no YAML front matter between '---' lines.",
            path=str(path),
        )
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise BadInput(
            f"Policy document {path.name} has front matter that is not valid YAML.",
            path=str(path),
        ) from exc
    if not isinstance(meta, dict):
        raise BadInput(f"Front matter of {path.name} is not a mapping.", path=str(path))
    return meta, raw[match.end() :]


def _header(meta: dict, path: Path) -> dict:
    missing = [key for key in REQUIRED_KEYS if meta.get(key) in (None, "")]
    if missing:
        raise BadInput(
            f"Policy document {path.name} lacks front matter key(s): {', '.join(missing)}.",
            path=str(path),
            field=missing[0],
        )
    return {
        "policy_id": str(meta["policy_id"]).strip(),
        "payer_id": str(meta["payer_id"]).strip(),
        "title": str(meta["title"]).strip(),
        "version": str(meta["version"]).strip(),
        "effective_date": _date(meta, "effective_date", path),
        "superseded_date": _date(meta, "superseded_date", path),
        "plan_types": _str_list(meta.get("plan_types"), "plan_types", path),
        "codes": _codes(meta.get("codes"), path),
    }


def _date(meta: dict, key: str, path: Path) -> dt.date | None:
    value = meta.get(key)
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise BadInput(
            f"Front matter key {key} of {path.name} is not a YYYY-MM-DD date.",
            path=str(path),
            field=key,
        ) from exc


def _str_list(value: object, key: str, path: Path) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadInput(
            f"Front matter key {key} of {path.name} must be a list.", path=str(path), field=key
        )
    return [str(item).strip() for item in value if str(item).strip()]


def _codes(value: object, path: Path) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise BadInput(
            f"Front matter key codes of {path.name} must map cpt/hcpcs/icd10 to lists.",
            path=str(path),
            field="codes",
        )
    merged: list[str] = []
    for system in ("cpt", "hcpcs", "icd10"):
        for code in _str_list(value.get(system), f"codes.{system}", path):
            if code not in merged:
                merged.append(code)
    return merged


def _passage(doc_id: str, head: dict, chunk: Chunk) -> PolicyPassage:
    return PolicyPassage(
        id=f"{doc_id}#{chunk.slug}",
        policy_id=head["policy_id"],
        payer=head["payer_id"],
        title=head["title"],
        section=chunk.section,
        text=chunk.text,
        effective_date=head["effective_date"],
        superseded_date=head["superseded_date"],
        codes=head["codes"],
        plan_types=head["plan_types"],
    )


def check_unique(passages: list[PolicyPassage], where: str) -> None:
    seen: set[str] = set()
    for passage in passages:
        if passage.id in seen:
            raise BadInput(
                f"Passage id {passage.id} occurs twice; a policy_id and version or a "
                "criterion number is repeated.",
                path=where,
            )
        seen.add(passage.id)


# --- Markdown chunking -------------------------------------------------------------------------

# A top-level item: a number, a capital or roman numeral, or a bullet, at the line's start.
ITEM_RE = re.compile(r"^\(?(\d+|[A-Z]|[IVX]{1,5}|[a-z])[.)]\s+\S|^([-*•])\s+\S")


def chunk_body(body: str) -> list[Chunk]:
    """Cut a policy body into chunks: one per numbered criterion, one per other section."""
    chunks: list[Chunk] = []
    used: set[str] = set()
    for heading, lines in sections(body, "## ", "Overview"):
        # two sections of one name ("Disclaimer" at the top and the end, a code table's
        # "Code / Description" header twice) are told apart by their order, not refused
        slug, n = slugify(heading), 1
        while slug in used:
            n += 1
            slug = f"{slugify(heading)}-s{n}"
        used.add(slug)
        if heading_kind(heading) and _numbered_subsections(lines):
            chunks.extend(_subsection_items(heading, slug, lines))
        elif heading_kind(heading) and any(ITEM_RE.match(line) for line in lines):
            chunks.extend(_item_section(heading, slug, lines))
        else:
            chunks.extend(_plain_chunks(heading, slug, lines))
    return chunks


def sections(body: str, marker: str, first: str) -> list[tuple[str, list[str]]]:
    sections: list[tuple[str, list[str]]] = []
    heading, lines = first, list[str]()
    for line in body.splitlines():
        if line.startswith(marker):
            sections.append((heading, lines))
            heading, lines = line[len(marker) :].strip(), []
        elif not line.startswith("# "):  # the document title repeats the front matter
            lines.append(line.rstrip())
    sections.append((heading, lines))
    return [(h, ls) for h, ls in sections if any(line.strip() for line in ls)]


def _numbered_subsections(lines: list[str]) -> list[tuple[str, str, list[str]]]:
    """(number, title, lines) of each "### 1. Imaging" sub-heading, when a criteria section
    numbers its criteria as sub-headings (two or more, counting 1, 2, 3 or A, B, C)."""
    parts = sections("\n".join(lines), "### ", "")
    out = []
    for sub, sub_lines in parts:
        m = ITEM_RE.match(sub + " ") if sub else None
        if sub and not (m and m[1]):
            return []  # "### Initial approval": a heading that restarts a numbered list
        if m:
            out.append((m[1], sub[m.end() - 1 :].strip(), sub_lines))
    return out if len(out) >= 2 else []


def _subsection_items(heading: str, slug: str, lines: list[str]) -> list[Chunk]:
    """One criterion per numbered sub-heading, its whole body (nested list included), after
    the section's lead-in."""
    intro = sections("\n".join(lines), "### ", "")
    lead_lines = intro[0][1] if intro and not intro[0][0] else []
    paragraphs = _paragraphs(lead_lines)
    lead = paragraphs[-1] if paragraphs else ""
    return [
        # printed with its number, as a listed criterion is, so the lead-in stays separable
        Chunk(f"{slug}-{n}", f"{heading} > {n}", join_lead(lead, f"{n}. " + "\n".join(b).strip()))
        for n, _, b in _numbered_subsections(lines)
    ]


def _item_section(heading: str, slug: str, lines: list[str]) -> list[Chunk]:
    # "### Initial approval" / "### Continuation" restart their numbering: keep them apart
    parts = sections("\n".join(lines), "### ", "")
    chunks: list[Chunk] = []
    for sub, sub_lines in parts:
        sub_slug = f"{slug}-{slugify(sub)}" if sub else slug
        sub_heading = f"{heading} > {sub}" if sub else heading
        chunks.extend(_item_chunks(sub_heading, sub_slug, sub_lines))
    return chunks


def _item_chunks(heading: str, slug: str, lines: list[str]) -> list[Chunk]:
    intro, items, rest = _split_items(lines)
    paragraphs = _paragraphs(intro)
    lead = paragraphs[-1] if paragraphs else ""
    chunks = [
        Chunk(f"{slug}-{number}", f"{heading} > {number}", join_lead(lead, text))
        for number, text in items
    ]
    notes = paragraphs[:-1] + _paragraphs(rest)
    chunks += [
        Chunk(f"{slug}-note-{n}", f"{heading} > note {n}", note) for n, note in enumerate(notes, 1)
    ]
    return chunks


def _split_items(lines: list[str]) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    intro: list[str] = []
    items: list[tuple[str, list[str]]] = []
    rest: list[str] = []
    in_item = False
    # Bullets before the first numbered item are the lead-in's asides, not criteria.
    first_ordinal = next((i for i, x in enumerate(lines) if (m := ITEM_RE.match(x)) and m[1]), 0)
    closed = False  # a paragraph after the list opened what is not covered
    for index, line in enumerate(lines):
        match = ITEM_RE.match(line)
        if match and index < first_ordinal:
            match = None
        starts = index > 0 and not lines[index - 1].strip()  # a paragraph's first line
        if items and not match and starts and line and not line.startswith((" ", "\t")):
            # "... is unproven and not medically necessary for:": its list is no criteria
            closed = closed or opens_exclusions(paragraph_at(lines, index))
        if closed:
            rest.append(line)
        elif match:
            items.append((match.group(1) or str(len(items) + 1), [line]))
            in_item = True
        elif not items:
            intro.append(line)
        elif line.startswith((" ", "\t")) or (in_item and line and items[-1][1][-1]):
            items[-1][1].append(line)  # a sub-item, or a wrapped line of the criterion
        elif not line:
            (items[-1][1] if in_item else rest).append(line)
        else:
            in_item = False  # an unindented paragraph after the list is a note
            rest.append(line)
    return intro, [(num, "\n".join(body).strip()) for num, body in items], rest


def _plain_chunks(heading: str, slug: str, lines: list[str]) -> list[Chunk]:
    groups = pack(_paragraphs(lines), MAX_SECTION_CHARS)
    if len(groups) == 1:
        return [Chunk(f"{slug}-1", heading, groups[0])]
    return [Chunk(f"{slug}-{n}", f"{heading} > part {n}", text) for n, text in enumerate(groups, 1)]


def _paragraphs(lines: list[str]) -> list[str]:
    text = "\n".join(lines).strip()
    return [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def pack(pieces: list[str], limit: int, sep: str = "\n\n") -> list[str]:
    """Greedily join pieces into groups no longer than `limit` (a long piece stays whole)."""
    groups: list[str] = []
    for piece in pieces:
        if groups and len(groups[-1]) + len(sep) + len(piece) <= limit:
            groups[-1] += sep + piece
        else:
            groups.append(piece)
    return groups


def join_lead(lead: str, text: str) -> str:
    return f"{lead}\n{text}" if lead else text


# a list line in NCD text and plain policies: "1.", "a)", "=>", a bullet
NCD_BULLET_RE = re.compile(r"^(?:\d+\s*[.)]|=+>|[-*•]\s|[a-z][.)]\s)")


def split_lead(text: str) -> tuple[str, str]:
    """(lead-in, criterion) of a passage's text; the lead is "" when it has none.

    Sibling criteria share their lead-in word for word, so only the criterion's own words can
    tell them apart.
    """
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if ITEM_RE.match(line) or NCD_BULLET_RE.match(line.strip()):
            return "\n".join(lines[:number]), "\n".join(lines[number:])
    return "", text


# --- Medicare NCD criteria (JSON lines) -------------------------------------------------------
