"""The grammar of a policy's criteria: the numbered items, their lead-in, alternatives
("one of criteria 1 to 3") and prerequisites stated outside the numbered list.

The chunker (corpus.py) makes one passage per numbered item, with the section's lead-in put
before it; this module reads those passages back as criteria.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.models import PolicyPassage
from service.policies.corpus import slugify
from service.policies.headings import heading_kind

# The marker that starts a top-level criterion ("1.", "IV.", "a)", "- ") at a line's start.
_CRITERION_START = re.compile(r"^\(?(?:\d+|[A-Z]|[IVX]{1,5}|[a-z])[.)]\s+|^[-*•]\s+", re.M)


def criterion_text(passage: PolicyPassage) -> str:
    """The numbered criterion itself, without the section lead-in the chunker prepends."""
    m = _CRITERION_START.search(passage.text)
    return passage.text[m.start() :].strip() if m else passage.text.strip()


def is_criterion_passage(passage: PolicyPassage) -> bool:
    """True for an item of a policy's criteria, under any heading payers put criteria under."""
    if ">" not in passage.section:
        return False
    head, _, rest = passage.section.partition(">")
    return heading_kind(head) == "criteria" and not rest.strip().startswith("part ")


# Lead-ins that make some criteria alternatives: "criterion 1, 2 or 3", "criterion 1 OR
# criterion 2", "ONE of criteria 1 to 5", "ONE of the following" (every numbered criterion).
_OR_NUMBERS = re.compile(r"\bcriteri(?:on|a) (\d+)((?:,\s*\d+)*),? or (?:criterion )?(\d+)", re.I)
_ONE_OF_RANGE = re.compile(r"\b(?:one|any one|any) of criteria (\d+) to (\d+)", re.I)
# "every one of the following" and "each one of" are all of them, not one.
_ONE_OF_ALL = re.compile(
    r"(?<!every )(?<!each )\b(?:one|any one|any) of the"
    r" (?:following|indications|purposes|criteria)\b",
    re.I,
)


def lead_in(passage: PolicyPassage) -> str:
    """The section's lead-in sentence the chunker put before the numbered criterion."""
    m = _CRITERION_START.search(passage.text)
    return passage.text[: m.start()].strip() if m else ""


def criterion_number(passage: PolicyPassage) -> str:
    """'Coverage criteria > 3' -> '3'; a note ('note-1') gives its own label."""
    return passage.section.rsplit(">", 1)[-1].strip()


_ITEM_MARK = re.compile(r"^(?:\d+|[A-Z]|[IVX]{1,5})$")


def is_item(passage: PolicyPassage) -> bool:
    """A criterion numbered 1., A. or IV., or a lead-in prerequisite; a note under the list
    ("note 1": an exemption) is not one."""
    number = criterion_number(passage)
    return bool(_ITEM_MARK.match(number)) or number.startswith(PREREQUISITE)


def alternative_groups(passages: Sequence[PolicyPassage]) -> list[set[str]]:
    """Sets of criterion passage ids of which any one suffices, read from the section lead-in."""
    numbered = {criterion_number(p): p.id for p in passages if is_criterion_passage(p)}
    text = next((lead_in(p) for p in passages if is_criterion_passage(p) and lead_in(p)), "")
    groups: list[set[str]] = []
    for m in _OR_NUMBERS.finditer(text):
        nums = [m.group(1), *re.findall(r"\d+", m.group(2)), m.group(3)]
        groups.append({numbered[n] for n in nums if n in numbered})
    for m in _ONE_OF_RANGE.finditer(text):
        span = range(int(m.group(1)), int(m.group(2)) + 1)
        groups.append({numbered[str(n)] for n in span if str(n) in numbered})
    if not groups and _ONE_OF_ALL.search(text):
        groups.append({pid for n, pid in numbered.items() if n.isdigit()})
    return [g for g in groups if len(g) > 1]


# Decision: a prerequisite written in the criteria lead-in rather than as a numbered item ("when
# knee x-rays ... did not explain the problem AND ONE of the following") binds every request as
# much as a numbered criterion, so it becomes a criterion of its own ("Coverage criteria >
# prerequisite"). So does a lead-in sentence saying something "must"/"is required" "before"/
# "first". The Scope section is not read: it describes the policy, it does not set criteria.
_PREREQ_WHEN = re.compile(
    r"\bwhen (?P<cond>(?:(?!\bcriteri)[^:;])+?),? and (?:one|all|any|at least one|each) of\b",
    re.I,
)
_PREREQ_MUST = re.compile(
    r"[^.:;]*\b(?:must|is required|are required)\b[^.:;]*\b(?:before|first|prior to)\b[^.:;]*",
    re.I,
)
PREREQUISITE = "prerequisite"


def prerequisites(passages: Sequence[PolicyPassage]) -> list[PolicyPassage]:
    """Criteria the lead-in states outside the numbered list, as passages of their own."""
    first = next((p for p in passages if is_criterion_passage(p) and lead_in(p)), None)
    if first is None:
        return []
    text = lead_in(first)
    found = [m.group("cond") for m in _PREREQ_WHEN.finditer(text)]
    found += [m.group(0) for m in _PREREQ_MUST.finditer(text)]
    base = first.id.split("#", 1)[0]
    head = first.section.split(">", 1)[0].strip()
    slug = slugify(head)
    return [
        first.model_copy(
            update={
                "id": f"{base}#{slug}-{PREREQUISITE}" + (f"-{i}" if i else ""),
                "section": f"{head} > {PREREQUISITE}" + (f" {i + 1}" if i else ""),
                "text": cond.strip()[0].upper() + cond.strip()[1:].rstrip(".") + ".",
            }
        )
        for i, cond in enumerate(found)
    ]
