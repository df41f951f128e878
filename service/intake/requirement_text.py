"""The sentences of a denial that state a requirement, and which of them no criterion covers.

A reader that misses a stated criterion leaves the gate blind to it: the criterion is neither
judged nor answered, and a letter could be released with it unmet. So the gate also reads the
letter the plain way: every sentence (or table row, or list item) outside the appeal-rights
boilerplate that carries a requirement word (a duty, a need, a threshold, a condition of
coverage; data/notice_phrases.yaml `requirement`; the plan's own duties, `plan_duty`, are not
the service's requirements) must be accounted for by the criteria that
were judged, most of its own words being theirs. What is left is named for the biller.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.intake.appeal_rights import notice
from service.intake.enumeration import is_boiler
from service.intake.text import segments

_WORD = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*")
# Words that carry no requirement of their own: function words, the parties, the requirement
# words themselves and the denial's verbs.
_PLAIN_WORDS = """
    the a an and or of to in for with on at by is are be been was were this that these those
    your you we our us it its as from if than then any each one who which what when also
    such not no do does did has have had will would should must may can need needs needed
    require requires required requirement requirements include includes including least more
    provider doctor physician member patient plan request requested service services
    records notes show shows showed document documented documentation information reviewed
    denied approved covered necessary medically only there their they he she his her them
"""
_PLAIN = frozenset(_PLAIN_WORDS.split())
MIN_WORDS = 4  # a requirement has at least this many words of its own
ACCOUNTED = 0.5  # share of a sentence's own words the criteria must hold to account for it


def _own_words(text: str) -> set[str]:
    return {w.rstrip("s") for w in _WORD.findall(text.lower()) if w not in _PLAIN and len(w) > 1}


def requirement_sentences(text: str) -> list[str]:
    """Sentences, rows and items of a letter that state a requirement (not its boilerplate)."""
    cue, out = notice("requirement"), []
    for a, b in segments(text):
        s = " ".join(text[a:b].split())
        if s.endswith(":"):
            continue  # a list's lead-in: its items state the requirements
        if notice("plan_duty").search(s) or is_boiler(s):
            continue
        if cue.search(s) and len(_own_words(s)) >= MIN_WORDS:
            out.append(s)
    return out


def unaccounted(text: str, criteria: Sequence[str]) -> list[str]:
    """The letter's requirement sentences that the criteria's words do not account for."""
    held = set().union(*(_own_words(c) for c in criteria)) if criteria else set()
    out = []
    for s in requirement_sentences(text):
        own = _own_words(s)
        if len(own & held) < ACCOUNTED * len(own):
            out.append(s)
    return out
