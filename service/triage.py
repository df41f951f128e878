"""Triage a denial: its category, the response that fits it, the appeal level and the deadline.

The tables (CARC meanings, wording patterns, priorities, deadline rules with citations) live in
service/data/category_rules.json and deadline_rules.json; this module only applies them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from service.models import Category, DeadlineRule, Denial, PlanType, Strategy, Triage

_DATA = Path(__file__).resolve().parent / "data"
_LETTER_WINDOW = 300  # characters: about the sentence or two that state the reason
_CARC = re.compile(r"^\s*(?:(CO|PR|OA|PI|CR)\s*-?\s*)?([A-Z]?\d+|[A-Z]\d*)\s*$", re.IGNORECASE)


@dataclass
class _Signal:
    """Why a category was chosen: the codes or phrases that point to it."""

    category: Category
    source: str  # "codes" | "wording" | "none"
    evidence: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # categories that lost on priority
    overruled: str | None = None  # the wording's category when codes disagreed with it


@lru_cache(maxsize=1)
def _category_rules() -> dict[str, Any]:
    return json.loads((_DATA / "category_rules.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _deadline_table() -> dict[str, Any]:
    return json.loads((_DATA / "deadline_rules.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[Category, re.Pattern[str], str | None]]:
    return [
        (Category(w["category"]), re.compile(w["pattern"], re.IGNORECASE), w.get("fix"))
        for w in _category_rules()["wording"]
    ]


def deadline_rules() -> dict[str, DeadlineRule]:
    """Every deadline rule in the table, by id."""
    fields_ = DeadlineRule.model_fields
    return {
        row["id"]: DeadlineRule(**{k: v for k, v in row.items() if k in fields_})
        for row in _deadline_table()["rules"]
    }


def _split_code(group: str | None, carc: str) -> tuple[str, str]:
    """('CO', '50') from group 'CO' + carc '50', or from carc 'CO-50' alone."""
    m = _CARC.match(carc or "")
    if not m:
        return (group or "").upper(), (carc or "").strip().upper()
    code = m.group(2).upper()
    if code.isdigit():
        code = code.lstrip("0") or "0"
    return (group or m.group(1) or "").upper(), code


def _rank(categories: list[Category], order_key: str) -> list[Category]:
    order = _category_rules()[order_key]["order"]
    return sorted(set(categories), key=lambda c: order.index(c.value))


def _from_codes(denial: Denial) -> _Signal | None:
    rules = _category_rules()
    hits: list[tuple[Category, str, str, str | None]] = []  # category, code, label, fix
    for adj in denial.adjustments:
        group, code = _split_code(adj.group, adj.carc)
        row = rules["carcs"].get(code)
        if row is None:
            continue  # cost sharing, write-offs and codes we do not know decide nothing
        shown = f"{group}-{code}" if group else f"CARC {code}"
        hits.append((Category(row["category"]), shown, row["label"], row.get("fix")))
    if not hits:
        for rc in denial.remark_codes:
            row = rules["remark_codes"].get(rc.strip().upper())
            if isinstance(row, dict):
                hits.append((Category(row["category"]), f"remark {rc.upper()}", row["label"], None))
    if not hits:
        return None
    ranked = _rank([h[0] for h in hits], "code_priority")
    win = ranked[0]
    return _Signal(
        category=win,
        source="codes",
        evidence=[f"{h[1]}: {h[2]}" for h in hits if h[0] is win],
        fixes=[f"{h[1]}: {h[3]}" for h in hits if h[0] is win and h[3]],
        others=[c.value for c in ranked[1:]],
    )


def _wording_texts(denial: Denial) -> list[tuple[str, int | None]]:
    """Most specific first: the stated reason, the stated criteria, then the whole letter.

    Each text comes with the window (in characters after its first match) that priority
    applies within: a whole letter states its reason before its boilerplate about networks,
    documents and rights, so only matches near the first one compete there.
    """
    texts = [
        (denial.denial_reason or "", None),
        (" ".join(c.text for c in denial.stated_criteria), None),
        (denial.source_text, _LETTER_WINDOW),
    ]
    return [(t, w) for t, w in texts if t.strip()]


def _matches(text: str, window: int | None) -> dict[Category, list[tuple[str, str | None]]]:
    # Wording patterns are written with single spaces; a letter wraps its lines anywhere.
    text = " ".join(text.split())
    hits = []
    for category, pattern, fix in _patterns():
        m = pattern.search(text)
        if m:
            hits.append((m.start(), category, " ".join(m.group(0).split())[:60], fix))
    if hits and window is not None:
        first = min(h[0] for h in hits)
        hits = [h for h in hits if h[0] <= first + window]
    found: dict[Category, list[tuple[str, str | None]]] = {}
    for _, category, phrase, fix in sorted(hits, key=lambda h: h[0]):
        found.setdefault(category, []).append((phrase, fix))
    return found


def _from_wording(denial: Denial) -> _Signal | None:
    for text, window in _wording_texts(denial):
        found = _matches(text, window)
        if denial.network == "in":
            found.pop(Category.NETWORK, None)  # the notice says the provider is in network
        if found:
            ranked = _rank(list(found), "wording_priority")
            win = ranked[0]
            return _Signal(
                category=win,
                source="wording",
                evidence=[f'"{p}"' for p, _ in found[win]],
                fixes=[f for _, f in found[win] if f],
                others=[c.value for c in ranked[1:]],
            )
    return None


def _classify(denial: Denial) -> _Signal:
    """The denial's category: codes outrank wording; priorities settle disagreements."""
    by_codes = _from_codes(denial)
    by_words = _from_wording(denial)
    if by_codes is None and by_words is None and denial.stated_criteria:
        # A notice that names the coverage criteria the request did not meet, and no other
        # reason, denied it on those criteria: the medical-necessity review.
        return _Signal(
            Category.MEDICAL_NECESSITY,
            "criteria",
            evidence=[f"{len(denial.stated_criteria)} stated coverage criteria"],
        )
    if by_codes is None:
        return by_words or _Signal(Category.UNKNOWN, "none")
    if by_words is not None and by_words.category is not by_codes.category:
        by_codes.overruled = by_words.category.value
    return by_codes


