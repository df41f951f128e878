"""The eval runner: every case through every variant (prompt version × model), scored and gated.

The composer is the model named "composer". A model entry may name a cassette folder: its calls
replay from `<folder>/<case id>.yaml` (record mode none) unless the run is live, when they go out
and are recorded. One retriever serves the whole run, and the letter date is fixed by config, so
two runs of the same code give the same letters.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from service.config import Settings
from service.errors import OverturnError
from service.evals.cases import (
    EVALS_DIR,
    REPO,
    EvalCase,
    case_corrections,
    case_inputs,
    load_cases,
)
from service.evals.metrics import METRICS, aggregate, score_case
from service.evals.paths import CONFIG

# The retrieval-eval issue plugs in here: a module with evaluate(retriever) -> {metric: value}.
RETRIEVAL_HOOK = "service.evals.retrieval"


@dataclass
class Variant:
    """One column of the matrix: a model (or the composer) with one prompt version."""

    model: str  # "composer" or a litellm model string
    label: str = ""  # short name in reports; defaults to the model
    prompt: str = "current"  # prompt version label
    prompt_dir: str | None = None  # a folder of prompt files replacing prompts/ for this run
    api_base: str = ""
    api_key_env: str = ""  # environment variable holding the key for live runs
    cassettes: str | None = None  # folder of per-case cassettes

    @property
    def name(self) -> str:
        base = self.label or self.model
        return base if self.model == "composer" else f"{base}@{self.prompt}"


@dataclass
class Options:
    only: list[str] = field(default_factory=list)  # case ids, tags, categories or payers
    variants: list[str] = field(default_factory=list)  # variant names; empty means all
    live: bool = False
    progress: bool = True
    index_dir: str = str(EVALS_DIR / ".index")
    config: Path = CONFIG
    judge: str = ""  # a model for the optional LLM judge; empty: the config's `judge:`, if any


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    """evals/config.yaml: the fixed letter date, settings for every case, and the matrix."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.setdefault("today", "2026-11-22")
    data.setdefault("settings", {})
    data.setdefault("models", [{"model": "composer"}])
    data.setdefault("prompts", [{"version": "current"}])
    data.setdefault("judge", None)  # the LLM judge is off unless configured
    return data


def variants(config: dict[str, Any]) -> list[Variant]:
    """The matrix: the composer once; every other model once per prompt version."""
    out = []
    for entry in config["models"]:
        entry = dict(entry)
        if entry.get("model") == "composer":
            out.append(Variant(model="composer", label=entry.get("label", "")))
            continue
        for prompt in config["prompts"]:
            out.append(
                Variant(prompt=str(prompt["version"]), prompt_dir=prompt.get("dir"), **entry)
            )
    return out


def case_settings(config: dict[str, Any], case: EvalCase, index_dir: str) -> Settings:
    """Settings for one case: config defaults, the case's overrides, fixed date and index."""
    values = {**config["settings"], **case.settings}
    return Settings(**{**values, "today": str(config["today"]), "data_dir": index_dir})


@contextlib.contextmanager
def prompt_dir(folder: str | None) -> Iterator[None]:
    """Serve prompts from another folder for one variant (a candidate prompt version)."""
    if not folder:
        yield
        return
    from service.llm import prompts

    saved = prompts.PROMPTS_DIR
    prompts.PROMPTS_DIR = (REPO / folder).resolve()
    prompts.load_prompt.cache_clear()
    try:
        yield
    finally:
        prompts.PROMPTS_DIR = saved
        prompts.load_prompt.cache_clear()


def _cassette_path(variant: Variant, case: EvalCase) -> Path | None:
    if not variant.cassettes:
        return None
    return REPO / variant.cassettes / variant.prompt / f"{case.id}.yaml"


@contextlib.contextmanager
def cassette(path: Path | None, live: bool) -> Iterator[None]:
    """Replay a case's recorded model calls, or record them on a live run."""
    if path is None:
        yield
        return
    from service.evals.recording import recorder

    path.parent.mkdir(parents=True, exist_ok=True)
    with recorder(record=live).use_cassette(str(path)):
        yield


