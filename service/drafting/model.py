"""LLM drafting: the model writes the prose of the points, the composer supplies everything else.

The model sees the evidence map (criterion, fact and passage ids with their text) with PHI
swapped for placeholders, and answers a small JSON schema. Its answer is parsed with pydantic,
every id is checked against what it was given, the prose is merged into the composer's skeleton
(identifiers, recipient, signer, enclosures never come from the model) and the whole letter goes
through the same validator as the composer's. Problems are sent back verbatim a bounded number
of times; after that, or when the model call fails, the composer's letter is used, with a note.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from service.drafting import points
from service.drafting.composer import ComposeInput, compose, label
from service.drafting.model_checks import check_claims, check_ids
from service.errors import LLMError
from service.llm.adapter import LLM, LLMReply
from service.llm.phi import Redactor
from service.llm.prompts import load_prompt, render
from service.models import (
    Citation,
    Claim,
    Evaluation,
    EvidenceLink,
    EvidenceStatus,
    LetterDraft,
    Point,
    PolicyPassage,
    ValidationReport,
    Verdict,
)
from service.render import phrase

DRAFTER_VERSION = "2.0"
PROMPT_ID = "draft_appeal"
REPAIR_PROMPT_ID = "repair_draft"
MAX_DENIAL_CHARS = 12_000  # the stated criteria carry the substance; the rest is context
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


class PointOut(BaseModel):
    """One argued point as the model writes it."""

    model_config = ConfigDict(extra="ignore")

    number: int
    heading: str
    answers: str
    claim: Literal["met", "consideration"] = "met"
    text: str
    citations: list[str]
    chart_facts: list[str]


class DraftOut(BaseModel):
    """The model's whole answer: prose only, ids only by reference."""

    model_config = ConfigDict(extra="ignore")

    opening: str
    points: list[PointOut]
    closing: str


@dataclass
class ModelDraft:
    letter: LetterDraft
    drafter: str  # "llm" or "composer" (after a fallback)
    prompt_id: str | None
    prompt_version: str | None
    model: str | None
    notes: list[str] = field(default_factory=list)
    usage: dict[str, float] = field(default_factory=dict)
    report: ValidationReport | None = None  # the last check() of `letter`


@dataclass
class _Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    model_seconds: float = 0.0
    repairs: int = 0

    def add(self, reply: LLMReply, seconds: float) -> None:
        self.calls += 1
        self.prompt_tokens += reply.prompt_tokens
        self.completion_tokens += reply.completion_tokens
        self.cost_usd += reply.cost
        self.model_seconds += seconds

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.__dict__.items()}


def _criterion(link: EvidenceLink, inp: ComposeInput) -> dict[str, object]:
    """One criterion as the model sees it: the evaluation's verdict, its decisive fact ids, the
    comparison worded as the composer words it (the model may only phrase it), and what the
    letter may claim about it."""
    e = link.evaluation
    considered = points.open_to_consideration(link, inp.triage)
    facts = (
        [f.id for f in points.consideration_facts(inp.chart)] if considered else list(link.fact_ids)
    )
    comparison = ""
    if e is not None and e.verdict is not Verdict.NOT_DOCUMENTED:
        # the date of birth stays in the identity block: the model sees the age, not the date
        shown = _without_birth_date(e)
        comparison = phrase(
            "criteria",
            "shown",
            e=shown,
            facts=points.fact_map(inp.chart.facts),
            source=points.authority(link, inp.denial),
        )
    return {
        "id": link.criterion.id,
        "source": link.criterion.source.value,
        "text": link.criterion.text,
        "status": link.status.value,
        "verdict": e.verdict.value if e is not None else link.status.value,
        "claim": "met"
        if link.status is EvidenceStatus.MET
        else ("consideration" if considered else "none"),
        "fact_ids": facts,
        "passage_ids": [pid for pid in link.citations if pid in _passages(inp)],
        "comparison": comparison,
        "need": link.need or "",
    }


def _without_birth_date(e: Evaluation) -> Evaluation:
    comparison = e.comparison.model_copy(update={"born": None}) if e.comparison else None
    children = [_without_birth_date(c) for c in e.children]
    return e.model_copy(update={"comparison": comparison, "children": children})


def prompt_values(inp: ComposeInput, skeleton: LetterDraft) -> dict[str, object]:
    """The prompt inputs: the evaluations by id, the facts, the passages, the denial as data."""
    d, t = inp.denial, inp.triage
    criteria = [_criterion(link, inp) for link in inp.evidence.links]
    facts = [
        {
            "id": f.id,
            "type": f.type.value,
            "date": f.date.isoformat() if f.date else "",
            "source": f.source,
            "text": f.text,
        }
        for f in inp.chart.facts
    ]
    passages = [
        {"id": p.id, "policy_id": p.policy_id, "section": p.section, "text": p.text}
        for p in inp.passages
    ]
    case = {
        "payer": d.payer or "the plan",
        "service": skeleton.identifiers.get(label("service"), ""),
        "diagnosis": skeleton.identifiers.get(label("diagnosis"), ""),
        "category": t.category.value,
        "strategy": t.strategy.value,
        "letter_type": skeleton.letter_type,
        "voice": skeleton.voice,
        "denial_reason": d.denial_reason or "",
        "guideline": d.guideline or "",
    }
    denial_text = (d.source_text or d.denial_reason or "")[:MAX_DENIAL_CHARS]
    return {
        "case": case,
        "criteria": criteria,
        "facts": facts,
        "passages": passages,
        "denial_text": denial_text,
    }


def _passages(inp: ComposeInput) -> dict[str, PolicyPassage]:
    return {p.id: p for p in inp.passages}


