"""Chart intake from pasted clinical notes: dated entries, typed facts, patient and provider.

Everything is decided by regex tables in this file, so a fact's type can always be explained
by the cue that set it. A fact's text is exactly the source slice at its span (trimmed), never
rewritten: the letter may quote it and the validator may check the quote.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache

from service.errors import NotText
from service.models import Chart, ChartFact, FactType, Person, Provider, Span

# ---------------------------------------------------------------- dates

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_MON = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE_RE = re.compile(
    r"(?<![\w/])(?:"
    r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    r"|(?P<m>\d{1,2})(?P<sep>[/-])(?P<d>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
    rf"|(?P<lmon>{_MON})\.?\s+(?P<ld>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ly>\d{{4}})"
    rf"|(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dmon>{_MON})\.?,?\s+(?P<dy>\d{{4}})"
    rf"|(?P<mmon>{_MON})\.?,?\s+(?P<my>\d{{4}})"
    r"|(?P<nm>\d{1,2})/(?P<ny>\d{4})"
    r")(?![\w/])",
    re.IGNORECASE,
)
_RANGE_JOIN_RE = re.compile(r"\s*(?:-|–|—|to|through|thru|until|till|and)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class _Date:
    start: int
    end: int
    first: dt.date  # the day, or the 1st of the month for a month-only date
    last: dt.date  # the same day, or the last of the month
    month_only: bool


def _year(raw: str) -> int:
    year = int(raw)
    # two-digit years: 00-50 read as 20xx, the rest as 19xx (a fixed pivot keeps output stable)
    if year < 100:
        year += 2000 if year <= 50 else 1900
    return year


def _to_date(m: re.Match[str]) -> _Date | None:
    g = m.groupdict()
    try:
        if g["iy"]:
            day = dt.date(int(g["iy"]), int(g["im"]), int(g["id"]))
        elif g["m"]:
            day = dt.date(_year(g["y"]), int(g["m"]), int(g["d"]))
        elif g["lmon"]:
            day = dt.date(int(g["ly"]), _MONTHS[g["lmon"][:3].lower()], int(g["ld"]))
        elif g["dmon"]:
            day = dt.date(int(g["dy"]), _MONTHS[g["dmon"][:3].lower()], int(g["dd"]))
        else:
            year = int(g["my"] or g["ny"])
            month = _MONTHS[g["mmon"][:3].lower()] if g["mmon"] else int(g["nm"])
            first = dt.date(year, month, 1)
            nxt = dt.date(year + month // 12, month % 12 + 1, 1)
            return _Date(m.start(), m.end(), first, nxt - dt.timedelta(days=1), True)
    except ValueError:  # 02/30/2017 and the like are not dates
        return None
    return _Date(m.start(), m.end(), day, day, False)


def _find_dates(text: str) -> list[_Date]:
    return [d for m in _DATE_RE.finditer(text) if (d := _to_date(m))]


def _range(text: str, dates: list[_Date]) -> tuple[_Date, _Date] | None:
    """The first 'A - B' / 'from A through B' / 'between A and B' pair in text."""
    for a, b in zip(dates, dates[1:], strict=False):
        join = _RANGE_JOIN_RE.fullmatch(text, a.end, b.start)
        if not join or b.last < a.first:
            continue
        if join.group().strip().lower() == "and" and not re.search(
            r"(?i)\bbetween\s*$", text[: a.start]
        ):
            continue
        return a, b
    return None


def parse_date(value: str) -> dt.date | None:
    """A single full date written in any format the notes parser reads, else None."""
    m = _DATE_RE.fullmatch(value.strip())
    found = _to_date(m) if m else None
    return found.first if found and not found.month_only else None


# ---------------------------------------------------------------- NPI


def npi_is_valid(npi: str) -> bool:
    """True for 10 digits whose last is the Luhn check digit over '80840' + the first nine."""
    if not re.fullmatch(r"\d{10}", npi):
        return False
    total = 0
    for i, ch in enumerate(reversed("80840" + npi)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


# ---------------------------------------------------------------- keyword table
# (name, type, cue pattern). Order is precedence: the first category with a cue in the
# sentence wins. Plan sits high on purpose: "recommend MRI" or "will refer to PT" must not be
# read as imaging or therapy already done. Acronyms that collide with words ("PT" vs "pt" for
# patient, "CT") are matched case-sensitively.
_DRUGS = (
    "ibuprofen|naproxen|meloxicam|celecoxib|diclofenac|etodolac|nabumetone|ketorolac|indomethacin"
    "|aspirin|acetaminophen|tylenol|advil|motrin|aleve|celebrex|mobic|cyclobenzaprine|flexeril"
    "|methocarbamol|robaxin|tizanidine|zanaflex|baclofen|carisoprodol|metaxalone|diazepam|valium"
    "|clonazepam|gabapentin|neurontin|pregabalin|lyrica|duloxetine|cymbalta|amitriptyline"
    "|nortriptyline|prednisone|methylprednisolone|medrol|dexamethasone|tramadol|ultram"
    "|hydrocodone|norco|oxycodone|percocet|codeine|morphine|lidocaine|capsaicin|sumatriptan"
    "|topiramate|metformin|insulin|lisinopril|atorvastatin|omeprazole|nsaids?|muscle relaxants?"
    "|opioids?|analgesics?|anti-?inflammator(?:y|ies)|steroid taper|oral steroids?"
)
_TABLE: tuple[tuple[str, FactType, str], ...] = (
    (
        "candidacy",
        FactType.SURGICAL_CANDIDACY,
        r"\bsurgical candidate|\bcandidate for (?:\w+\s+){0,3}?(?:surgery|surgical|arthroscopy"
        r"|arthroplasty|repair|fusion|replacement|discectomy|decompression|procedure|operation)"
        r"|\bwilling to (?:proceed|undergo|have)|\b(?:wish|want|elect|agree|consent)(?:s|ed)? to"
        r" (?:proceed|undergo|surgery|have surgery)|\bproceed with (?:the )?(?:surgery|surgical)"
        r"|\bsurgery is (?:indicated|recommended|appropriate|warranted)"
        r"|\bwould benefit from (?:surgery|surgical)",
    ),
    (
        "plan",
        FactType.PLAN,
        r"\bwill\b|\bplan(?:s|ned)?\b(?! of care)|\brecommends?\b|\brefer(?:ral)? (?:to|for)\b"
        r"|\bfollow[- ]?up\b|\bf/u\b|\breturn (?:to clinic|in|for)\b|(?-i:\bRTC\b)"
        r"|\bschedul(?:e|ed|ing)\b|\bconsider(?:ing)?\b"
        r"|\brequest(?:ing)? (?:authorization|approval)",
    ),
    (
        "imaging",
        FactType.IMAGING,
        r"\bMRI\b|\bmagnetic resonance\b|\bx-?rays?\b|\bx ray\b|\bradiograph\w*|(?-i:\bCT\b)"
        r"|\bCBCT\b|\bcone[- ]beam\b|\bcomputed tomography\b|\bultrasound\b|\bsonogra\w+"
        r"|\bpanoramic\b|\bpanorex\b|\bimaging\b|\bbone scan\b|\barthrogra\w+|\bmyelogra\w+",
    ),
    (
        "lab",
        FactType.LAB,
        r"\b(?:hb)?a1c\b|(?-i:\bCBC\b)|\bmg/dl\b|(?-i:\bESR\b)|(?-i:\bCRP\b)|(?-i:\b[BC]MP\b)"
        r"|\blipid panel\b|(?-i:\bTSH\b)|(?-i:\bINR\b)|\bcreatinine\b|\bglucose\b|\bhemoglobin\b"
        r"|\bvitamin d\b|\blabs?\b|\blaboratory\b|\brheumatoid factor\b|(?-i:\bANA\b)",
    ),
    (
        "treatment",
        FactType.PRIOR_TREATMENT,
        r"\bphysical therapy\b|(?-i:\bPT\b)|\boccupational therapy\b"
        r"|\btherapy (?:sessions?|visits?)|\battended (?:\w+ ){0,2}(?:sessions|visits)"
        r"|\binjections?\b|\binjected\b|\btrigger point\b|\bepidural\b|(?-i:\bESI\b)"
        r"|\bnerve blocks?\b|\barthrocentesis\b|\b(?:night|bite|mouth) ?guard\b"
        r"|\bocclusal (?:splint|guard|appliance|orthotic)\b|\bsplint\w*|\bbrac(?:e|es|ing)\b"
        r"|\bsoft (?:food )?diet\b|\bchiropract\w+|\bhome exercise\w*|(?-i:\bHEP\b)"
        r"|\bjaw exercises\b|\bstretching\b|\bmassage\b|\bacupuncture\b|(?-i:\bTENS\b)"
        r"|\btraction\b|\bdry needling\b|\bbotox\b|\bmoist heat\b|\bmanual therapy\b"
        r"|\btherapeutic exercise\b",
    ),
    (
        "medication",
        FactType.MEDICATION,
        rf"\b(?:{_DRUGS})\b|\b\d+(?:\.\d+)?\s?(?:mg|mcg|ml|units?)\b(?!/)|\btablets?\b|\btabs?\b"
        r"|\bcapsules?\b|\b(?:bid|tid|qid|prn|qhs|q\d+h)\b|\bprescri\w+",
    ),
    (
        "treatment_generic",
        FactType.PRIOR_TREATMENT,
        r"\btrial of\b|\btried\b|\bconservative (?:treatment|therapy|management|care|measures)"
        r"|\bcourse of\b|\bunderwent\b"
        r"|\bcompleted (?:\w+\s+){0,3}?(?:sessions|visits|course|weeks)",
    ),
    (
        "diagnosis",
        FactType.DIAGNOSIS,
        r"\bdiagnos(?:is|ed|es)\b|(?-i:\b[Dd]x\b)|\bconsistent with\b",
    ),
    (
        "functional",
        FactType.FUNCTIONAL_LIMIT,
        r"\bunable to\b|\bcannot\b|\bcan't\b|\bcan not\b|\bnot able to\b|\bno longer able to\b"
        r"|\bdifficult(?:y|ies)\b|\btrouble\b|\b(?<!normal )limits?\b|\blimiting\b|\blimitations?\b"
        r"|(?-i:\bADLs?\b)|\bactivities of daily living\b|\bmiss(?:ed|es|ing)? (?:\w+\s+)?(?:work"
        r"|school|days)\b|\boff work\b|\binterfer\w+ with\b|\bcan only\b|\bdisabl\w+",
    ),
    (
        "exam",
        FactType.EXAM,
        r"(?-i:\bROM\b)|\brange of motion\b|\bstrength\b|\breflex\w*|\bstraight[- ]leg[- ]rais\w*"
        r"|(?-i:\bSLR\b)|\btender\w*|\bpalpat\w+|\b(?:incisal|interincisal|mouth|jaw) opening\b"
        r"|(?-i:\bMIO\b)|\bopening (?:of|to|was|is) \d+\s?mm\b|(?-i:\bBP\b)|\bblood pressure\b"
        r"|\bheart rate\b|\bpulse\b|\bgait\b|\bsensation\b|\bdermatom\w+|\bmotor\b|\b[0-5]/5\b"
        r"|\bdegrees\b|\bon exam\w*|\bexam(?:ination)?\b|\bcrepitus\b|\bdeviat(?:ion|es|ed)\b"
        r"|\bspurling\w*|\bfaber\b|\blasegue\b|\bbabinski\b|\bclonus\b|\bswelling\b|\bedema\b",
    ),
    (
        "symptom",
        FactType.SYMPTOM,
        r"\bpain\w*\b|\b(?:10|[0-9])\s*/\s*10\b|\bach(?:e|es|ing)\b|\bnumb(?:ness)?\b|\btingling\b"
        r"|\bparesthesi\w+|\bradiat\w+|\bsciatica\b|\block(?:ing|s)\b|\bclick(?:ing|s)\b"
        r"|\bpopping\b|\bheadaches?\b|\bstiffness\b|\bspasms?\b|\bweakness\b|\bburning\b"
        r"|\bsore(?:ness)?\b|\bcomplain(?:s|ed)? of\b|(?-i:\bc/o\b)|\bsymptoms?\b|\bbruxism\b"
        r"|\bclench\w*|\btrismus\b|\bearaches?\b|\btinnitus\b",
    ),
)
# Categories whose negation matters: "did not try PT" is no evidence of PT. Exam, lab and plan
# are left alone, because a negative exam or lab finding is still a finding.
_NEGATABLE = frozenset(
    {
        "candidacy",
        "imaging",
        "treatment",
        "medication",
        "treatment_generic",
        "diagnosis",
        "functional",
        "symptom",
    }
)
_NEG_CUE_RE = re.compile(
    r"\b(?:no|not|denies|denied|deny|never|without|declined|declines|refused|refuses|unwilling"
    r"|negative for|free of|absence of|lack of|did not|didn't|has not|hasn't|have not"
    r"|haven't|had not|nor|neither)\b",
    re.IGNORECASE,
)
# Phrases that contain a negation word but report an outcome ("no relief"): masked out before
# looking for negation so that "PT with no relief" still counts as PT done.
_PSEUDO_NEG_RE = re.compile(
    r"\b(?:no|not|without|did not|didn't|has not|hasn't|have not|had not|never|no longer)\s+"
    r"(?:(?:any|significant|much|lasting|sustained|meaningful|further|real|noticeable|able)\s+)?"
    r"(?:improve\w*|relie\w+|change\w*|benefit\w*|better|help\w*|respond\w*|response|resolv\w*"
    r"|tolerat\w*|effective|success\w*|progress\w*)",
    re.IGNORECASE,
)
_POST_NEG_RE = re.compile(
    r"\W*(?:\w+\W+){0,3}?(?:was|were|has|have|had|is)?\s*(?:not|never)\s+(?:been\s+)?"
    r"(?:tried|attempted|done|performed|completed|started|initiated|obtained|given|prescribed"
    r"|used)\b|\s*:\s*(?:none|no)\b",
    re.IGNORECASE,
)
_CLAUSE_END_RE = re.compile(
    r"[.;:]|\b(?:but|however|although|though|except|which|who|after|despite)\b", re.IGNORECASE
)
_LEADING_NEG_RE = re.compile(
    r"^\W*(?:(?:the\s+)?(?:patient|pt\.?|she|he|they)\s+(?:has\s+|had\s+|is\s+)?)?"
    r"(?:denies|denied|no history of"
    r"|no prior|never|negative for|none\b|no\b|not\b|did not|has not|have not)",
    re.IGNORECASE,
)


@cache  # compiled on first use, not at import
def _table() -> list[tuple[str, FactType, re.Pattern[str]]]:
    return [(n, t, re.compile(p, re.IGNORECASE)) for n, t, p in _TABLE]


def _negated(masked: str, start: int, end: int) -> bool:
    clause = masked[:start]
    breaks = list(_CLAUSE_END_RE.finditer(clause))
    if breaks:
        clause = clause[breaks[-1].end() :]
    cues = list(_NEG_CUE_RE.finditer(clause))
    if cues and len(clause[cues[-1].end() :].split()) <= 5:
        return True
    return bool(_POST_NEG_RE.match(masked[end : end + 60]))


def _cue_hits(text: str) -> dict[str, bool]:
    """Category name -> True if it has a cue that is not negated, False if all are negated."""
    masked = _PSEUDO_NEG_RE.sub(lambda m: " " * len(m.group()), text)
    hits: dict[str, bool] = {}
    for name, _ftype, pattern in _table():
        for m in pattern.finditer(text):
            positive = name not in _NEGATABLE or not _negated(masked, m.start(), m.end())
            hits[name] = hits.get(name, False) or positive
    return hits


# Section labels ("Plan:", "Medications:") and what each does to the sentences under it.
# "force" sections decide the type; "fallback" ones only fill in when no cue matched.
_SECTIONS: dict[str, str] = {
    "subjective": "history",
    "hpi": "history",
    "history of present illness": "history",
    "chief complaint": "history",
    "cc": "history",
    "reason for visit": "history",
    "history": "history",
    "past medical history": "history",
    "pmh": "history",
    "indication": "history",
    "indications": "history",
    "clinical history": "history",
    "social history": "history",
    "allergies": "history",
    "objective": "exam",
    "exam": "exam",
    "physical exam": "exam",
    "examination": "exam",
    "assessment": "diagnosis",
    "diagnosis": "diagnosis",
    "diagnoses": "diagnosis",
    "dx": "diagnosis",
    "impression": "impression",
    "findings": "findings",
    "technique": "findings",
    "comparison": "findings",
    "plan": "plan",
    "recommendation": "plan",
    "recommendations": "plan",
    "assessment and plan": "plan",
    "a/p": "plan",
    "medications": "medication",
    "current medications": "medication",
    "meds": "medication",
    "medication list": "medication",
    "medication": "medication",
    "imaging": "imaging",
    "radiology": "imaging",
    "labs": "lab",
    "laboratory": "lab",
    "lab results": "lab",
    "treatment": "treatment",
    "prior treatment": "treatment",
    "prior treatments": "treatment",
    "treatment history": "treatment",
    "conservative treatment": "treatment",
}
_FORCE = {
    "plan": FactType.PLAN,
    "diagnosis": FactType.DIAGNOSIS,
    "lab": FactType.LAB,
    "medication": FactType.MEDICATION,
    "imaging": FactType.IMAGING,
}
_FALLBACK = {"exam": FactType.EXAM, "treatment": FactType.PRIOR_TREATMENT}
_LABEL_RE = re.compile(
    r"^(?P<label>"
    + "|".join(re.escape(k) for k in sorted(_SECTIONS, key=len, reverse=True))
    + r")\s*:\s*",
    re.IGNORECASE,
)
_IMAGING_TITLE_RE = re.compile(
    r"(?i)\b(?:mri|x-?ray|radiograph\w*|ct|cbct|ultrasound|imaging|radiology|panoramic)\b"
)


def _forced(section: str | None, imaging_note: bool) -> FactType | None:
    if section in ("impression", "findings", None) and imaging_note:
        return FactType.IMAGING  # in an imaging report the findings are the imaging result
    if section == "impression":
        return FactType.DIAGNOSIS
    return _FORCE.get(section or "")


def _by_cues(
    hits: dict[str, bool], leading_neg: bool, fallback: FactType, only: frozenset[str] | None = None
) -> tuple[FactType, bool]:
    for name, ftype, _pattern in _table():
        if name in hits and (only is None or name in only):
            # the strongest cue decides; if it is negated the sentence is only history
            return (ftype, False) if hits[name] else (FactType.HISTORY, True)
    return (FactType.HISTORY, True) if leading_neg else (fallback, False)


def _apply_forced(
    forced: FactType, hits: dict[str, bool], leading_neg: bool
) -> tuple[FactType, bool]:
    if forced is not FactType.PLAN and "plan" in hits:
        return FactType.PLAN, False
    name = {FactType.MEDICATION: "medication", FactType.IMAGING: "imaging"}.get(forced)
    if name and (hits.get(name) is False or (name not in hits and leading_neg)):
        return FactType.HISTORY, True  # "Medications: none", "No imaging on file"
    return forced, False


# Under "Assessment:" a sentence without a code that names a treatment or a test is about that
# ("Failed conservative care including PT x 8 weeks"), not a diagnosis.
_STRONG = frozenset(
    {"candidacy", "plan", "imaging", "lab", "treatment", "medication", "treatment_generic"}
)


def classify(
    text: str, section: str | None = None, imaging_note: bool = False
) -> tuple[FactType, bool]:
    """(type, negated) of one sentence, from the keyword table and its section label."""
    hits = _cue_hits(text)
    has_code = bool(_icd_codes(text, section))
    if has_code:
        hits["diagnosis"] = True
    leading_neg = bool(_LEADING_NEG_RE.match(text))
    if hits.get("candidacy"):
        return FactType.SURGICAL_CANDIDACY, False
    forced = _forced(section, imaging_note)
    if forced is FactType.DIAGNOSIS and not has_code:
        return _by_cues(hits, leading_neg, FactType.DIAGNOSIS, _STRONG)
    if forced is not None:
        return _apply_forced(forced, hits, leading_neg)
    return _by_cues(hits, leading_neg, _FALLBACK.get(section or "", FactType.HISTORY))


# ---------------------------------------------------------------- codes, durations, outcomes

_ICD_RE = re.compile(r"(?<![\w.])([A-TV-Z][0-9][0-9AB](?:\.?[0-9A-Z]{1,4})?)(?![\w])")
_ICD_CONTEXT_RE = re.compile(r"(?i)\b(?:icd(?:-?10)?(?:-cm)?|dx|diagnos\w*|code)\W*$")
_CPT_CUE_RE = re.compile(
    r"\b(?:CPT|HCPCS|CDT)(?:\s+codes?)?\s*[:#]?\s*"
    r"(?P<codes>(?:\d{4}[0-9FTU]|[A-V]\d{4})(?:\s*(?:,|/|&|and|or)\s*(?:\d{4}[0-9FTU]|[A-V]\d{4}))*)"
)
_HCPCS_RE = re.compile(r"(?<![\w.-])([A-HJ-LP-V]\d{4})(?![\w-])")


@cache
def _icd_valid(code: str) -> bool:
    import simple_icd_10_cm as cm  # slow to import (loads the code set): only when needed

    return bool(cm.is_valid_item(code))


def _icd_codes(text: str, section: str | None = None) -> list[str]:
    out: list[str] = []
    for m in _ICD_RE.finditer(text):
        raw = m.group(1)
        if "." not in raw and len(raw) == 5 and raw[0] != "M":
            continue  # five characters without a dot read as a HCPCS code, not ICD-10-CM
        if (
            len(raw) == 3
            and section != "diagnosis"
            and not _ICD_CONTEXT_RE.search(text[: m.start()])
        ):
            continue  # a bare category ("C56") needs a diagnosis context to be a code
        if _icd_valid(raw):
            code = raw if "." in raw or len(raw) == 3 else f"{raw[:3]}.{raw[3:]}"
            out.append(code)
    return out


def _codes(text: str, section: str | None) -> list[str]:
    found = _icd_codes(text, section)
    for m in _CPT_CUE_RE.finditer(text):
        found += re.findall(r"\d{4}[0-9FTU]|[A-V]\d{4}", m.group("codes"))
    found += [c for c in _HCPCS_RE.findall(text) if not _icd_valid(c)]
    return list(dict.fromkeys(found))


_NUM = (
    r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|several|a few)"
)
_UNIT = r"(?:days?|weeks?|wks?|months?|mos?|years?|yrs?|sessions|visits)"
_DURATION_RE = re.compile(
    rf"\b(?:for|over|during|lasting)\s+(?:the\s+)?(?:(?:past|last|previous|prior)\s+)?"
    rf"(?P<a>{_NUM}(?:\s*(?:-|to)\s*{_NUM})?[\s-]*{_UNIT})\b"
    rf"|(?<![\w/])[x×]\s*(?P<b>{_NUM}\s*{_UNIT})\b"
    rf"|\b(?P<c>{_NUM}(?:\s*(?:-|to)\s*{_NUM})?[\s-]{_UNIT})\s+(?:of|course|trial|history)\b"
    rf"|\b(?P<d>since\s+(?:{_MON}\.?(?:\s+\d{{1,2}})?(?:,?\s+\d{{4}})?|\d{{4}}"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|last\s+\w+|childhood))\b",
    re.IGNORECASE,
)
_OUTCOME_RE = re.compile(
    r"\b(?:(?:no|minimal|slight|some|little|significant|modest) improvement"
    r"|(?:did not|didn't|does not|not) (?:improve\w*|help\w*|respond\w*|resolve\w*)"
    r"|failed(?: to \w+)?|failure|unsuccessful|ineffective|not effective|not helpful"
    r"|(?:no|without|minimal|partial|temporary|transient|short-term|little|some|complete"
    r"|significant|moderate)(?: lasting| sustained| meaningful)? relief"
    r"|no benefit|without benefit|worsened|worsening"
    r"|no change|unchanged|improved|resolved|plateaued"
    r"|(?:not|poorly) tolerated|did not tolerate|intoleran\w+)\b",
    re.IGNORECASE,
)


def _duration(text: str) -> str | None:
    # kept as written: "8 weeks" (after "for"/"x"), or "since January" whole
    m = _DURATION_RE.search(text)
    return next(g for g in m.groups() if g).strip() if m else None


def _outcome(text: str) -> str | None:
    m = _OUTCOME_RE.search(text)
    return m.group().strip() if m else None


# ---------------------------------------------------------------- patient and provider

_NAME = r"(?:[A-Z][A-Za-z'\-]+,[ ]?)?[A-Z][A-Za-z'\-]*\.?(?:[ ][A-Z][A-Za-z'\-]*\.?){0,4}"
_ID_LINE_RE = re.compile(
    r"(?i)^\s*(?:patient(?:'s)?\s+name|patient|pt\.?\s+name|name|dob|d\.o\.b\.?|date of birth"
    r"|birth\s*date|member\s*(?:id|#|number|no\.?)|subscriber\s*(?:id|#|number)|mrn"
    r"|medical record\s*(?:number|#|no\.?)|acct\.?|account\s*(?:#|number|no\.?)?|sex|gender"
    r"|age|insurance|payer|ssn|phone|address)\s*[:#]"
)
_PATIENT_NAME_RE = re.compile(
    rf"(?i:patient(?:'s)?\s+name|patient|pt\.?\s+name|name)\s*:\s*(?P<name>{_NAME})"
)
_DOB_RE = re.compile(r"(?i)\b(?:dob|d\.o\.b\.?|date of birth|birth\s*date)\s*[:#]?\s*")
_MEMBER_RE = re.compile(
    r"(?i)\b(?:member|subscriber|insurance|policy)\s*(?:id|#|number|no\.?)\s*[:#]?\s*"
    r"(?P<v>[A-Za-z0-9][A-Za-z0-9-]{3,})"
)
_STOP_TOKENS = {"DOB", "MRN", "MEMBER", "DATE", "SEX", "AGE", "ID", "GENDER", "INSURANCE"}

_CREDS = frozenset(
    (
        "MD",
        "DO",
        "DDS",
        "DMD",
        "NP",
        "FNP",
        "FNP-C",
        "FNP-BC",
        "APRN",
        "CNP",
        "CRNP",
        "DNP",
        "PA",
        "PA-C",
        "PT",
        "DPT",
        "MPT",
        "MSPT",
        "OT",
        "OTR",
        "OTR/L",
        "DC",
        "PHD",
        "RN",
        "MS",
        "MSC",
        "OCS",
        "FACS",
        "FAAOS",
        "FACP",
        "MBBS",
        "PSYD",
        "LCSW",
        "DPM",
        "OD",
        "ATC",
        "CHT",
        "SCS",
    )
)
_PRESCRIBERS = frozenset(
    (
        "MD",
        "DO",
        "DDS",
        "DMD",
        "NP",
        "FNP",
        "FNP-C",
        "FNP-BC",
        "APRN",
        "CNP",
        "CRNP",
        "DNP",
        "PA",
        "PA-C",
        "DPM",
    )
)
_SIGNED_RE = re.compile(
    r"(?i)^\s*(?:electronically\s+)?(?:signed|authenticated|attested|dictated|signature)"
    r"(?:\s+electronically)?(?:\s+by)?\s*[:\-]?\s*(?P<rest>.+)$"
)
_LABELED_RE = re.compile(
    r"(?i)^\s*(?P<kind>treating\s+|rendering\s+|attending\s+)?(?:provider|physician|dentist"
    r"|surgeon|therapist|clinician|doctor|author)(?:\s+name)?\s*:\s*(?P<rest>.+)$"
)
_BARE_SIG_RE = re.compile(
    r"^\s*(?P<rest>(?:Dr\.?\s+)?[A-Z][A-Za-z'.\-]+(?:\s+[A-Z][A-Za-z'.\-]*)"
    r"{1,3}(?:,\s*[A-Z][A-Za-z/.\-]*)+)\s*$"
)
_DR_ONLY_RE = re.compile(
    r"^\s*(?P<rest>Dr\.?\s+[A-Z][A-Za-z'.\-]+(?:\s+[A-Z][A-Za-z'.\-]+){1,3})"
    r"\s*$"
)
_NPI_RE = re.compile(r"(?i)\bNPI\b\s*(?:#|number|no\.?)?\s*[:#]?\s*(?P<npi>\d{9,11})\b")
_PHONE_RE = re.compile(
    r"(?i)\b(?P<label>phone|tel|telephone|ph|office|p|fax|f)\b\.?\s*[:#]?\s*"
    r"(?P<num>\(?\d{3}\)?[\s.\-]*\d{3}[\s.\-]*\d{4}(?:\s*(?:x|ext\.?)\s*\d+)?)"
)
_STREET_RE = re.compile(
    r"(?i)^\s*\d+\s+[\w .'\-]+\b(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln"
    r"|way|parkway|pkwy|court|ct|place|pl|suite|ste|highway|hwy)\b.*$"
)
_CITY_RE = re.compile(r"^\s*[A-Za-z .'\-]+,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\s*$")
_PRACTICE_LABEL_RE = re.compile(
    r"(?i)^\s*(?:practice(?:\s+name)?|clinic|facility|organization)\s*:\s*(?P<v>.+?)\s*$"
)
_ORG_RE = re.compile(
    r"^(?:[A-Z][\w'.\-]*|&|and|of|the|for)(?:\s+(?:[A-Z][\w'.\-]*|&|and|of|the|for)){1,7}\s*$"
)
_ORG_END_RE = re.compile(
    r"(?i)\b(?:surgery|clinic|associates|dentistry|dental|center|centre|group|llc|pc|p\.c\.|pllc"
    r"|inc\.?|orthopa?edics|physical therapy|hospital|health|practice|partners|specialists"
    r"|medicine|rehabilitation|rehab)\b"
)


@dataclass
class _Candidate:
    """One provider named in the notes; the best-scoring one becomes Chart.provider."""

    order: int
    labeled: bool = False
    name: str | None = None
    credentials: str | None = None
    npi: str | None = None
    practice: str | None = None
    address: str | None = None
    phone: str | None = None
    fax: str | None = None

    def score(self) -> tuple[bool, bool, bool, int]:
        # a prescriber's signature beats a therapist's, an NPI beats none, later beats earlier
        creds = {c.strip().upper() for c in (self.credentials or "").split(",")}
        return (bool(creds & _PRESCRIBERS), bool(self.npi), self.labeled, self.order)


@dataclass
class _People:
    patient: Person = field(default_factory=Person)
    candidates: list[_Candidate] = field(default_factory=list)
    letterhead: str | None = None
    warnings: list[str] = field(default_factory=list)
    block_left: int = 0  # lines after a signature still read as its block

    def provider(self) -> Provider:
        if not self.candidates:
            return Provider(practice=self.letterhead)
        best = max(self.candidates, key=_Candidate.score)
        values = {k: v for k, v in vars(best).items() if k not in ("order", "labeled")}
        values["practice"] = values["practice"] or self.letterhead
        return Provider(**values)


def _norm_cred(part: str) -> str:
    return part.replace(".", "").strip().upper()


def _name_and_creds(rest: str) -> tuple[str | None, list[str], list[str]]:
    """'Dr. Maria Lopez, DDS, MS, Lakeside Surgery' -> (name, credentials, other parts)."""
    parts = [p.strip() for p in rest.split(",") if p.strip()]
    if not parts:
        return None, [], []
    tokens = re.sub(r"^Dr\.?\s+", "", parts[0]).split()
    creds = [t for t in tokens if _norm_cred(t) in _CREDS]
    name_tokens = [t for t in tokens if _norm_cred(t) not in _CREDS]
    joined = " ".join(name_tokens)
    name = joined if 2 <= len(name_tokens) <= 5 and re.fullmatch(_NAME, joined) else None
    others: list[str] = []
    for part in parts[1:]:
        (creds if _norm_cred(part) in _CREDS else others).append(part)
    return name, [_norm_cred(c) if c.isupper() or "." in c else c for c in creds], others


def _read_npi(line: str, cand: _Candidate, people: _People) -> None:
    m = _NPI_RE.search(line)
    if not m:
        return
    if npi_is_valid(m.group("npi")):
        cand.npi = cand.npi or m.group("npi")
    else:
        people.warnings.append(
            "provider NPI in the notes fails the NPI check-digit rule; it was not kept"
        )


def _provider_line(line: str, people: _People) -> bool:
    """Read a signature or 'Provider:' line; True when the line named a provider."""
    m = (
        _SIGNED_RE.match(line)
        or _LABELED_RE.match(line)
        or _BARE_SIG_RE.match(line)
        or _DR_ONLY_RE.match(line)
    )
    if not m or re.match(r"(?i)^\s*referr", line):
        return False
    rest = _NPI_RE.sub("", m.group("rest"))
    name, creds, others = _name_and_creds(rest)
    bare = m.re in (_BARE_SIG_RE, _DR_ONLY_RE)
    if name is None and not _NPI_RE.search(line):
        return False
    if bare and not (creds or line.strip().startswith("Dr")):
        return False  # "Jane Roe, Chicago" is not a signature
    cand = _Candidate(
        order=len(people.candidates),
        labeled=m.re is _LABELED_RE,
        name=name,
        credentials=", ".join(creds) or None,
    )
    cand.practice = next((o for o in others if _ORG_END_RE.search(o)), None)
    _read_npi(line, cand, people)
    people.candidates.append(cand)
    people.block_left = 4
    return True


def _block_line(line: str, people: _People) -> bool:
    """Phone, fax, NPI, address or practice lines under a signature, or labeled anywhere."""
    labeled = _PRACTICE_LABEL_RE.match(line)
    if not people.candidates:
        if labeled or (_ORG_RE.match(line.strip()) and _ORG_END_RE.search(line)):
            people.letterhead = people.letterhead or (
                labeled.group("v") if labeled else line.strip()
            )
            return True
        return False
    cand = people.candidates[-1]
    in_block = people.block_left > 0
    if labeled or (in_block and _ORG_RE.match(line.strip()) and _ORG_END_RE.search(line)):
        cand.practice = cand.practice or (labeled.group("v") if labeled else line.strip())
    elif re.match(r"(?i)^\s*NPI\b", line) or in_block and _NPI_RE.search(line):
        _read_npi(line, cand, people)
    elif in_block and _PHONE_RE.search(line):
        for p in _PHONE_RE.finditer(line):
            slot = "fax" if p.group("label").lower() in ("fax", "f") else "phone"
            setattr(cand, slot, getattr(cand, slot) or p.group("num").strip())
    elif in_block and (_STREET_RE.match(line) or _CITY_RE.match(line)):
        part = line.strip()
        cand.address = f"{cand.address}, {part}" if cand.address else part
    elif in_block and all(_norm_cred(p) in _CREDS for p in line.split(",") if p.strip()):
        cand.credentials = cand.credentials or ", ".join(_norm_cred(p) for p in line.split(","))
    else:
        return False
    return True


def _identity_line(line: str, people: _People) -> bool:
    """Read 'Patient: / DOB: / Member ID:' lines; True when the line is identity, not a fact."""
    if not _ID_LINE_RE.match(line):
        return False
    name = _PATIENT_NAME_RE.search(line)
    tokens = name.group("name").split() if name else []
    while tokens and tokens[-1].strip(".,:").upper() in _STOP_TOKENS:
        tokens.pop()
    if re.match(r"(?i)^\s*(?:patient|name)\s*:", line) and len(tokens) < 2:
        return False  # "Patient: 45 yo F with jaw pain" is a sentence, not a name
    if len(tokens) >= 2:
        people.patient.name = people.patient.name or " ".join(tokens).rstrip(",")
    dob = _DOB_RE.search(line)
    dates = _find_dates(line[dob.end() :]) if dob else []
    if dates and dates[0].start <= 2 and not dates[0].month_only:
        people.patient.date_of_birth = people.patient.date_of_birth or dates[0].first
    member = _MEMBER_RE.search(line)
    if member and re.search(r"\d", member.group("v")):
        people.patient.member_id = people.patient.member_id or member.group("v")
    return True  # MRN, sex, phone and the like are identity too, but not kept


# ---------------------------------------------------------------- notes and sentences

_BULLET_RE = re.compile(r"^\s*(?:[-*•·▪◦]|\d{1,2}[.)]|[a-z][.)])\s+")
_BOILER_RE = re.compile(
    r"(?i)^\s*(?:page \d+(?: of \d+)?|confidential\b.*|this (?:document|note|record) (?:was|is"
    r"|contains)\b.*|printed (?:on|by)\b.*|(?:electronically )?signed (?:on|at)\b.*"
    r"|dictated but not read.*|continued(?: on next page)?|sincerely,?|thank you for (?:the"
    r"|this|your) referral.*|nkda|none|none reported|n/a|[-=_*~#.\s]+)\s*$"
)
_DOS_RE = re.compile(
    r"(?i)^\s*(?:date of service|dos|service date|visit date|date of visit|encounter date"
    r"|exam date|date of exam|date)\s*[:#]?\s*"
)
_NOTE_WORD_RE = re.compile(
    r"(?i)\b(?:note|visit|consult\w*|report|evaluation|eval|re-?eval\w*|exam\w*|encounter"
    r"|follow[- ]?up|f/u|summary|appointment|procedure|session|letter|h&p|history and physical"
    r"|imaging|mri|x-?ray|radiograph\w*|ct|cbct|ultrasound|therapy|pt|discharge|intake|office"
    r"|admission|operative)\b"
)
_TITLE_WORD_RE = re.compile(
    r"(?i)\b(?:note|visit|consult(?:ation)?|report|evaluation|encounter|summary|h&p"
    r"|history and physical|discharge|letter)\b"
)
_SENT_END_RE = re.compile(r"[.!?]+[\"')\]]*\s+(?=[A-Z0-9(\"'\[])")
_ABBREV = frozenset(
    (
        "dr",
        "mr",
        "mrs",
        "ms",
        "st",
        "vs",
        "e.g",
        "i.e",
        "approx",
        "pt",
        "no",
        "fig",
        "hx",
        "dx",
        "sx",
        "tx",
        "b.i.d",
        "t.i.d",
        "q.d",
        "p.o",
        "h.s",
        "jr",
        "sr",
        "lt",
        "rt",
    )
)
_BLANK, _BREAK = "blank", "break"


@dataclass(frozen=True)
class _Note:
    date: dt.date | None
    end_date: dt.date | None
    title: str | None


@dataclass(frozen=True)
class _Text:
    start: int
    end: int
    bullet: bool = False


def _dated_header(source: str, start: int, end: int, dates: list[_Date]) -> list[object] | None:
    line = source[start:end]
    first, rng = dates[0], _range(line, dates)
    if rng and rng[0] is not first:
        rng = None
    if first.month_only and not rng:
        return None  # "March 2017: ..." has no day; inventing the 1st would be wrong
    last_end = rng[1].end if rng else first.end
    after = line[last_end:]
    rest_at = last_end + len(after) - len(after.lstrip(" \t-–—:,|)]"))
    rest = line[rest_at:].rstrip()
    title, body = None, rest_at if rest else None
    pre = rest.split(":", 1)[0]
    if ":" in rest and len(pre.split()) <= 6 and "." not in pre:
        title, body = pre.strip(), rest_at + len(pre) + 1
    elif rest and len(rest.split()) <= 6 and _NOTE_WORD_RE.search(rest) and rest[-1] != ".":
        title, body = rest.strip(), None
    events: list[object] = [_Note(first.first, rng[1].last if rng else None, title)]
    if body is not None and line[body:].strip():
        events.append(_Text(start + body, end))
    return events


def _titled_header(line: str, dates: list[_Date]) -> list[object] | None:
    if dates:  # "Progress note - 03/02/2017", "MRI report (04/10/2017)"
        rng = _range(line, dates)
        last = rng[1] if rng else dates[-1]
        pre = line[: dates[0].start].strip(" \t-–—:,(|[")
        if (
            line[last.end :].strip(" \t)]:.")
            or dates[0].month_only
            or not pre
            or len(pre.split()) > 8
            or not _NOTE_WORD_RE.search(pre)
            or ". " in pre
        ):
            return None
        return [_Note(dates[0].first, rng[1].last if rng else None, pre)]
    stripped = line.strip()
    if (
        len(stripped.split()) <= 6
        and _TITLE_WORD_RE.search(stripped)
        and re.fullmatch(r"[\w &/,()'\-]+:?", stripped)
    ):
        return [_Note(None, None, stripped.rstrip(":").strip())]
    return None


def _header(source: str, start: int, end: int) -> list[object] | None:
    line = source[start:end]
    if _BULLET_RE.match(line):
        return None
    dos = _DOS_RE.match(line)
    lead = dos.end() if dos else len(line) - len(line.lstrip())
    dates = _find_dates(line)
    if dates and dates[0].start == lead:
        return _dated_header(source, start, end, dates)
    return None if dos and dos.group().strip() else _titled_header(line, dates)


def _line_events(source: str, start: int, end: int, people: _People) -> list[object]:
    line = source[start:end]
    if not line.strip():
        return [_BLANK]
    people.block_left = max(people.block_left - 1, 0)
    if _BOILER_RE.match(line):
        return [_BREAK]
    if _provider_line(line, people) or people.block_left and _block_line(line, people):
        return [_BREAK]
    if _identity_line(line, people):
        return [_BREAK]
    header = _header(source, start, end)
    if header is not None:
        return header
    if _block_line(line, people):  # letterhead, "Practice:" or "NPI:" outside a signature
        return [_BREAK]
    bullet = _BULLET_RE.match(line)
    return [_Text(start + (bullet.end() if bullet else 0), end, bool(bullet))]


def _continues(source: str, prev: _Text, cur: _Text) -> bool:
    """Whether a line is the hard-wrapped continuation of the previous one."""
    tail, head = source[prev.start : prev.end].rstrip(), source[cur.start : cur.end].lstrip()
    if cur.bullet or not tail or tail[-1] in ".!?:;" or _LABEL_RE.match(head):
        return False
    return (
        head[:1].islower()
        or tail[-1] in ",-/&("
        or bool(re.search(r"(?i)\b(?:and|or|with|of|to|the|for|in|a|an|at|on|by|from)$", tail))
    )


def _scan(source: str, people: _People) -> list[object]:
    """Lines -> note headers, blank/break markers and text blocks with wrapped lines joined."""
    events: list[object] = []
    pos = 0
    for raw in source.splitlines(keepends=True):
        start, end = pos, pos + len(raw.rstrip("\r\n"))
        pos += len(raw)
        for ev in _line_events(source, start, end, people):
            prev = events[-1] if events else None
            if isinstance(ev, _Text) and isinstance(prev, _Text) and _continues(source, prev, ev):
                events[-1] = _Text(prev.start, ev.end, prev.bullet)
            else:
                events.append(ev)
    return events


def _sentences(source: str, start: int, end: int) -> list[tuple[int, int]]:
    text, out, cur = source[start:end], [], 0
    for m in _SENT_END_RE.finditer(text):
        words = text[cur : m.start()].split()
        token = words[-1] if words else ""
        abbrev = token.lower().strip("(") in _ABBREV and not token.isupper()
        if abbrev or re.fullmatch(r"[A-Z]", token):
            continue  # "Dr. Smith", "Pt. reports", "Jane Q. Doe"; but "tried PT. Ibuprofen"
        out.append((start + cur, start + m.start() + len(m.group().rstrip())))
        cur = m.end()
    out.append((start + cur, end))
    return out


# ---------------------------------------------------------------- facts


@dataclass
class _Ctx:
    """Where the reader is: the current note's date, title and section."""

    date: dt.date | None = None
    end_date: dt.date | None = None
    source: str = ""
    section: str | None = None
    section_used: bool = False
    inline: bool = False  # the section label shared its line with text: it ends with the line
    facts_in_note: int = 0

    def enter(self, note: _Note) -> None:
        fresh = self.facts_in_note == 0
        # a title line and a date line of the same note may come in either order
        if note.date is not None or not fresh:
            self.date, self.end_date = note.date, note.end_date
        if note.title is not None or not fresh:
            self.source = note.title or ""
        self.section, self.section_used, self.facts_in_note = None, False, 0


