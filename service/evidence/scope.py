"""Whether a policy criterion binds this request, and in which words.

A policy says so about itself: in its front matter (policies/declared.py: `plan_rules`,
`applies_to`) or by a label before the criterion or one of its lettered items ("Benefit limit:",
data/plan_rules.yaml). The plan's own rules are not judged on the chart; a criterion declared
for some diagnoses, purposes or service codes binds only requests for them. An unknown value
(no diagnosis code, no purpose) never unbinds a criterion.
"""

from __future__ import annotations

import re

from service.evidence.vocabulary import load
from service.models import CriterionScope, Denial, PolicyPassage

_LABEL = re.compile(
    r"^\s*(?:\d+[.)]\s+|[a-z][.)]\s+)?([A-Za-z][A-Za-z /-]{2,60}?)\s*(?:\([^)]*\))?:"
)
_ITEM = re.compile(r"^\s*([a-z])[.)]\s+", re.M)


def labelled_rule(text: str) -> bool:
    """The text opens with a plan-rule label ("Benefit limit: ...", "4. Visit limits: ...")."""
    m = _LABEL.match(text)
    if not m:
        return False
    label = " ".join(m.group(1).lower().split())
    return any(label == w or label.startswith(w + " ") for w in load("plan_rules")["labels"])


def _items(text: str) -> list[tuple[str, str]]:
    """(letter, text) of each lettered item of a criterion."""
    marks = list(_ITEM.finditer(text))
    if not marks:
        return []
    bounds = [*(m.start() for m in marks[1:]), len(text)]
    return [(m.group(1), text[m.start() : b]) for m, b in zip(marks, bounds, strict=True)]


def item_letters(text: str) -> list[str]:
    """The letters of a criterion's lettered items, in order."""
    return [letter for letter, _ in _items(text)]


def _rule_items(text: str, scope: CriterionScope | None) -> set[str]:
    declared = set(scope.plan_rule_items) if scope else set()
    return declared | {letter for letter, item in _items(text) if labelled_rule(item)}


def why_not(
    passage: PolicyPassage, text: str, denial: Denial, purpose: str | None = None
) -> str | None:
    """Why the criterion does not bind this request (a key of report.j2 `not_binding`), or None."""
    scope = passage.scope
    items = _items(text)
    if (scope and scope.plan_rule) or labelled_rule(text):
        return "plan_rule"
    if items and {letter for letter, _ in items} <= _rule_items(text, scope):
        return "plan_rule"
    if scope is None:
        return None
    dx = [d.code.upper() for d in denial.diagnosis_codes]
    if (
        scope.diagnoses
        and dx
        and not any(d.startswith(p.upper()) for d in dx for p in scope.diagnoses)
    ):
        return "diagnosis"
    if scope.purposes and purpose and purpose not in scope.purposes:
        return "purpose"
    codes = set(denial.service_codes)
    if scope.codes and codes and not codes & set(scope.codes):
        return "code"
    return None


def binding_text(passage: PolicyPassage, text: str) -> str:
    """The criterion without its lettered items that are plan rules."""
    drop = _rule_items(text, passage.scope)
    if not drop:
        return text
    first = _ITEM.search(text)
    head = text[: first.start()] if first else text
    kept = [item for letter, item in _items(text) if letter not in drop]
    return (head + "".join(kept)).rstrip()