def _rule_id(plan: PlanType, category: Category) -> str | None:
    steps = _deadline_table()["first_step"].get(plan.value)
    if not steps:
        return None
    if category is Category.FORMULARY and "formulary" in steps:
        return steps["formulary"]
    return steps["default"]


def apply_rule(rule: DeadlineRule, notice_date: date) -> date | None:
    """Last day to file under `rule` for a notice dated `notice_date`; None if no time limit."""
    start = notice_date + timedelta(days=rule.receipt_grace_days)
    if rule.days is not None:
        return start + timedelta(days=rule.days)
    if rule.months is not None:
        # relativedelta clamps to the month's last day (Oct 31 + 4 months = Feb 28/29): the
        # earlier, safer reading when the target month is shorter.
        return start + relativedelta(months=rule.months)
    return None


def days_left(deadline: date | None, today: date | None) -> int | None:
    """Days from `today` to `deadline` (negative once passed); None if either is unknown."""
    if deadline is None or today is None:
        return None
    return (deadline - today).days


def _period(rule: DeadlineRule) -> str:
    return f"{rule.days} days" if rule.days is not None else f"{rule.months} months"


def _rule_text(rule: DeadlineRule) -> str:
    if rule.days is None and rule.months is None:
        return f"{rule.level}: {rule.basis} ({rule.citation})"
    return f"{rule.level}: {_period(rule)} from {rule.basis} ({rule.citation})"


def _no_period_note(rule: DeadlineRule) -> str:
    note = f"No filing deadline: {rule.basis} ({rule.citation})."
    nxt = _deadline_table_row(rule).get("next")
    if nxt:
        after = deadline_rules()[nxt]
        note += f" If it is denied, the next step ({after.level}) must be requested within"
        note += f" {_period(after)} of that notice ({after.citation})."
    return note