def build_model(variant: Variant, live: bool) -> Any:
    """The LLM for a variant; None for the composer. Replays need no real key."""
    if variant.model == "composer":
        return None
    from service.llm.adapter import LiteLLM

    key = os.environ.get(variant.api_key_env, "") if variant.api_key_env else ""
    if not key and not (live and variant.api_key_env):
        key = "sk-none"  # a replay, or a local server that wants no key, still needs one set
    return LiteLLM(
        variant.model,
        api_base=variant.api_base or None,
        api_key=key or None,
        timeout=60.0,
        max_retries=0,
    )


def skip_reason(case: EvalCase, variant: Variant, live: bool) -> str | None:
    """Why a case cannot run in this variant, or None."""
    if case.kind == "necessity" and variant.model != "composer":
        return "the necessity pipeline has no model path: its letters run in the composer only"
    path = _cassette_path(variant, case)
    if path is not None and not live and not path.is_file():
        return f"no cassette recorded at {path.relative_to(REPO)}; run with --live to record"
    return None


def run_case(
    case: EvalCase,
    variant: Variant,
    config: dict[str, Any],
    retriever: Any,
    opts: Options,
    judge: Any = None,
) -> dict[str, Any]:
    """Draft one case in one variant and score it: the record the results file keeps."""
    if case.kind == "necessity":
        return run_necessity_case(case, config, retriever, opts)
    from service.pipelines.appeal import draft_case, read_appeal_case

    settings = case_settings(config, case, opts.index_dir)
    denial_in, chart_in, notes = case_inputs(case)
    started = time.perf_counter()
    record = {**_base_record(case), "notes": notes}
    try:
        with prompt_dir(variant.prompt_dir), cassette(_cassette_path(variant, case), opts.live):
            model = build_model(variant, opts.live)
            # corrections go in before the model reads anything, as in the API
            parsed = read_appeal_case(
                denial_in, chart_in, settings, case_corrections(case) or None, llm=model
            )
            result = draft_case(parsed, settings=settings, retriever=retriever, llm=model)
    except OverturnError as err:
        return _error_record(record, err)
    score = score_case(case, result, parsed.chart, settings)
    if variant.model != "composer" and result.triage.letter_type:  # no letter, no model call
        fell_back = result.provenance.drafter != "llm"
        score.put(
            "model_drafted",
            0.0 if fell_back else 1.0,
            [
                f"the composer wrote it: {' '.join(result.provenance.notes)[-160:]}"
                + (" (a replay miss? re-record the cassettes)" if not opts.live else "")
            ]
            if fell_back
            else [],
        )
    record.update(
        status=result.status.value,
        triage=[result.triage.category.value, result.triage.strategy.value],
        text=result.text or result.triage.rationale,
        problems=[
            {"code": p.code, "where": p.where, "severity": p.severity}
            for p in result.report.problems
        ],
        cited=[c.passage_id for p in result.points for c in p.citations if c.passage_id],
        metrics=score.values,
        failures=[{"metric": f.metric, "detail": f.detail} for f in score.failures],
        drafter=result.provenance.drafter,
        seconds=round(time.perf_counter() - started, 3),
    )
    record["notes"] += result.provenance.notes
    if judge is not None:
        _judged(record, judge, result, parsed.chart)
    return record


def _judged(record: dict[str, Any], judge: Any, result: Any, chart: Any) -> None:
    """Add the LLM judge's verdict and its metrics to a record."""
    from service.evals.judge import UNAVAILABLE, judge_letter, judge_metrics

    verdict = judge_letter(judge, result, chart)
    record["judge"] = verdict
    record["metrics"].update(judge_metrics(verdict))
    if verdict["status"] == UNAVAILABLE:
        record["notes"].append(f"{UNAVAILABLE}: {verdict['reason']}")


def _base_record(case: EvalCase) -> dict[str, Any]:
    return {
        "kind": case.kind,
        "category": case.category,
        "payer": case.payer,
        "tags": case.tags,
        "expected_status": case.expect.status,
        "notes": [],
    }


def _error_record(record: dict[str, Any], err: OverturnError) -> dict[str, Any]:
    """A case the pipeline refused: it fails status accuracy with the error named."""
    record.update(
        status="error",
        text="",
        problems=[],
        metrics={"status_accuracy": 0.0},
        failures=[
            {"metric": "status_accuracy", "detail": f"the pipeline raised {err.slug}: {err.detail}"}
        ],
    )
    return record


