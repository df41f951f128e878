"""Medicare National Coverage Determinations as published in JSON Lines (one NCD a line, its
indications as text), cut into passages under their own payer so that a letter to a Medicare
plan can cite the NCD that governs it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from service.errors import BadInput
from service.models import PolicyPassage
from service.policies.corpus import (
    NCD_BULLET_RE,
    Chunk,
    check_unique,
    join_lead,
    pack,
    slugify,
)

NCD_PAYER = "medicare-ncd"
NCD_PLAN_TYPES = ["medicare_ab", "medicare_advantage"]

NCD_LABEL_MAX = 30


def load_ncd_jsonl(path: Path) -> list[PolicyPassage]:
    """Passages of the condensed Medicare NCD criteria, one JSON object a line."""
    records = _read_jsonl(Path(path))
    counts: dict[str, int] = {}
    for record in records:
        key = str(record.get("ncd_id"))
        counts[key] = counts.get(key, 0) + 1
    passages: list[PolicyPassage] = []
    for record in records:
        passages.extend(_ncd_passages(record, counts))
    check_unique(passages, where=str(path))
    return passages


def _read_jsonl(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput("The NCD criteria file cannot be read.", path=str(path)) from exc
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInput(f"Line {number} of the NCD file is not JSON.", path=str(path)) from exc
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise BadInput(f"Line {number} of the NCD file has no text field.", path=str(path))
        records.append(record)
    return records


def _ncd_passages(record: dict, counts: dict[str, int]) -> list[PolicyPassage]:
    folder = Path(str(record.get("path") or "")).parent.name
    ncd_id = record.get("ncd_id")
    if ncd_id is None:
        policy_id = f"NCD-{slugify(folder)}"
    elif counts[str(ncd_id)] > 1:  # the condensation reuses some ids: keep the NCD number visible
        policy_id = f"NCD-{ncd_id}-{slugify(folder)}"
    else:
        policy_id = f"NCD-{ncd_id}"
    urls = " ".join(record.get("source_urls") or []) + "\n" + record["text"]
    version = re.search(r"ncdver=(\d+)", urls)
    doc_id = f"{policy_id}@v{version.group(1) if version else '1'}"
    title = _ncd_title(str(record.get("title") or ""), folder)
    return [
        PolicyPassage(
            id=f"{doc_id}#{chunk.slug}",
            policy_id=policy_id,
            payer=NCD_PAYER,
            title=title,
            section=chunk.section,
            text=chunk.text,
            plan_types=list(NCD_PLAN_TYPES),
        )
        for chunk in _ncd_chunks(record["text"])
    ]


def _ncd_title(title: str, folder: str) -> str:
    title = title.lstrip("#/ ").strip()
    if not title or title.endswith((".", ":")) or len(title) > 100:
        title = folder or title  # the record's title is a sentence of its text
    if " " not in title:  # folder-style CamelCase
        title = re.sub(r"(?<=[a-z)])(?=[A-Z(])", " ", title)
    return title


def _ncd_chunks(text: str) -> list[Chunk]:
    """Paragraphs and bullets of one NCD; a bullet carries the paragraph that leads into it."""
    units = _ncd_units(text)
    counters: dict[str, int] = {}
    chunks: list[Chunk] = []
    lead = ""
    for i, (label, kind, body) in enumerate(units):
        following = units[i + 1] if i + 1 < len(units) else None
        if kind == "para" and following and following[1] == "bullet" and following[0] == label:
            lead = body  # introduces the bullets that follow; not a passage of its own
            continue
        if kind == "para":
            lead = ""
        slug = slugify(label) if label else "criteria"
        counters[slug] = counters.get(slug, 0) + 1
        n = counters[slug]
        section = f"{label or 'Criteria'} > {n}"
        text = join_lead(lead, body) if kind == "bullet" else body
        chunks.append(Chunk(f"{slug}-{n}", section, text))
    return chunks


def _ncd_units(text: str) -> list[tuple[str, str, str]]:
    """(label, "para" | "bullet", text) in order; labels are lines like "Covered:"."""
    units: list[tuple[str, str, str]] = []
    label, para = "", list[str]()

    def flush() -> None:
        for piece in pack(para, 800, sep="\n"):
            units.append((label, "para", piece))
        para.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("http://", "https://", "//", "#")):
            flush()  # blank lines, source links and repeated titles separate paragraphs
        elif NCD_BULLET_RE.match(line):
            flush()
            units.append((label, "bullet", line))
        elif len(line) <= NCD_LABEL_MAX and line.endswith(":"):
            flush()
            label = line.rstrip(":").strip()
        else:
            para.append(line)
    flush()
    return units
