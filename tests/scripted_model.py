"""A deterministic scripted model: `respond(messages) -> str` answers Overturn's prompts.

It reads only what it was sent (the fenced data of the draft prompt or the extraction prompt)
and answers like a careful model: a schema-valid draft with one point per criterion whose claim
is met (or consideration), phrasing the evaluation it was given (the comparison kept word for
word), citing only the passage ids given for it (or "denial") and naming only its fact ids;
or an extraction that copies labelled fields, criteria sentences and
note lines exactly as written. Used to record cassettes (tests/llm_server.py serves it) for the
real-denial tests and for the eval suite's model variant; it imports nothing from Overturn.
"""

from __future__ import annotations

import datetime as dt
import json
import re

DATA = re.compile(r"<<<DATA\n(.*?)\n\s*DATA>>>", re.S)
_CRITERION = re.compile(
    r"^- (\S+) \[(\w+), (\w+), claim (\w+)\] facts: ([^;\n]*); passages: ([^\n]*)\n"
    r"\s*<<<DATA\n(.*?)\n\s*DATA>>>"
    r"(?:\n\s*The evidence and comparison that decided it:\n\s*<<<DATA\n(.*?)\n\s*DATA>>>)?",
    re.M | re.S,
)
_FACT = re.compile(r"^- (\S+) \((\w+), ([\d-]+|undated), (.*?)\): (.*)$", re.M)
_PASSAGE = re.compile(r"^- (\S+) \((.*)\):\n\s*<<<DATA\n", re.M)
_CASE = re.compile(r"^- (Payer|Service|Voice|Denial category): (.*)$", re.M)
_STRATEGY = re.compile(r"strategy: (\w+)")
_WORDS = {
    "prior_treatment": "treatment already tried",
    "medication": "medications",
    "imaging": "imaging",
    "exam": "examination findings",
    "diagnosis": "the diagnosis",
    "symptom": "symptoms",
    "functional_limit": "functional limits",
    "surgical_candidacy": "surgical candidacy",
    "plan": "the treatment plan",
    "history": "the clinical history",
    "lab": "laboratory results",
}


def respond(messages: list[dict]) -> str:
    """The reply text for a chat request: a draft, a repaired draft, or an extraction."""
    user = [m["content"] for m in messages if m.get("role") == "user"]
    first = user[0] if user else ""
    if "Criteria:" in first and "Chart facts (from the clinical notes):" in first:
        return json.dumps(draft(first), ensure_ascii=False)  # a repair request gets it again
    if "The denial letter:" in first and "The clinical notes:" in first:
        return json.dumps(extract(first), ensure_ascii=False)
    return "{}"


# --- the draft prompt --------------------------------------------------------------------


def _ids(raw: str) -> list[str]:
    return [x.strip() for x in raw.split(",") if x.strip() and x.strip() != "none"]


def _facts(prompt: str) -> dict[str, dict[str, str]]:
    block = prompt.split("Chart facts (from the clinical notes):", 1)[1]
    block = DATA.search(block)
    found = _FACT.finditer(block.group(1) if block else "")
    return {m[1]: {"type": m[2], "date": m[3], "source": m[4], "text": m[5]} for m in found}


def _when(fact: dict[str, str]) -> str:
    if fact["date"] == "undated":
        return ""
    day = dt.date.fromisoformat(fact["date"])
    return f" of {day.strftime('%B')} {day.day}, {day.year}"


def _quote(text: str) -> str:
    """Text in curly quotes, word for word, as a sentence."""
    text = " ".join(text.split())
    return f"\u201c{text}\u201d" + ("" if text[-1:] in ".!?" else ".")


def _label(source: str) -> str:
    """'Progress note' -> 'progress note'; acronyms (MRI report) stay as written."""
    if len(source) > 1 and source[1].islower():
        return source[0].lower() + source[1:]
    return source


_STATES = {"denial": "The denial states:", "policy": "Your policy requires:"}