def _trim(source: str, start: int, end: int) -> tuple[int, int]:
    seg = source[start:end]
    return start + len(seg) - len(seg.lstrip()), end - len(seg) + len(seg.rstrip())


def _fact_dates(text: str, ctx: _Ctx) -> tuple[dt.date | None, dt.date | None]:
    """A sentence's own date or range when it states one, else its note's."""
    dates = [
        d
        for d in _find_dates(text)
        if not _DOB_RE.search(text[max(0, d.start - 16) : d.start])
        and not re.search(r"(?i)\bsince\s*$", text[: d.start])
    ]
    rng = _range(text, dates)
    if rng:
        return rng[0].first, rng[1].last
    full = [d for d in dates if not d.month_only]
    if len(full) == 1:
        return full[0].first, None
    return ctx.date, ctx.end_date


def _fact(source: str, start: int, end: int, ctx: _Ctx, number: int) -> ChartFact | None:
    start, end = _trim(source, start, end)
    label = _LABEL_RE.match(source[start:end])
    if label:
        ctx.section, ctx.section_used = _SECTIONS[label.group("label").lower()], False
        start, end = _trim(source, start + label.end(), end)
        ctx.inline = end > start
    text = source[start:end]
    if not re.search(r"[A-Za-z]{2}", text) or _BOILER_RE.match(text):
        return None
    ctx.section_used, ctx.facts_in_note = True, ctx.facts_in_note + 1
    imaging_note = bool(_IMAGING_TITLE_RE.search(ctx.source))
    # Negation choice: a sentence whose deciding cue is negated ("did not try PT", "not a
    # surgical candidate") is kept as type history with outcome "negated", so it can never be
    # matched as evidence for the thing it denies.
    ftype, negated = classify(text, ctx.section, imaging_note)
    date, end_date = _fact_dates(text, ctx)
    return ChartFact(
        id=f"F{number}",
        type=ftype,
        date=date,
        end_date=end_date,
        source=ctx.source,
        text=text,
        codes=_codes(text, ctx.section),
        duration=_duration(text),
        outcome="negated" if negated else _outcome(text),
        span=Span(start=start, end=end),
    )


def _facts(source: str, events: list[object]) -> list[ChartFact]:
    ctx, facts = _Ctx(), list[ChartFact]()
    for ev in events:
        if isinstance(ev, _Note):
            ctx.enter(ev)
        elif ev == _BLANK and ctx.section_used:
            ctx.section = None  # a blank line ends a section that already had content
        elif isinstance(ev, _Text):
            for start, end in _sentences(source, ev.start, ev.end):
                fact = _fact(source, start, end, ctx, len(facts) + 1)
                if fact is not None:
                    facts.append(fact)
            if ctx.inline:
                ctx.section, ctx.inline = None, False
    return facts


def parse_chart_text(text: str) -> Chart:
    """Pasted clinical notes -> Chart with patient, treating provider and dated facts."""
    if not isinstance(text, str):
        raise NotText("chart notes must be text", field="notes")
    people = _People()
    facts = _facts(text, _scan(text, people))
    return Chart(
        patient=people.patient,
        provider=people.provider(),
        facts=facts,
        source_text=text,
        warnings=people.warnings,
    )
