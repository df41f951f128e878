"""Eval cases: loading and the schema (see evals/README.md for the file format).

A case file under evals/cases/ is YAML or JSON holding `cases: [...]`. A denial or chart is
inline text, an inline JSON object (`{json: {...}}`), or a file (`{path: ...}`): a path that
starts with `../shared/` is read from the shared data folder beside the repo (never copied
in); any other path is relative to the case file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from service.errors import SchemaError
from service.evals.paths import EVALS_DIR, REPO

CASES_DIR = EVALS_DIR / "cases"
KINDS = ("appeal", "necessity")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Model):
    """A denial or chart held in a file, or given as a JSON object."""

    path: str | None = None
    json_obj: dict[str, Any] | None = Field(default=None, alias="json")


class Expect(_Model):
    """What a good result for this case looks like."""

    status: Literal["released", "held"] | None = None
    category: str | None = None
    strategy: str | None = None
    # element ids from templates/<letter_type>.elements.yaml; empty means every element
    elements: list[str] = Field(default_factory=list)
    # stated criteria that a point must answer: "SC2", or a keyword gist of the payer's words
    criteria: list[str] = Field(default_factory=list)
    # stated or policy criteria the result must report as gaps (ids or gists)
    gaps: list[str] = Field(default_factory=list)
    # policy passages that should be cited; "NW-IMG-104#coverage-criteria-2" matches any version
    cite: list[str] = Field(default_factory=list)
    include: list[str] = Field(default_factory=list)  # must appear in the letter text
    exclude: list[str] = Field(default_factory=list)  # must not appear (case-insensitive)
    problems: list[str] = Field(default_factory=list)  # problem codes the report must carry
    voice: str | None = None  # default: "practice" for an appeal, "provider" for a necessity letter
    # necessity letters: the readiness verdict, and exactly the criteria the chart lacks
    ready: bool | None = None
    undocumented: list[str] | None = None


class EvalCase(_Model):
    id: str
    kind: Literal["appeal", "necessity"] = "appeal"
    category: str  # the denial category the case exercises (for counts; see DOMAIN.md)
    payer: str  # a corpus payer id, or "other" for payers without policies
    tags: list[str] = Field(default_factory=list)  # hard-case labels: ocr, multi_service, ...
    note: str = ""
    denial: str | Source
    chart: str | Source | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    # denial fields a biller corrects after parsing: a dict, or "file.json#key" under cases/
    corrections: str | dict[str, Any] | None = None
    expect: Expect = Field(default_factory=Expect)
    file: str = ""  # the case file, filled in by the loader

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not value or any(ch.isspace() for ch in value):
            raise ValueError("a case id is one word")
        return value


def expected_voice(case: EvalCase) -> str:
    """The voice the case's letter must be written in."""
    if case.expect.voice:
        return case.expect.voice
    return "provider" if case.kind == "necessity" else "practice"


def _read_source(src: str | Source | None, base: Path, field: str) -> tuple[Any, str | None]:
    """The input as the pipeline takes it (text, dict or None) and a note when it is missing."""
    if src is None or isinstance(src, str):
        return src, None
    if src.json_obj is not None:
        return src.json_obj, None
    if not src.path:
        raise SchemaError("A source needs a path or a json object.", field=field)
    path = (REPO / src.path) if src.path.startswith("../") else (base / src.path)
    if not path.is_file():
        return None, f"{field} file {src.path} not found"
    return path.read_text(encoding="utf-8"), None


def case_inputs(case: EvalCase) -> tuple[Any, Any, list[str]]:
    """(denial_in, chart_in, notes) for the pipeline; a missing chart file is noted, not fatal."""
    base = (CASES_DIR / case.file).parent if case.file else CASES_DIR
    denial, missing = _read_source(case.denial, base, "denial")
    if missing:
        raise SchemaError("A case's denial file is missing.", field=f"{case.id}.denial")
    chart, chart_note = _read_source(case.chart, base, "chart")
    return denial, chart, [chart_note] if chart_note else []


def case_corrections(case: EvalCase) -> dict[str, Any]:
    """The denial fields to correct after parsing (for redacted real letters)."""
    if case.corrections is None or isinstance(case.corrections, dict):
        return dict(case.corrections or {})
    name, _, key = case.corrections.partition("#")
    path = CASES_DIR / name
    if not path.is_file():
        raise SchemaError("A case's corrections file is missing.", field=f"{case.id}.corrections")
    data = json.loads(path.read_text(encoding="utf-8"))
    return dict(data.get(key) or {})


def _load_file(path: Path, root: Path) -> list[EvalCase]:
    raw = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(raw)  # JSON is YAML too
    except yaml.YAMLError as err:
        raise SchemaError("A case file is not valid YAML.", field=path.name) from err
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise SchemaError("A case file holds a 'cases' list.", field=path.name)
    rel = str(path.relative_to(root))
    try:
        return [EvalCase.model_validate({**item, "file": rel}) for item in data["cases"]]
    except ValidationError as err:
        raise SchemaError(
            "A case does not match the schema.",
            field=path.name,
            errors=[e["loc"] for e in err.errors()],
        ) from err


def load_cases(root: Path = CASES_DIR, only: list[str] | None = None) -> list[EvalCase]:
    """Every case under root (sorted by file, then as written), optionally only these ids."""
    # only the top level: real/ holds the team's charts and corrections, read by reference
    files = sorted(p for p in root.glob("*") if p.suffix in (".yaml", ".yml", ".json"))
    cases = [c for f in files for c in _load_file(f, root)]
    seen: set[str] = set()
    for c in cases:
        if c.id in seen:
            raise SchemaError("Two eval cases share an id.", field=c.id)
        seen.add(c.id)
    if only:
        wanted = set(only)
        cases = [
            c
            for c in cases
            if c.id in wanted
            or any(t in wanted for t in c.tags)
            or c.category in wanted
            or c.payer in wanted
        ]
    return cases