def _point(n: int, crit: re.Match[str], facts: dict, passages: set[str], voice: str) -> dict:
    """A point that phrases the criterion's evaluation: its words, then the comparison as given
    (numbers, dates and quotations kept), on the criterion's own fact ids."""
    fact_ids = [f for f in _ids(crit[5]) if f in facts]
    cites = [p for p in _ids(crit[6]) if p in passages] or ["denial"]
    kinds = list(dict.fromkeys(_WORDS.get(facts[f]["type"], "the record") for f in fact_ids))
    comparison = " ".join((crit[8] or "").split())
    if crit[4] == "consideration":
        record = "my record" if voice == "patient" else "this patient's record"
        says = [
            f"The {_label(facts[f]['source'])}{_when(facts[f])} documents: "
            + _quote(facts[f]["text"])
            for f in fact_ids
        ]
        text = (
            f"{_STATES.get(crit[2], 'The requirement reads:')} {_quote(crit[7])} "
            f"Please consider {record} individually. " + " ".join(says)
        )
        claim = "consideration"
    else:
        text = f"{_STATES.get(crit[2], 'The requirement reads:')} {_quote(crit[7])} {comparison}"
        claim = "met"
    return {
        "number": n,
        "heading": f"{' and '.join(kinds[:2]).capitalize() or 'The requirement'} documented",
        "answers": crit[1],
        "claim": claim,
        "text": text.strip(),
        "citations": cites,
        "chart_facts": fact_ids,
    }


def draft(prompt: str) -> dict:
    """A grounded draft for a rendered draft_appeal prompt."""
    case = dict(_CASE.findall(prompt))
    voice = case.get("Voice", "practice").strip()
    strategy = _STRATEGY.search(case.get("Denial category", ""))
    service = case.get("Service", "").strip()
    if not service or "[" in service:  # the letter has no service name to repeat
        service = "the requested service"
    facts, passages = _facts(prompt), {m[1] for m in _PASSAGE.finditer(prompt)}
    answered = [c for c in _CRITERION.finditer(prompt) if c[4] in ("met", "consideration")]
    # the denial's criteria first, as the composer orders them
    answered.sort(key=lambda c: c[2] != "denial")
    points = [_point(i, c, facts, passages, voice) for i, c in enumerate(answered, start=1)]
    ask = (
        "grant an exception and cover"
        if strategy and strategy[1] == "exception_request"
        else "reconsider and reverse the denial of"
    )
    if voice == "patient":
        opening = f"I ask you to {ask} {service}. My records answer each reason given."
        closing = "As my records document each requirement, I ask you to reverse this decision."
    else:
        opening = (
            f"We ask you to {ask} {service} for our patient. The enclosed record answers each "
            "reason your letter gives."
        )
        closing = "As the record documents each requirement, we ask you to reverse this decision."
    return {"opening": opening, "points": points, "closing": closing}


# --- the extraction prompt ---------------------------------------------------------------

