"""Scale the real policy passages up for the retrieval benchmark, and build its queries.

The base is the shipped corpus plus the Medicare NCD criteria (about 910 passages). Each extra
passage is a variant of a base policy document under a synthetic payer and a later version: new
ids, payer name and effective dates, words swapped for synonyms, sentences or sub-items swapped,
numbers and codes nudged, so neither BM25 nor the dense index sees exact duplicates.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import zlib
from collections.abc import Sequence
from pathlib import Path

import yaml

from service.models import PolicyPassage
from service.policies.corpus import load_corpus
from service.policies.ncd import load_ncd_jsonl
from service.policies.retrieve import SHIPPED_CORPUS, document_id

REPO = Path(__file__).resolve().parents[1]
NCD_FILE = REPO.parent / "shared" / "data" / "ncd_criteria" / "ncd_criteria.jsonl"
LABELS = REPO / "evals" / "retrieval" / "labelled.yaml"
# Made-up plans; the codes become policy id prefixes and the names replace the base payer's.
_NAMES = [
    "Harborview Health",
    "Cedar Ridge Mutual",
    "Prairie State Health Plan",
    "Summit Care Alliance",
    "Tidewater Health",
    "Redwood Family Plan",
    "Granite Benefit Trust",
    "Silverlake Health",
    "Meadowbrook Insurance",
    "Ironwood Health Partners",
    "Bayside Community Plan",
    "Oakmont Mutual",
    "Riverbend Health",
    "Highland Care Plan",
    "Copperfield Health",
    "Lakeview Benefit Plan",
    "Pinecrest Health",
    "Stonebridge Mutual",
    "Willowgate Health",
    "Northgate Care",
    "Sunfield Health Plan",
    "Clearwater Mutual",
    "Fairmont Health",
    "Bluewater Alliance",
]
PAYERS = [(f"sp{i:02d}", name) for i, name in enumerate(_NAMES)]
BASE_NAMES = re.compile(
    r"Northwind Health(?: Plan)?|Bluestone Mutual|Lakeshore Community Health Plan|"
    r"Northwind|Bluestone|Lakeshore"
)
SYNONYMS = {
    "must": "shall",
    "documented": "recorded",
    "required": "needed",
    "medically necessary": "reasonable and necessary",
    "physical therapy": "physiotherapy",
    "member": "enrollee",
    "at least": "no fewer than",
    "months": "months'",
    "weeks": "weeks'",
    "patient": "individual",
    "provider": "clinician",
    "treatment": "therapy",
    "failed": "did not respond to",
    "covered": "eligible for coverage",
    "not covered": "excluded",
    "following": "below",
    "evidence": "documentation",
    "symptoms": "complaints",
    "prior": "previous",
    "conservative care": "non-operative care",
    "imaging": "diagnostic imaging",
    "the record": "the chart",
    "shows": "demonstrates",
    "within": "in",
    "before": "prior to",
    "after": "following",
    "requires": "calls for",
    "indicated": "appropriate",
    "beneficiaries": "enrollees",
    "beneficiary": "enrollee",
    "test": "study",
    "procedure": "intervention",
    "reasonable and necessary": "medically necessary",
    "patients": "individuals",
    "performed": "done",
    "may": "can",
    "use": "utilization",
}
_SYN_RE = re.compile(r"\b(" + "|".join(map(re.escape, SYNONYMS)) + r")\b")
_SMALL_NUMBER = re.compile(r"(?<![\w.])(\d{1,3})(?![\w.])")
_SENTENCE = re.compile(r"(?<=[.;])\s+(?=[A-Z])")
QUERY_DAY = dt.date(2026, 9, 20)  # the pipeline always has a date of service
FIRST_DAY = dt.date(2020, 1, 1)  # effective date of base passages that carry none (the NCDs)


def base_passages() -> list[PolicyPassage]:
    """The shipped corpus and the NCD criteria, as the service loads them."""
    return load_corpus(SHIPPED_CORPUS) + load_ncd_jsonl(NCD_FILE)


def scale(base: Sequence[PolicyPassage], size: int, seed: int = 7) -> list[PolicyPassage]:
    """`size` passages: the base first, then variant documents round-robin, cut at `size`."""
    docs: dict[str, list[PolicyPassage]] = {}
    for p in base:
        docs.setdefault(document_id(p.id), []).append(p)
    out = list(base[:size])
    seen = {p.text for p in out}
    per_round = len(base)
    rounds = -(-max(size - len(base), 0) // per_round)
    for r in range(rounds):
        for n, doc in enumerate(docs.values()):
            rng = random.Random(seed * 1_000_003 + r * 10_007 + n)
            for p in variant_document(doc, r, rounds, rng):
                if p.text in seen:  # the same light edits drawn twice: date this revision
                    p = p.model_copy(update={"text": _dated(p.text, p.effective_date)})
                seen.add(p.text)
                out.append(p)
            if len(out) >= size:
                return out[:size]
    return out[:size]


def variant_document(
    doc: list[PolicyPassage], r: int, rounds: int, rng: random.Random
) -> list[PolicyPassage]:
    """Round `r`'s copy of one document: payer r mod P, version r div P + 2, nudged text."""
    code, name = PAYERS[r % len(PAYERS)]
    step = r // len(PAYERS)
    first = doc[0]
    version = (step + 2) * 100 + _base_version(first.id)
    policy_id = f"{code.upper()}-{first.policy_id}"
    start = (first.effective_date or FIRST_DAY) + dt.timedelta(days=365 * step + rng.randint(0, 60))
    newer = r + len(PAYERS) < rounds  # a later version of this policy exists in this build
    ended = start + dt.timedelta(days=365) if newer else None
    codes = _nudge_codes(first.codes, rng)
    return [
        p.model_copy(
            update={
                "id": f"{policy_id}@v{version}#{p.id.split('#', 1)[1]}",
                "policy_id": policy_id,
                "payer": code,
                "text": paraphrase(p.text, name, rng, start),
                "effective_date": start,
                "superseded_date": ended,
                "codes": codes,
            }
        )
        for p in doc
    ]


