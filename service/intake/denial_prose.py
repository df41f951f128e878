"""The prose of a denial: the sentences that state its criteria, its reason, the guideline
it names and the drugs it denies; and the draft the denial parser fills as it reads.

Used when the letter states its criteria in sentences rather than in a list (the enumerations
are read by denial_criteria.py first). Keyword patterns run on an OCR-folded copy of the text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache
from typing import Any

from service.intake.appeal_rights import notice
from service.intake.codes import PLACEHOLDER_RE
from service.intake.layout import fold as _fold
from service.intake.layout import keywords as _keywords
from service.models import CodeSystem, ServiceLine, Span, StatedCriterion


@cache
def _folded_family(key: str) -> re.Pattern[str]:
    """A phrase family of data/notice_phrases.yaml, to run on OCR-folded text."""
    return _keywords(notice(key).pattern)


def is_denial(folded: str) -> bool:
    """Whether the (folded) text says something was refused, reduced or not covered."""
    return bool(_folded_family("denial_words").search(folded))


def _denied(folded: str) -> bool:
    """Words that say this letter refuses something (narrower than the denial words)."""
    return bool(_folded_family("denied").search(folded))


_REASON_LEAD = _keywords(
    r"\bbecause\b|\bdue\s+to\s+the\s+following\b|\breasons?(?:\(s\))?\s*:"
    r"|\bfor\s+the\s+following\s+reasons?\b|\bdenial\s+reason\b",
    re.I,
)
# A stated criterion is a sentence that names a condition for coverage or says what was not shown.
_CRITERION = _keywords(
    r"\bshould\s+(?:only\s+)?(?:be\s+(?:used|done|tried|given|performed|considered)|include"
    r"|have|show)\b"
    r"|\b(?:you|patient|member|there|records?|notes?|documentation)\s+(?:also\s+)?"
    r"(?:must|needs?|has\s+to|have\s+to)\b"
    r"|\bmust\s+(?:also\s+)?(?:be|have|show|include|document|meet|try|fail)\b"
    r"|\b(?:is|are)\s+required\s+(?:for|before|when|if)\b"
    r"|\brequires?\s+(?:a|an|the|that|prior|documentation|evidence|failure|trial)\b"
    r"|\bonly\s+(?:covered|approved|allowed|medically\s+necessary)\s+(?:when|if|for)\b"
    r"|\bdoes\s+not\s+allow\s+coverage\b|\bnot\s+covered\s+(?:unless|when|if)\b"
    r"|\b(?:did|does|do)\s+not\s+(?:tell|show|say|explain|document|provide|include|indicate"
    r"|demonstrate|describe|state|support)\b"
    r"|\b(?:no|insufficient|lack\s+of)\s+(?:documentation|evidence|record|information)\s+"
    r"(?:of|that|showing|to\s+show)\b"
    r"|\b(?:considered|deemed)\s+(?:experimental|investigational|cosmetic|not\s+proven)\b"
    r"|\bexperimental\s*/\s*investigational\b"
    r"|\bnot\s+(?:included\s+)?on\s+(?:our|the)\s+(?:list\s+of\s+covered\s+drugs|formulary"
    r"|drug\s+list)\b|\bsubject\s+to\s+(?:certain\s+)?limits\b|\bnon-?formulary\b"
    r"|\bmeets?\s+(?:our|the)\s+criteria\s+for\s+coverage\b"
    r"|\brequest(?:ing)?\s+an?\s+(?:formulary\s+|tiering\s+)?exception\b"
    r"|\bstep\s+therapy\b|\b(?:quantity|dosage|dose)\s+(?:limit|exceeds)\b",
    re.I,
)
# Summaries of the decision and appeal-rights boilerplate are not criteria.
_NOT_CRITERION = _keywords(
    r"\b(?:this|that)\s+is\s+the\s+case\b|\bdoes\s+not\s+meet\s+the\s+(?:clinical\s+)?criteria\b"
    r"|\bnot\s+show\s+that\s+(?:you|the\s+(?:patient|member))\s+meets?\s+the\s+(?:\w+\s+)?criteria\b"
    r"|\bbased\s+on\s+the\s+information\b|\bappeal\b|\bgrievance\b|\bright\s+to\b"
    r"|\bfree\s+of\s+charge\b|\bupon\s+request\b|\bTTY\b|\bcall\s+us\b"
    # a sentence that points back at the whole list ("... do not show all of these things")
    r"|\b(?:all|any|each|none|either)\s+of\s+(?:these|those|them)(?:\s+things)?\s*\.?\s*$",
    re.I,
)
_REASON_STOP = _keywords(
    r"\bto\s+make\s+this\s+decision\b|\bmay\s+view\b|\bappeal\b|\bgrievance\b|\bcall\b"
    r"|\bcontact\b|\bright\s+to\b|\bdisagree\b|\bredetermination\b|\breconsideration\b|\bmay\s+obtain\b|\bfree\s+of\s+charge\b|\bupon\s+request\b",
    re.I,
)
# A letter states a handful of criteria; past this many the text is not one letter.
_MAX_CRITERIA = 40
_DUP_CHARS = 600
_LIST_INTRO = _keywords(
    r"(?:criteria|requirements?|information|documentation|reasons?)\b[^:]{0,80}:\s*$"
    r"|\bthe\s+following\b[^:]{0,80}:\s*$"
)
_BULLET_START = re.compile(r"^\s*(?:[•\-*·▪]|\d{1,2}[.)]|[a-z][.)])\s+")
_LEAD_COLON = _keywords(
    r"^.*?\b(?:because|reasons?(?:\(s\))?(?:\s+for\s+(?:the\s+)?denial)?|denial\s+reason)\s*:\s*"
)
_ANAPHOR = _keywords(r"^(?:this|these|that|such|it|they)\b[^.]{0,40}\binclude", re.I)
_DRUG_FORM = re.compile(
    r"\b(?:TABS?|TABLETS?|CAPS?|CAPSULES?|PATCH(?:ES)?|INJ|INJECTION|SOLN|SOLUTION|SUSP"
    r"|SUSPENSION|CREAM|OINT(?:MENT)?|GEL|DEPOT|PEN|INHALER|SPRAY|VIAL|SYRINGE)\b"
    r"|\d+(?:\.\d+)?\s*(?:MG|MCG|ML|%|UNITS?)(?!\w)",
    re.I,
)
_DRUG_PATTERNS = (
    (True, r"\brequest(?:ed)?\s+for\s+(?:benefits|coverage|approval)\s+(?:for|of)\s+"),
    (False, r"\bfollowing\s+(?:prescription|drug|medication)(?:\(s\)|s)?\s*:\s*"),
)
_DRUG_NAME = r"(?P<d>(?:[^.\n]|\.(?=\d))+)"
_DRUG_REQUESTED = re.compile(
    r"\bthe\s+(?P<d>[A-Z][\w/%.()-]*(?:\s+[\w/%.()-]+){0,4}?)\s+requested\b"
)
_GUIDELINES: tuple[tuple[str, int], ...] = (
    (
        r"\b(?:guideline|policy|criteria|bulletin)\s+(?:titled|entitled|called|named)\s+[\"“']?"
        r"(?P<g>[^\"”\n.]{3,120}?)[\"”']?(?=\s+to\s+make\b|\s*[.\n(]|$)",
        re.I,
    ),
    (
        r"\b(?:medical|clinical|coverage|reimbursement|payment)\s+policy(?:\s+bulletin)?"
        r"\s*(?:number|no\.?)?\s*[:#]\s*(?P<g>[^\n.;]{2,100})",
        re.I,
    ),
    # A named guideline with its id ("Clinical Guideline CG-SURG-78", "Medical Policy MP-123").
    (
        r"(?P<g>\b(?:Clinical|Medical|Coverage|Payment|Reimbursement)\s+"
        r"(?:Guideline|Policy(?:\s+Bulletin)?)\s+#?[A-Z][A-Z0-9]*[-.]?[A-Z0-9.-]*\d[\w.-]*\w)",
        0,
    ),
    # A capitalised title ending in Policy or Guideline ("Standard Lupron Depot Policy").
    (r"(?P<g>\b(?:[A-Z][\w'-]*[ \t]+){1,6}(?:Policy[ \t]+Bulletin|Policy|Guidelines?))\b", 0),
    (
        r"(?P<g>\b(?:LCD|Local\s+Coverage\s+Determination)\s*(?:\(LCD\)\s*)?#?\s*L?\d{5}"
        r"|\bNCD\s*#?\s*\d{2,3}(?:\.\d+)*)",
        0,
    ),
)


@dataclass
class Draft:
    """Values found so far, with their spans, warnings and the spans already used."""

    text: str
    today: dt.date | None
    folded: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Span] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    used: list[tuple[int, int]] = field(default_factory=list)
    drugs: list[tuple[str, int, int]] = field(default_factory=list)

    def put(self, key: str, value: Any, start: int, end: int) -> None:
        if key in self.values or value in (None, ""):
            return
        self.values[key] = value
        self.sources[key] = Span(start=start, end=end)
        self.used.append((start, end))

    def add_date_of_service(self, day: dt.date, start: int, end: int) -> None:
        days = self.values.setdefault("dates_of_service", [])
        if day not in days:
            self.sources[f"dates_of_service[{len(days)}]"] = Span(start=start, end=end)
            days.append(day)
            self.used.append((start, end))

    def is_used(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.used)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def drug_lines(d: Draft, offset: int) -> list[ServiceLine]:
    found = list(d.drugs)
    for needs_form, lead in _DRUG_PATTERNS:
        for m in re.finditer(lead + _DRUG_NAME, d.text, re.I):
            name = _trim_drug(m["d"])
            if name and (not needs_form or _DRUG_FORM.search(name)):
                found.append((name, m.start("d"), m.start("d") + len(name)))
    for m in _DRUG_REQUESTED.finditer(d.text):
        if _DRUG_FORM.search(m["d"]):
            found.append((m["d"], m.start("d"), m.end("d")))
    lines: list[ServiceLine] = []
    seen: set[str] = set()
    for name, start, end in found:
        key = " ".join(name.lower().split())
        if key in seen or PLACEHOLDER_RE.search(name):
            continue
        seen.add(key)
        d.sources[f"service_lines[{offset + len(lines)}].description"] = Span(start=start, end=end)
        lines.append(ServiceLine(code_system=CodeSystem.DRUG, description=name))
    return lines


def _trim_drug(raw: str) -> str:
    name = raw.strip()
    # Quantity and days' supply ("30/30", "#30", "QTY 30") follow the drug name on requests.
    name = re.sub(r"\s+(?:\d+/\d+|#\s*\d+|qty:?\s*\d+)\s*$", "", name, flags=re.I)
    name = name.rstrip(" .,;:")
    return name if 2 < len(name) <= 60 else ""


def _clean(text: str) -> str:
    return " ".join(text.split())


def _is_heading(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.8


def prose_criteria(d: Draft, segs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of the sentences that state a criterion (for letters that state no list)."""
    spans: list[list[int]] = []
    last_idx = -2  # index of the segment that last started or extended a kept criterion
    in_list = False  # inside bullets introduced by "The following criteria were not met:"
    for idx, (a, b) in enumerate(segs):
        s, f = d.text[a:b], d.folded[a:b]
        bullet = _BULLET_START.match(s)
        in_list = in_list and bool(bullet)
        listed = in_list and not _NOT_CRITERION.search(f)
        if _LIST_INTRO.search(f):
            in_list = True
        boiler = _NOT_CRITERION.search(f) or notice("boilerplate").search(s)
        if not listed and (_is_heading(s) or not _CRITERION.search(f) or boiler):
            continue
        if listed and bullet:
            a += bullet.end()
        prev = d.text[spans[-1][0] : spans[-1][1]] if spans else ""
        # Elaborations ("This treatment should include ...") and list items ("...; or") belong
        # to the criterion they continue.
        if idx == last_idx + 1 and (_ANAPHOR.match(f) or prev.rstrip().endswith(("; or", "; and"))):
            spans[-1][1] = b
            last_idx = idx
        elif len(spans) < _MAX_CRITERIA and not any(
            _near_duplicate(d.text[a:b], d.text[x:y]) for x, y in spans
        ):
            spans.append([a + _lead_in(d.folded[a:b]), b])
            last_idx = idx
    return [(a, b) for a, b in spans]


