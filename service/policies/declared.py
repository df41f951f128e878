"""What a policy says about its own criteria, in its front matter, attached to their passages.

    plan_rules: [4, "5.a", "5.c"]        # the plan's own rules (visit or benefit limits): a
                                         # criterion, or lettered items of one, that no chart
                                         # documents
    applies_to:                          # criteria that bind only some requests
      3: {diagnoses: [I63, I69], purposes: [continuation_of_care], codes: [K0823]}

Keys are the criterion numbers as the document numbers them ("4"), and "4.b" (or "4b") for a
lettered item. A policy says this about itself; nothing here knows a payer or a policy.
"""

from __future__ import annotations

import re
from pathlib import Path

from service.errors import BadInput
from service.models import CriterionScope, PolicyPassage

_KEY = re.compile(r"^\s*(\d+)\s*(?:\.?\s*([a-z]))?\s*$", re.I)
_APPLIES = ("diagnoses", "purposes", "codes")


def _key(raw: object, path: Path) -> tuple[str, str | None]:
    m = _KEY.match(str(raw))
    if not m:
        raise BadInput(
            f"Front matter of {path.name}: {raw!r} is not a criterion number ('4' or '4.b').",
            path=str(path),
            field="plan_rules",
        )
    return m.group(1), (m.group(2) or "").lower() or None


def _listed(value: object, key: str, path: Path) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    out = [str(item).strip() for item in value if str(item).strip()]
    if not out:
        raise BadInput(f"Front matter key {key} of {path.name} is empty.", path=str(path))
    return out


def declarations(meta: dict, path: Path) -> dict[str, CriterionScope]:
    """Criterion number -> what the front matter declares about it."""
    out: dict[str, CriterionScope] = {}
    for raw in _listed(meta.get("plan_rules"), "plan_rules", path):
        number, item = _key(raw, path)
        scope = out.setdefault(number, CriterionScope())
        if item:
            scope.plan_rule_items.append(item)
        else:
            scope.plan_rule = True
    applies = meta.get("applies_to") or {}
    if not isinstance(applies, dict):
        raise BadInput(
            f"Front matter key applies_to of {path.name} must map criterion numbers to "
            "diagnoses, purposes or codes.",
            path=str(path),
            field="applies_to",
        )
    for raw, rule in applies.items():
        number, _ = _key(raw, path)
        if not isinstance(rule, dict) or not set(rule) <= set(_APPLIES):
            raise BadInput(
                f"Front matter applies_to.{raw} of {path.name} may hold only "
                f"{', '.join(_APPLIES)}.",
                path=str(path),
                field="applies_to",
            )
        scope = out.setdefault(number, CriterionScope())
        for key in _APPLIES:
            getattr(scope, key).extend(_listed(rule.get(key), f"applies_to.{raw}.{key}", path))
    return out


def declare(passages: list[PolicyPassage], meta: dict, path: Path) -> list[PolicyPassage]:
    """The passages, each criterion carrying what the front matter declares about it."""
    declared = declarations(meta, path)
    if not declared:
        return passages
    out = []
    for p in passages:
        number = p.section.rsplit(">", 1)[-1].strip() if ">" in p.section else ""
        scope = declared.get(number)
        out.append(p.model_copy(update={"scope": scope}) if scope else p)
    return out