def paraphrase(text: str, payer_name: str, rng: random.Random, day: dt.date) -> str:
    """Light rewording: payer name, synonyms, one swapped pair of items or sentences, numbers."""
    text = BASE_NAMES.sub(payer_name, text)
    named = text
    text = _SYN_RE.sub(lambda m: SYNONYMS[m.group(1)] if rng.random() < 0.5 else m.group(1), text)
    text = _swap_list_items(_swap_pair(text, rng), rng)
    text = _SMALL_NUMBER.sub(lambda m: _nudge_number(m.group(1), rng), text)
    if payer_name not in named:  # the plan's own documents name it
        text = f"{payer_name}: {text}"
    # a short passage may come through unchanged: the revision date keeps each copy distinct
    return text if text != named else _dated(text, day)


def _dated(text: str, day: dt.date) -> str:
    return f"{text} (revised {day:%B %-d, %Y})"


def _swap_list_items(text: str, rng: random.Random) -> str:
    # "A, B, or C" -> "B, A, or C": order within a list carries no meaning
    items = text.split(", ")
    if len(items) > 2 and rng.random() < 0.7:
        i = rng.randrange(len(items) - 2)
        items[i], items[i + 1] = items[i + 1], items[i]
    return ", ".join(items)


def _swap_pair(text: str, rng: random.Random) -> str:
    # keep the lead-in (first line or sentence) in place: it says what the passage is about
    lines = text.split("\n")
    if len(lines) > 2:
        i = rng.randrange(1, len(lines) - 1)
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
        return "\n".join(lines)
    parts = _SENTENCE.split(text)
    if len(parts) > 2:
        i = rng.randrange(1, len(parts) - 1)
        parts[i], parts[i + 1] = parts[i + 1], parts[i]
    return " ".join(parts)


def _nudge_number(number: str, rng: random.Random) -> str:
    if rng.random() > 0.3:
        return number
    return str(max(1, round(int(number) * rng.choice((0.5, 0.75, 1.5, 2.0)))))


def _nudge_codes(codes: list[str], rng: random.Random) -> list[str]:
    # a sibling code in place of one of them: policies of one topic differ at the edges
    out = list(codes)
    if out and rng.random() < 0.5:
        i = rng.randrange(len(out))
        head, last = out[i][:-1], out[i][-1]
        if last.isdigit():
            out[i] = head + str((int(last) + rng.randint(1, 9)) % 10)
    return list(dict.fromkeys(out))


def _base_version(pid: str) -> int:
    tail = document_id(pid).rsplit("@v", 1)[1]
    return int(tail) if tail.isdigit() else 1


def queries(corpus: Sequence[PolicyPassage]) -> list[dict]:
    """Each labelled query twice: as the pipeline sends it and as an open search.

    Pipeline-shaped: a payer, the claim's codes and a date of service; the payer is one of those
    holding the relevant policy (its base payer or a synthetic one), so at scale the filter keeps
    a synthetic payer's share of the index. Open: no payer, no date (the /policies search).
    """
    data = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    payers_of: dict[str, list[str]] = {}
    for p in corpus:
        base = p.policy_id.split("-", 1)[1] if p.payer.startswith("sp") else p.policy_id
        payers_of.setdefault(base, [])
        if p.payer not in payers_of[base]:
            payers_of[base].append(p.payer)
    out = []
    for raw in (data.get("shipped") or []) + (data.get("ncd") or []):
        codes = [str(c) for c in raw.get("codes") or []]
        policy = raw["relevant"][0].split("@", 1)[0]
        holders = payers_of.get(policy) or [None]
        pick = holders[zlib.crc32(raw["id"].encode()) % len(holders)]
        day = raw.get("date_of_service") or QUERY_DAY
        relevant = [str(r) for r in raw["relevant"]]
        out.append(
            {
                "text": raw["query"],
                "payer": pick,
                "codes": codes,
                "relevant": relevant,
                "date_of_service": _as_date(day),
                "shape": "pipeline",
            }
        )
        out.append(
            {
                "text": raw["query"],
                "payer": None,
                "codes": codes,
                "relevant": relevant,
                "date_of_service": None,
                "shape": "open",
            }
        )
    return out


def base_id(pid: str) -> str:
    """The base passage a passage copies: "SP03-NW-IMG-104@v201#x" -> "NW-IMG-104@v1#x"."""
    head, slug = pid.split("#", 1)
    if not head.startswith("SP"):
        return pid
    policy, version = head.split("-", 1)[1].rsplit("@v", 1)
    return f"{policy}@v{int(version) % 100}#{slug}"


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