def parse_reply(reply: LLMReply, redactor: Redactor) -> tuple[DraftOut | None, list[str]]:
    """The model's JSON as DraftOut with identifiers restored, or the exact parse problems."""
    cut = ["The answer was cut off before the JSON ended; answer again, more briefly."]
    text = _FENCE.sub("", reply.text.strip())
    try:
        out = DraftOut.model_validate_json(text)
    except ValidationError as exc:
        problems = [_describe(err) for err in exc.errors(include_url=False)][:10]
        return None, (cut if reply.finish_reason == "length" else []) + problems
    # tokens are put back only in quotations: identifiers never enter the model's prose
    restored = DraftOut.model_validate(redactor.restore_obj(out.model_dump(), quoted_only=True))
    return restored, []


def _describe(err: ErrorDetails) -> str:
    where = ".".join(str(x) for x in err.get("loc", ())) or "answer"
    if err.get("type") == "json_invalid":
        return "The answer is not valid JSON. Return one JSON object and nothing else."
    return f"{where}: {err.get('msg', 'invalid')}."


def _citation(cid: str, inp: ComposeInput, answers: str) -> Citation:
    p = _passages(inp).get(cid)
    return points.denial_citation(inp.denial, answers) if p is None else points.policy_citation(p)


def merge(skeleton: LetterDraft, out: DraftOut, inp: ComposeInput) -> LetterDraft:
    """The composer's letter with the model's opening, points and closing."""
    encl = {fid: e.number for e in skeleton.enclosures for fid in e.fact_ids}
    drafted = []
    for n, p in enumerate(out.points, start=1):
        numbers = sorted({encl[f] for f in p.chart_facts if f in encl})
        cites = list(dict.fromkeys(p.citations))
        citations = [_citation(c, inp, p.answers) for c in cites]
        text = p.text.strip()
        unnamed = [c for c in citations if c.policy_id and c.policy_id not in text]
        if unnamed:  # the reader must see which policy a point holds the payer to
            text = phrase("appeal", "model_policy", text=text, citations=unnamed)
        # The model's prose may already point to the enclosures in its own words.
        if numbers and "nclosure" not in text:
            text = phrase("appeal", "model_enclosures", text=text, enclosures=numbers)
        drafted.append(
            Point(
                number=n,
                heading=p.heading.strip(),
                answers=p.answers,
                claim=Claim(p.claim),
                text=text,
                citations=citations,
                chart_facts=list(dict.fromkeys(p.chart_facts)),
                enclosures=numbers,
            )
        )
    return skeleton.model_copy(
        update={"opening": out.opening.strip(), "points": drafted, "closing": out.closing.strip()}
    )


def new_errors(report: ValidationReport, baseline: ValidationReport) -> list[str]:
    """Validator errors the model caused: those the composer's own letter does not also have."""
    known = {(p.code, p.where) for p in baseline.problems if p.severity == "error"}
    return [
        f"{p.where}: {p.message}"
        for p in report.problems
        if p.severity == "error" and (p.code, p.where) not in known
    ]


def _attempt(
    reply: LLMReply,
    inp: ComposeInput,
    skeleton: LetterDraft,
    redactor: Redactor,
    check: Callable[[LetterDraft], ValidationReport],
    baseline: ValidationReport,
) -> tuple[LetterDraft | None, ValidationReport | None, list[str]]:
    """Parse, id-check, merge and validate one answer; problems empty means usable."""
    out, problems = parse_reply(reply, redactor)
    if out is None:
        return None, None, problems
    problems = check_ids(out, inp) + check_claims(out)
    if problems:
        return None, None, problems
    letter = merge(skeleton, out, inp)
    report = check(letter)
    return letter, report, new_errors(report, baseline)


def draft_with_model(
    inp: ComposeInput,
    *,
    llm: LLM,
    check: Callable[[LetterDraft], ValidationReport],
    redact: bool = True,
    max_repairs: int = 2,
) -> ModelDraft:
    """Draft with the model, repairing up to max_repairs times; else fall back to the composer."""
    prompt, repair = load_prompt(PROMPT_ID), load_prompt(REPAIR_PROMPT_ID)
    skeleton = compose(inp)
    baseline = check(skeleton)
    redactor = Redactor.for_case(inp.denial, inp.chart, enabled=redact)
    messages = render(prompt, prompt_values(inp, skeleton))
    usage = _Usage()
    result = ModelDraft(skeleton, "composer", prompt.id, prompt.version, llm.model, report=baseline)
    problems: list[str] = []
    for attempt in range(max_repairs + 1):
        started = time.perf_counter()
        try:
            reply = llm.complete(redactor.redact_messages(messages), response_schema=DraftOut)
        except LLMError as exc:
            kind = exc.fields.get("kind", "other")
            result.notes.append(
                f"The model call failed ({kind}); the composer drafted this letter."
            )
            break
        usage.add(reply, time.perf_counter() - started)
        result.model = reply.model or llm.model
        letter, report, problems = _attempt(reply, inp, skeleton, redactor, check, baseline)
        if letter is not None and report is not None and not problems:
            result.letter, result.report, result.drafter = letter, report, "llm"
            if attempt:
                result.notes.append(f"The model's draft was repaired {attempt} time(s).")
            break
        messages = [
            *messages,
            {"role": "assistant", "content": reply.text},
            *render(repair, {"problems": problems}),
        ]
    else:
        result.notes.append(
            f"The model's draft still had {len(problems)} problem(s) after {max_repairs} "
            "repair(s); the composer drafted this letter."
        )
    usage.repairs = max(0, usage.calls - 1)
    result.usage = usage.as_dict()
    return result