_DATE = r"(?:\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|[A-Z][a-z]+\.? \d{1,2}, \d{4})"
_LONG_DATE = r"[A-Z][a-z]+\.? \d{1,2}, \d{4}"
_FIELDS = {
    "member_id": re.compile(r"Member ID#?[ \t]*[:#]?[ \t]*([A-Z0-9\u27e6\u27e7_-]{5,})"),
    "claim_number": re.compile(
        r"Claim(?: number| #|#)?[ \t]*[:#][ \t]*([A-Z0-9\u27e6\u27e7_-]{4,})"
    ),
    "reference_number": re.compile(
        r"Reference(?: Number|#| #)[ \t]*[:#]?[ \t]*([A-Z0-9\u27e6\u27e7_-]{4,})"
    ),
    "date_of_birth": re.compile(rf"(?:DOB|Date of Birth)[ \t]*[:#]?[ \t]*({_DATE})"),
    "reviewer": re.compile(r"([A-Z][\w ]+?)(?: \(\w+\))? has been authorized by your health plan"),
    "guideline": re.compile(r"Guideline titled ([^\n.]+?) to make"),
    "payer": re.compile(r"on behalf of ([A-Z][\w ]+?)(?=[.,\n])|having an? ([A-Z]\w+) plan"),
}
_SERVICE = re.compile(
    r"(?:Service/Item|CPT(?: code)?|Procedure)[ \t]*[:#]?[ \t]*"
    r"(\d{4}[0-9FTU]|[A-V]\d{4})[ \t]+([^\n]+)"
)
_ICD = re.compile(r"\b[A-TV-Z]\d{2}\.[0-9A-Z]{1,4}\b")
_CUES = re.compile(
    r"\b(?:do(?:es)? not show|must|need to|should|not medically necessary because|"
    r"is considered|does not allow)\b",
    re.I,
)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?](?=\s|$))")
_HEADER = re.compile(rf"^({_DATE})\s+(.+)$")
_SKIP = re.compile(r"(?i)\b(?:patient|dob|member id|signed|npi|phone|fax)\b")
_TYPES = [
    ("imaging", r"x-ray|mri|ultrasound|\bct\b|imaging"),
    ("plan", r"^plan:|\bplan\b|recommended"),
    ("diagnosis", r"assessment|diagnos|[A-TV-Z]\d{2}\.\d"),
    ("prior_treatment", r"despite|failed|tried|stopped|therapy"),
    ("medication", r"\bmg\b|tablet|patch"),
    ("exam", r"exam|limited|reflex|tender"),
    ("surgical_candidacy", r"surgical candidate|surgery"),
    ("symptom", r"pain|bleeding|headache"),
]


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    return next((g for g in m.groups() if g), None) if m else None


def _fields(denial: str) -> dict:
    out: dict = {name: _first(rx, denial) for name, rx in _FIELDS.items()}
    sentences = [s.strip() for s in _SENTENCE.findall(denial)]
    reasons = [s for s in sentences if re.search(r"denied|not approved", s)]
    out["denial_reason"] = reasons[0] if reasons else None
    # A letter's own date is a line by itself, written out (a bare 01/01/1960 may be a birth date).
    dated = [ln.strip() for ln in denial.splitlines() if re.fullmatch(_LONG_DATE, ln.strip())]
    out["denial_date"] = dated[0] if dated else None
    dos = re.search(rf"Date(?:s)? of (?:Service|Admission/Service)[ \t]*:[ \t]*({_DATE})", denial)
    out["dates_of_service"] = [dos[1]] if dos else []
    lines = _SERVICE.findall(denial)
    out["service_codes"] = [{"code": c, "description": d.strip()} for c, d in lines]
    out["diagnosis_codes"] = list(dict.fromkeys(_ICD.findall(denial)))
    return out


def _fact_type(line: str) -> str:
    low = line.lower()
    return next((t for t, rx in _TYPES if re.search(rx, low)), "other")


def _chart_facts(notes: str) -> list[dict]:
    facts, when, source = [], "", ""
    for raw in notes.splitlines():
        line = raw.strip()
        header = _HEADER.match(line)
        if header:
            when, source = header[1], header[2]
            continue
        if not line or _SKIP.search(line):
            continue
        facts.append(
            {"type": _fact_type(line), "text": line, "date_as_written": when, "source": source}
        )
    return facts


def extract(prompt: str) -> dict:
    """Verbatim fields, criteria and facts for a rendered extract_denial prompt."""
    blocks = DATA.findall(prompt)
    denial, notes = (blocks + ["", ""])[:2]
    criteria = [s.strip() for s in _SENTENCE.findall(denial) if _CUES.search(s)]
    return {
        "fields": _fields(denial),
        "stated_criteria": [{"text": c} for c in dict.fromkeys(criteria)],
        "chart_facts": _chart_facts(notes),
    }
