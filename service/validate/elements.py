"""Required elements: the spec beside each letter template, checked for this case and voice."""

from __future__ import annotations

from service.models import (
    Denial,
    LetterDraft,
    Problem,
    Triage,
)
from service.render import load_spec
from service.validate.grounds import PLACEHOLDER


def _value(letter: LetterDraft, where: str) -> object:
    if where.startswith("identifiers."):
        return letter.identifiers.get(where.split(".", 1)[1])
    if where.startswith("signer."):
        return getattr(letter.signer, where.split(".", 1)[1])
    return getattr(letter, where)


def present(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip()) and not PLACEHOLDER.fullmatch(value.strip())
    return bool(value)


def applies(when: dict | None, denial: Denial, triage: Triage, voice: str) -> bool:
    """Whether a spec element's `when` holds for this case and voice."""
    if not when:
        return True
    if "voices" in when and voice not in when["voices"]:
        return False
    if when.get("post_service") and not (denial.claim_number or denial.adjustments):
        return False
    if "plan_types" in when and denial.plan_type.value not in when["plan_types"]:
        return False
    return not ("categories" in when and triage.category.value not in when["categories"])


def check_required(letter: LetterDraft, denial: Denial, triage: Triage) -> list[Problem]:
    """Every element the spec requires for this letter type and case is present and filled."""
    problems = []
    for el in load_spec(letter.letter_type)["elements"]:
        if not applies(el.get("when"), denial, triage, letter.voice):
            continue
        wheres = el.get("any_of") or [el["where"]]
        if any(present(_value(letter, w)) for w in wheres):
            continue
        problems.append(
            Problem(
                code="missing_element",
                message=f"Missing {el['label']}: not found in the denial, the chart or the "
                "practice settings. Add it and draft again.",
                where=wheres[0],
                severity=el.get("severity", "error"),
            )
        )
    return problems
