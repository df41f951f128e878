"""ConText: whether a mention in a chart sentence is negated, hypothetical, about a family
member, planned, historical or a summary of recurring events, decided by trigger phrases and
their scope (data/context.yaml).

After Harkema et al. (J Biomed Inform 2009): a forward trigger covers the words after it, a
backward trigger the words before it, each up to a number of words or a terminator ("but",
";"). Pseudo-triggers ("no improvement") are masked first: they report an outcome, they do not
negate. A trigger written as a label ("FHx:", "Plan:") covers the rest of its sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from service.evidence.vocabulary import load

STATUSES = ("negated", "hypothetical", "family", "planned", "historical", "recurring")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'/-]*")


@dataclass(frozen=True)
class _Trigger:
    status: str
    forward: bool
    pattern: re.Pattern[str]


def _phrase(p: str) -> str:
    return r"(?<![A-Za-z0-9])" + re.escape(p).replace(r"\ ", r"\s+") + r"(?![A-Za-z0-9])"


@cache
def _rules() -> tuple[list[_Trigger], re.Pattern[str], re.Pattern[str], int]:
    data = load("context")
    triggers = []
    for status in STATUSES:
        for direction in ("forward", "backward"):
            phrases = sorted(data[status].get(direction) or [], key=len, reverse=True)
            if phrases:
                body = "|".join(_phrase(p) for p in phrases)
                triggers.append(
                    _Trigger(status, direction == "forward", re.compile(body, re.IGNORECASE))
                )
    pseudo = "|".join(_phrase(p) for p in sorted(data["pseudo"], key=len, reverse=True))
    words = [t for t in data["terminators"] if t.strip() and t.strip()[0].isalpha()]
    marks = [re.escape(t) for t in data["terminators"] if not (t.strip() and t[0].isalpha())]
    # A full stop ends a scope; the one in "Dr." or "vs." does not.
    stop = r"(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bSt)(?<!\bvs)\.(?=\s|$)"
    term = "|".join([*(_phrase(w) for w in words), *(m for m in marks if m != r"\."), stop])
    return triggers, re.compile(pseudo, re.IGNORECASE), re.compile(term), int(data["scope"])


def _words_between(text: str, a: int, b: int) -> int:
    return len(_WORD.findall(text[a:b]))


def statuses(text: str, start: int, end: int) -> frozenset[str]:
    """The statuses the triggers of `text` give the mention at [start, end)."""
    triggers, pseudo, terminator, scope = _rules()
    masked = pseudo.sub(lambda m: " " * len(m.group()), text)
    found: set[str] = set()
    for trig in triggers:
        for m in trig.pattern.finditer(masked):
            if m.start() < end and m.end() > start:
                continue  # the trigger is the mention itself ("pending" in a result)
            if _covers(masked, m, start, end, trig.forward, terminator, scope):
                found.add(trig.status)
                break
    return frozenset(found)


def _covers(
    text: str,
    m: re.Match[str],
    start: int,
    end: int,
    forward: bool,
    terminator: re.Pattern[str],
    scope: int,
) -> bool:
    if forward:
        if m.end() > start:
            return False
        label = re.match(r"\s*:", text[m.end() :])
        between = text[m.end() + (label.end() if label else 0) : start]
        if label:  # "Plan: ..." reaches to the end of the sentence
            return not re.search(r"\.(?=\s|$)", between)
        return not terminator.search(between) and _words_between(text, m.end(), start) <= scope
    if m.start() < end:
        return False
    between = text[end : m.start()]
    return not terminator.search(between) and _words_between(text, end, m.start()) <= scope


def counts(status: frozenset[str], *, planned_ok: bool = False) -> bool:
    """True when a mention with these statuses is evidence that the thing happened or is so."""
    blocked = {"negated", "hypothetical", "family"} | (set() if planned_ok else {"planned"})
    return not status & blocked