# A form's checkbox cells beside a criterion ("[X] Met   [ ] Not met") are not its words.
_CHECKBOX = re.compile(r"\[[ xX✓✔]?\]|[☐☑☒]")


def criterion(d: Draft, i: int, a: int, b: int, words: str | None = None) -> StatedCriterion:
    """The i-th stated criterion at text[a:b] (its `words` when the span holds other cells
    too), its span recorded in the draft."""
    d.sources[f"stated_criteria[{i}]"] = Span(start=a, end=b)
    text = _clean(_CHECKBOX.sub(" ", words or d.text[a:b]))
    return StatedCriterion(id=f"SC{i + 1}", text=text, span=Span(start=a, end=b))


_BECAUSE = _keywords(r"^.*?\b(?:won't|will\s+not|does\s+not|cannot|can't)\s+pay\b.*?\bbecause\s+")


def _lead_in(folded: str) -> int:
    """Length of a "denied because:" lead before the criterion itself, or 0."""
    crit = _CRITERION.search(folded)
    for lead in (_LEAD_COLON.search(folded), _BECAUSE.search(folded)):
        if lead and crit and lead.end() <= crit.start():
            return lead.end()
    return 0


def _near_duplicate(a: str, b: str) -> bool:
    """True when the shorter text is mostly contained in the longer (an OCR-repeated passage)."""
    x, y = sorted((_clean(a).lower()[:_DUP_CHARS], _clean(b).lower()[:_DUP_CHARS]), key=len)
    if x == y or x in y:
        return True
    # Shared letters bound the match from above; most pairs stop here without the O(n*m) match.
    if sum((Counter(x) & Counter(y)).values()) < 0.85 * len(x):
        return False
    matched = sum(
        blk.size for blk in SequenceMatcher(None, x, y, autojunk=False).get_matching_blocks()
    )
    return matched / max(len(x), 1) >= 0.85