def run_necessity_case(
    case: EvalCase, config: dict[str, Any], retriever: Any, opts: Options
) -> dict[str, Any]:
    """Draft one letter of medical necessity through the API's entry and score it."""
    from service.evals import necessity

    settings = case_settings(config, case, opts.index_dir)
    started = time.perf_counter()
    record = _base_record(case)
    try:
        result, parsed = necessity.draft(case, settings, retriever)
    except OverturnError as err:
        return _error_record(record, err)
    score = necessity.score_necessity(case, result, parsed, settings)
    record.update(
        status=result.status.value,
        text=result.text,
        problems=[
            {"code": p.code, "where": p.where, "severity": p.severity}
            for p in result.report.problems
        ],
        cited=[c.passage_id for p in result.letter.points for c in p.citations if c.passage_id],
        metrics=score.values,
        failures=[{"metric": f.metric, "detail": f.detail} for f in score.failures],
        drafter=result.provenance.drafter,
        seconds=round(time.perf_counter() - started, 3),
        **necessity.record_fields(result),
    )
    record["notes"] += result.provenance.notes
    return record


def retrieval_section(retriever: Any) -> dict[str, Any]:
    """Retrieval metrics (recall@5, MRR) from the retrieval-eval module, once it exists."""
    if importlib.util.find_spec(RETRIEVAL_HOOK) is None:
        return {
            "status": "not yet available",
            "note": f"add {RETRIEVAL_HOOK}.evaluate(retriever) -> {{metric: value}}",
        }
    module = importlib.import_module(RETRIEVAL_HOOK)
    return {"status": "ok", "metrics": module.evaluate(retriever)}


def open_retriever(index_dir: str) -> Any:
    """The real hybrid retriever over the shipped corpus, built once into index_dir."""
    from service.policies.retrieve import build_retriever

    return build_retriever(Settings(data_dir=index_dir))


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="case", disable=not enabled, dynamic_ncols=True)


def run_eval(opts: Options, retriever: Any = None, judge: Any = None) -> dict[str, Any]:
    """Run the matrix over the cases; the results dict the report and the gate read.

    `judge` is an LLM for the optional judge; without it, `opts.judge` or the config names one.
    """
    from service.evals.judge import build_judge

    started = time.perf_counter()
    config = load_config(opts.config)
    judge = judge if judge is not None else build_judge(opts.judge or config["judge"])
    cases = load_cases(only=opts.only or None)
    matrix = [v for v in variants(config) if not opts.variants or v.name in opts.variants]
    retriever = retriever if retriever is not None else open_retriever(opts.index_dir)
    out: dict[str, Any] = {"variants": {}, "skipped": {}}
    bar = _progress(len(cases) * len(matrix), opts.progress)
    for variant in matrix:
        records: dict[str, Any] = {}
        for case in cases:
            bar.set_description(f"{variant.name} {case.id}"[:40])
            reason = skip_reason(case, variant, opts.live)
            if reason:
                out["skipped"].setdefault(variant.name, {})[case.id] = reason
            else:
                records[case.id] = run_case(case, variant, config, retriever, opts, judge)
            bar.update(1)
        out["variants"][variant.name] = {
            "model": variant.model,
            "prompt": variant.prompt,
            "cases": records,
            "metrics": _aggregate(records),
        }
    bar.close()
    out["retrieval"] = retrieval_section(retriever)
    out["meta"] = {
        "today": str(config["today"]),
        "cases": len(cases),
        "filtered": bool(opts.only),
        "variants": [v.name for v in matrix],
        "live": opts.live,
        "judge": getattr(judge, "model", None),
        "corpus_version": getattr(retriever, "corpus_version", None),
        "seconds": round(time.perf_counter() - started, 1),
        "metrics_help": {m.name: m.help for m in METRICS.values()},
    }
    return out


def _aggregate(records: dict[str, Any]) -> dict[str, float | None]:
    from service.evals.metrics import CaseScore

    return aggregate([CaseScore(values=r["metrics"]) for r in records.values()])
