"""The optional LLM judge: a model scores each appeal letter on the rubric in
prompts/judge_appeal.md (rebuttal, plan language, factual accuracy, advocacy).

Off by default (`overturn eval --judge MODEL`, or `judge:` in evals/config.yaml). Its scores are
shown in the report and gated only when thresholds.yaml names them. Identifiers are replaced by
placeholders before the call, as in drafting. A model error or an answer that is not the JSON
asked for marks the case "judge unavailable"; it never stops the run.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from service.errors import LLMError
from service.evals.metrics import JUDGE_CRITERIA
from service.llm.phi import Redactor
from service.llm.prompts import load_prompt, render
from service.models import AppealResult, Chart

PROMPT_ID = "judge_appeal"
UNAVAILABLE = "judge unavailable"
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


class JudgeScores(BaseModel):
    """The judge's answer: four 1-5 scores and a short comment."""

    rebuttal: int = Field(ge=1, le=5)
    plan_language: int = Field(ge=1, le=5)
    factual_accuracy: int = Field(ge=1, le=5)
    advocacy: int = Field(ge=1, le=5)
    comments: str = ""


def build_judge(spec: dict[str, Any] | str | None) -> Any:
    """The judge model from `--judge MODEL` or the config's `judge:` entry; None when off."""
    if not spec:
        return None
    from service.llm.adapter import LiteLLM

    entry = {"model": spec} if isinstance(spec, str) else dict(spec)
    key_env = entry.get("api_key_env") or ""
    key = os.environ.get(key_env, "") if key_env else ""
    return LiteLLM(
        entry["model"],
        api_base=entry.get("api_base") or None,
        api_key=key or None,
        timeout=float(entry.get("timeout", 60.0)),
        max_retries=1,
    )


def prompt_values(result: AppealResult, chart: Chart) -> dict[str, Any]:
    """The prompt inputs for one drafted appeal (before identifiers are replaced)."""
    d, letter = result.denial, result.letter
    line = d.service_lines[0] if d.service_lines else None
    return {
        "case": {
            "payer": d.payer or "unknown payer",
            "service": f"{line.description} ({line.code})" if line else "not stated",
            "diagnosis": "; ".join(f"{x.description} ({x.code})" for x in d.diagnosis_codes)
            or "not stated",
            "letter_type": result.letter_type,
            "voice": letter.voice if letter else "practice",
        },
        "denial_text": d.source_text or d.denial_reason or "",
        "chart_facts": [
            {"id": f.id, "date": str(f.date or ""), "source": f.source, "text": f.text}
            for f in chart.facts
        ],
        "passages": [
            {"id": p.id, "policy_id": p.policy_id, "section": p.section, "text": p.text}
            for p in result.passages
        ],
        "letter": result.text,
    }


def parse_scores(text: str) -> JudgeScores:
    """The judge's JSON (a fenced block is accepted); ValueError when it is not usable."""
    try:
        return JudgeScores.model_validate(json.loads(_FENCE.sub("", text.strip())))
    except (json.JSONDecodeError, ValidationError) as err:
        raise ValueError("the judge's answer is not the JSON object asked for") from err


def judge_letter(llm: Any, result: AppealResult, chart: Chart) -> dict[str, Any]:
    """Score one letter: {"status": "ok", "scores": {...}} or {"status": UNAVAILABLE, ...}."""
    if result.letter is None or not result.text.strip():
        return {"status": "not judged", "reason": "no letter was drafted"}
    redactor = Redactor.for_case(result.denial, chart, enabled=True)
    prompt = load_prompt(PROMPT_ID)
    messages = redactor.redact_messages(render(prompt, prompt_values(result, chart)))
    try:
        reply = llm.complete(messages)
        scores = parse_scores(reply.text)
    except LLMError as err:
        return {"status": UNAVAILABLE, "reason": f"the judge model failed: {err.detail}"}
    except ValueError as err:
        return {"status": UNAVAILABLE, "reason": str(err)}
    return {
        "status": "ok",
        "model": getattr(llm, "model", ""),
        "scores": {k: getattr(scores, k) for k in JUDGE_CRITERIA},
        "comments": redactor.restore(scores.comments),
    }


def judge_metrics(verdict: dict[str, Any]) -> dict[str, float]:
    """The verdict's scores as 0..1 metrics (1 → 0, 5 → 1); none when it is unavailable."""
    if verdict.get("status") != "ok":
        return {}
    return {f"judge_{k}": round((v - 1) / 4, 4) for k, v in verdict["scores"].items()}
