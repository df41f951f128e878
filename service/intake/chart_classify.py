"""Fact type of one chart sentence: keyword cue table, negation, and section labels."""

from __future__ import annotations

import re
from functools import cache

from service.intake.chart_codes import icd_codes
from service.models import FactType

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
_CANDIDACY_CUES = (
    r"\bsurgical candidate|\bcandidate for (?:\w+\s+){0,3}?(?:surgery|surgical|arthroscopy"
    r"|arthroplasty|repair|fusion|replacement|discectomy|decompression|procedure|operation)"
    r"|\bwilling to (?:proceed|undergo|have)|\b(?:wish|want|elect|agree|consent)(?:s|ed)? to"
    r" (?:proceed|undergo|surgery|have surgery)|\bproceed with (?:the )?(?:surgery|surgical)"
    r"|\bsurgery is (?:indicated|recommended|appropriate|warranted)"
    r"|\bwould benefit from (?:surgery|surgical)"
)
_PLAN_CUES = (
    r"\bwill\b|\bplan(?:s|ned)?\b(?! of care)|\brecommends?\b|\brefer(?:ral)? (?:to|for)\b"
    r"|\bfollow[- ]?up\b|\bf/u\b|\breturn (?:to clinic|in|for)\b|(?-i:\bRTC\b)"
    r"|\bschedul(?:e|ed|ing)\b|\bconsider(?:ing)?\b"
    r"|\brequest(?:ing)? (?:authorization|approval)"
)
_IMAGING_CUES = (
    r"\bMRI\b|\bmagnetic resonance\b|\bx-?rays?\b|\bx ray\b|\bradiograph\w*|(?-i:\bCT\b)"
    r"|\bCBCT\b|\bcone[- ]beam\b|\bcomputed tomography\b|\bultrasound\b|\bsonogra\w+"
    r"|\bpanoramic\b|\bpanorex\b|\bimaging\b|\bbone scan\b|\barthrogra\w+|\bmyelogra\w+"
)
_LAB_CUES = (
    r"\b(?:hb)?a1c\b|(?-i:\bCBC\b)|\bmg/dl\b|(?-i:\bESR\b)|(?-i:\bCRP\b)|(?-i:\b[BC]MP\b)"
    r"|\blipid panel\b|(?-i:\bTSH\b)|(?-i:\bINR\b)|\bcreatinine\b|\bglucose\b|\bhemoglobin\b"
    r"|\bvitamin d\b|\blabs?\b|\blaboratory\b|\brheumatoid factor\b|(?-i:\bANA\b)"
)
_TREATMENT_CUES = (
    r"\bphysical therapy\b|(?-i:\bPT\b)|\boccupational therapy\b"
    r"|\btherapy (?:sessions?|visits?)|\battended (?:\w+ ){0,2}(?:sessions|visits)"
    r"|\binjections?\b|\binjected\b|\btrigger point\b|\bepidural\b|(?-i:\bESI\b)"
    r"|\bnerve blocks?\b|\barthrocentesis\b|\b(?:night|bite|mouth) ?guard\b"
    r"|\bocclusal (?:splint|guard|appliance|orthotic)\b|\bsplint\w*|\bbrac(?:e|es|ing)\b"
    r"|\bsoft (?:food )?diet\b|\bchiropract\w+|\bhome exercise\w*|(?-i:\bHEP\b)"
    r"|\bjaw exercises\b|\bstretching\b|\bmassage\b|\bacupuncture\b|(?-i:\bTENS\b)"
    r"|\btraction\b|\bdry needling\b|\bbotox\b|\bmoist heat\b|\bmanual therapy\b"
    r"|\btherapeutic exercise\b"
)
_MEDICATION_CUES = (
    rf"\b(?:{_DRUGS})\b|\b\d+(?:\.\d+)?\s?(?:mg|mcg|ml|units?)\b(?!/)|\btablets?\b|\btabs?\b"
    r"|\bcapsules?\b|\b(?:bid|tid|qid|prn|qhs|q\d+h)\b|\bprescri\w+"
)
_TREATMENT_GENERIC_CUES = (
    r"\btrial of\b|\btried\b|\bconservative (?:treatment|therapy|management|care|measures)"
    r"|\bcourse of\b|\bunderwent\b"
    r"|\bcompleted (?:\w+\s+){0,3}?(?:sessions|visits|course|weeks)"
)
_DIAGNOSIS_CUES = r"\bdiagnos(?:is|ed|es)\b|(?-i:\b[Dd]x\b)|\bconsistent with\b"
_FUNCTIONAL_CUES = (
    r"\bunable to\b|\bcannot\b|\bcan't\b|\bcan not\b|\bnot able to\b|\bno longer able to\b"
    r"|\bdifficult(?:y|ies)\b|\btrouble\b|\b(?<!normal )limits?\b|\blimiting\b|\blimitations?\b"
    r"|(?-i:\bADLs?\b)|\bactivities of daily living\b|\bmiss(?:ed|es|ing)? (?:\w+\s+)?(?:work"
    r"|school|days)\b|\boff work\b|\binterfer\w+ with\b|\bcan only\b|\bdisabl\w+"
)
_EXAM_CUES = (
    r"(?-i:\bROM\b)|\brange of motion\b|\bstrength\b|\breflex\w*|\bstraight[- ]leg[- ]rais\w*"
    r"|(?-i:\bSLR\b)|\btender\w*|\bpalpat\w+|\b(?:incisal|interincisal|mouth|jaw) opening\b"
    r"|(?-i:\bMIO\b)|\bopening (?:of|to|was|is) \d+\s?mm\b|(?-i:\bBP\b)|\bblood pressure\b"
    r"|\bheart rate\b|\bpulse\b|\bgait\b|\bsensation\b|\bdermatom\w+|\bmotor\b|\b[0-5]/5\b"
    r"|\bdegrees\b|\bon exam\w*|\bexam(?:ination)?\b|\bcrepitus\b|\bdeviat(?:ion|es|ed)\b"
    r"|\bspurling\w*|\bfaber\b|\blasegue\b|\bbabinski\b|\bclonus\b|\bswelling\b|\bedema\b"
)
_SYMPTOM_CUES = (
    r"\bpain\w*\b|\b(?:10|[0-9])\s*/\s*10\b|\bach(?:e|es|ing)\b|\bnumb(?:ness)?\b|\btingling\b"
    r"|\bparesthesi\w+|\bradiat\w+|\bsciatica\b|\block(?:ing|s)\b|\bclick(?:ing|s)\b"
    r"|\bpopping\b|\bheadaches?\b|\bstiffness\b|\bspasms?\b|\bweakness\b|\bburning\b"
    r"|\bsore(?:ness)?\b|\bcomplain(?:s|ed)? of\b|(?-i:\bc/o\b)|\bsymptoms?\b|\bbruxism\b"
    r"|\bclench\w*|\btrismus\b|\bearaches?\b|\btinnitus\b"
)
_TABLE: tuple[tuple[str, FactType, str], ...] = (
    ("candidacy", FactType.SURGICAL_CANDIDACY, _CANDIDACY_CUES),
    ("plan", FactType.PLAN, _PLAN_CUES),
    ("imaging", FactType.IMAGING, _IMAGING_CUES),
    ("lab", FactType.LAB, _LAB_CUES),
    ("treatment", FactType.PRIOR_TREATMENT, _TREATMENT_CUES),
    ("medication", FactType.MEDICATION, _MEDICATION_CUES),
    ("treatment_generic", FactType.PRIOR_TREATMENT, _TREATMENT_GENERIC_CUES),
    ("diagnosis", FactType.DIAGNOSIS, _DIAGNOSIS_CUES),
    ("functional", FactType.FUNCTIONAL_LIMIT, _FUNCTIONAL_CUES),
    ("exam", FactType.EXAM, _EXAM_CUES),
    ("symptom", FactType.SYMPTOM, _SYMPTOM_CUES),
)
# Categories whose negation matters: "did not try PT" is no evidence of PT. Exam, lab and plan
# are left alone, because a negative exam or lab finding is still a finding.
_NEGATABLE = frozenset(name for name, _ftype, _cues in _TABLE) - {"exam", "lab", "plan"}
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
# Kind -> its labels, "|"-separated.
_SECTION_LABELS = {
    "history": "subjective|hpi|history of present illness|chief complaint|cc|reason for visit"
    "|history|past medical history|pmh|indication|indications|clinical history|social history"
    "|allergies",
    "exam": "objective|exam|physical exam|examination",
    "diagnosis": "assessment|diagnosis|diagnoses|dx",
    "impression": "impression",
    "findings": "findings|technique|comparison",
    "plan": "plan|recommendation|recommendations|assessment and plan|a/p",
    "medication": "medications|current medications|meds|medication list|medication",
    "imaging": "imaging|radiology",
    "lab": "labs|laboratory|lab results",
    "treatment": "treatment|prior treatment|prior treatments|treatment history"
    "|conservative treatment",
}
SECTIONS: dict[str, str] = {
    label: kind for kind, labels in _SECTION_LABELS.items() for label in labels.split("|")
}
_FORCE = {
    "plan": FactType.PLAN,
    "diagnosis": FactType.DIAGNOSIS,
    "lab": FactType.LAB,
    "medication": FactType.MEDICATION,
    "imaging": FactType.IMAGING,
}
_FALLBACK = {"exam": FactType.EXAM, "treatment": FactType.PRIOR_TREATMENT}
LABEL_RE = re.compile(
    r"^(?P<label>"
    + "|".join(re.escape(k) for k in sorted(SECTIONS, key=len, reverse=True))
    + r")\s*:\s*",
    re.IGNORECASE,
)
IMAGING_TITLE_RE = re.compile(
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
    has_code = bool(icd_codes(text, section))
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
