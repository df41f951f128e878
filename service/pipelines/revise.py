"""Apply a person's edits to a drafted letter, then re-render and re-validate it.

Edits are keyed by the same field paths the validator reports ("opening", "points[2].text"),
so a problem's `where` names the box to fix. Only wording is editable here: citations, chart
facts and enclosures stay as drafted, and the validator checks the new wording against them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from service.config import Settings
from service.errors import BadInput, SchemaError
from service.models import AppealResult, Chart, LetterDraft, Point
from service.release import gate
from service.render import render_text
from service.validate import validate

LETTER_FIELDS = ("subject", "opening", "closing")
POINT_FIELDS = ("heading", "text")
_POINT_PATH = re.compile(r"^points\[(\d+)\]\.(\w+)$")
MAX_FIELD_CHARS = 20_000


def _point_edits(points: list[Point], edits: Mapping[str, str]) -> list[Point]:
    """Points with their heading/text replaced where an edit names them."""
    out = list(points)
    for path, value in edits.items():
        m = _POINT_PATH.match(path)
        if not m:
            continue
        index, name = int(m.group(1)), m.group(2)
        if index >= len(out) or name not in POINT_FIELDS:
            raise SchemaError("This letter field cannot be edited.", field=path)
        out[index] = out[index].model_copy(update={name: value})
    return out


def _check(edits: Mapping[str, object]) -> dict[str, str]:
    """Edits as clean strings; unknown paths and over-long values are refused by name."""
    clean: dict[str, str] = {}
    for path, value in edits.items():
        if path not in LETTER_FIELDS and not _POINT_PATH.match(path):
            raise SchemaError("This letter field cannot be edited.", field=path)
        if not isinstance(value, str):
            raise SchemaError("An edited letter field must be text.", field=path)
        if len(value) > MAX_FIELD_CHARS:
            raise BadInput("This letter field is too long.", field=path)
        # Browsers send CRLF from textareas; the rendered letter uses LF only.
        text = value.replace("\r\n", "\n").strip()
        if not text:
            raise BadInput("This letter field cannot be empty.", field=path)
        clean[path] = text
    return clean


def apply_edits(letter: LetterDraft, edits: Mapping[str, object]) -> tuple[LetterDraft, list[str]]:
    """The letter with edits applied, and the paths whose wording actually changed."""
    clean = _check(edits)
    changed = [p for p, v in clean.items() if v != _current(letter, p)]
    update: dict[str, object] = {k: v for k, v in clean.items() if k in LETTER_FIELDS}
    update["points"] = _point_edits(letter.points, clean)
    return letter.model_copy(update=update), changed


def _current(letter: LetterDraft, path: str) -> str:
    m = _POINT_PATH.match(path)
    if m is None:
        return str(getattr(letter, path))
    index = int(m.group(1))
    if index >= len(letter.points):
        raise SchemaError("This letter field cannot be edited.", field=path)
    return str(getattr(letter.points[index], m.group(2), ""))


def revise(
    result: AppealResult, edits: Mapping[str, object], *, settings: Settings, chart: Chart
) -> AppealResult:
    """Apply edits to the result's letter, re-render it and re-validate it against its grounds."""
    if result.letter is None:
        raise BadInput("This draft has no letter to edit.", field="letter")
    letter, changed = apply_edits(result.letter, edits)
    letter = letter.model_copy(update={"text": render_text(letter, settings)})
    report = validate(
        letter,
        denial=result.denial,
        chart=chart,
        triage=result.triage,
        evidence=result.evidence,
        passages=result.passages,
        settings=settings,
    )
    notes = list(result.provenance.notes)
    if changed:
        # Field names only: the edited wording may carry PHI and lives in the letter itself.
        notes.append("edited by hand: " + ", ".join(changed))
    return result.model_copy(
        update={
            "letter": letter,
            "text": letter.text,
            "report": report,
            "status": gate(report),
            "provenance": result.provenance.model_copy(update={"notes": notes}),
        }
    )