def _deadline_table_row(rule: DeadlineRule) -> dict[str, Any]:
    for row in _deadline_table()["rules"]:
        if row["plan_type"] == rule.plan_type.value and row["level"] == rule.level:
            return row
    return {}


def _undated_note(rule: DeadlineRule | None, stated: int | None) -> str:
    note = "The deadline cannot be computed without the date of the denial notice."
    if rule is not None and (rule.days is not None or rule.months is not None):
        note += f" Rule that applies: {_rule_text(rule)}."
    elif rule is not None:
        note = _no_period_note(rule)
    if stated is not None:
        note += f" The denial letter allows {stated} days."
    return note


def _dated(rule: DeadlineRule | None, notice: date, stated: int | None) -> tuple[date | None, str]:
    regulatory = apply_rule(rule, notice) if rule is not None else None
    rule_text = _rule_text(rule) if rule is not None else ""
    by_letter = notice + timedelta(days=stated) if stated is not None else None
    if regulatory and by_letter:
        # The notice's own sentence governs this claim; the table is the default when the
        # notice is silent, and it is named so a reviewer can see where they differ.
        return by_letter, (
            f"Using the {stated}-day deadline stated in the denial letter; the default rule "
            f"would give {regulatory.isoformat()} ({rule_text})."
        )
    if regulatory:
        return regulatory, f"{rule_text}."
    if by_letter:
        return by_letter, f"Using the {stated}-day deadline stated in the denial letter."
    if rule is not None:
        return None, _no_period_note(rule)
    return None, "The denial letter states no deadline; check the plan documents."


def _deadline(denial: Denial, rule: DeadlineRule | None, today: date) -> tuple[date | None, str]:
    stated = denial.appeal_instructions.deadline_days
    prefix = ""
    if denial.plan_type is PlanType.UNKNOWN:
        prefix = (
            "The plan type was not stated, so the appeal level is the usual first step and no "
            "regulatory deadline applies. "
        )
    if denial.denial_date is None:
        return None, prefix + _undated_note(rule, stated)
    deadline, note = _dated(rule, denial.denial_date, stated)
    left = days_left(deadline, today)
    if left is not None and left < 0:
        note += f" The deadline passed {-left} days ago; a late request needs good cause."
    elif left is not None:
        note += f" {left} days left."
    return deadline, prefix + note


def _rationale(signal: _Signal) -> str:
    spec = _category_rules()["categories"][signal.category.value]
    if signal.source == "none":
        return f"No denial code or wording named the reason: {spec['response']}."
    how = {"codes": "codes point", "criteria": "stated criteria point"}.get(
        signal.source, "wording points"
    )
    text = f"The denial's {how} to {spec['label']} ({'; '.join(signal.evidence)})"
    if signal.others:
        text += f", which outranks {', '.join(o.replace('_', ' ') for o in signal.others)}"
    text += f": {spec['response']}."
    if signal.overruled:
        text += f" Codes outrank the wording, which suggests {signal.overruled.replace('_', ' ')}."
    if signal.category is Category.CODING and signal.fixes:
        text += " What to fix: " + "; ".join(signal.fixes) + "."
    return text


def triage(denial: Denial, today: date | None = None) -> Triage:
    """Category, strategy, letter type, appeal level and deadline for one denial."""
    today = today or date.today()
    signal = _classify(denial)
    spec = _category_rules()["categories"][signal.category.value]
    rule_id = _rule_id(denial.plan_type, signal.category)
    rule = deadline_rules()[rule_id] if rule_id else None
    deadline, note = _deadline(denial, rule, today)
    return Triage(
        category=signal.category,
        strategy=Strategy(spec["strategy"]),
        letter_type=spec["letter_type"],
        appeal_level=rule.level if rule else _deadline_table()["unknown_plan_level"],
        deadline=deadline,
        deadline_rule=rule,
        deadline_note=note,
        rationale=_rationale(signal),
    )