def denial_reason(d: Draft, segs: list[tuple[int, int]]) -> None:
    start = next(
        (
            i
            for i, (a, b) in enumerate(segs)
            if _REASON_LEAD.search(d.folded[a:b]) and _denied(d.folded[a:b])
        ),
        None,
    )
    if start is None:
        start = next(
            (
                i
                for i, (a, b) in enumerate(segs)
                if _denied(d.folded[a:b])
                and not _is_heading(d.text[a:b])
                and not _REASON_STOP.search(d.folded[a:b])
            ),
            None,
        )
    if start is None:
        return
    end = start
    for j in range(start + 1, min(start + 12, len(segs))):
        gap = d.text[segs[j - 1][1] : segs[j][0]]
        s = d.text[segs[j][0] : segs[j][1]]
        if _REASON_STOP.search(_fold(s)) or _is_heading(s) or ("\n\n" in gap and j > start + 1):
            break
        end = j
    a, b = segs[start][0], segs[end][1]
    d.put("denial_reason", _clean(d.text[a:b]), a, b)


def guideline(d: Draft) -> None:
    for pattern, flags in _GUIDELINES:
        for m in re.finditer(pattern, d.text, flags):
            raw = m["g"]
            body = raw.strip().rstrip(" ,;:")
            g = _clean(body)
            if len(g) >= 3 and not PLACEHOLDER_RE.search(g) and "privacy" not in g.lower():
                start = m.start("g") + len(raw) - len(raw.lstrip())
                d.put("guideline", g, start, start + len(body))
                return
