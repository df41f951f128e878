"""Deterministic metrics of one drafted result against its case's expectations.

Letter metrics read the rendered text as well as the structured letter: a template that drops
the signature block or a citation leaves the LetterDraft intact, and only the text shows it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from service.config import Settings
from service.evals import verdicts
from service.evals.cases import EvalCase, expected_voice
from service.evals.metric_defs import JUDGE_CRITERIA, METRICS, Metric  # noqa: F401 (re-exported)
from service.evals.readability import reading_grade
from service.models import AppealResult, Chart, CitationKind, DraftStatus, LetterDraft
from service.validate import (
    applies,
    build_grounds,
    check_required,
    letter_codes,
    load_spec,
    normalize,
    parse_date,
)

_PLACEHOLDER = re.compile(r"\[[^\]\n]{1,80}\]|\{\{|\}\}|\bTBD\b|\bXXX+\b|<[A-Z_]{3,}>")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|"
    "December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.? \d{{1,2}}, \d{{4}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}"
    r"|\d{4}-\d{2}-\d{2})\b"
)
_AMOUNT = re.compile(r"\$\s?\d[\d,]*(?:\.\d{2})?")
_TITLED = re.compile(r"\b(?:Dr|Mr|Mrs|Ms)\.? ((?:[A-Z][a-z'-]+ ?){1,3})")
_SIGNED = re.compile(
    r"\b([A-Z][a-z'-]+(?: [A-Z]\.)? [A-Z][a-z'-]+), (?:MD|DO|NP|PA-C|PA|DDS|"
    r"DMD|RN|PhD|DPT|FNP)\b"
)
_QUOTED = re.compile(r"\u201c[^\u201d]*\u201d|\"[^\"]*\"")
_FIRST_PERSON = re.compile(r"(?<![\w\u201c])I(?= [a-z])|\bmy\b")
_PRACTICE_WE = re.compile(r"\bwe (?:ask|request|are writing|appeal)\b|\bour patient\b", re.I)
_THREAT = re.compile(
    r"\b(lawsuit|sue|attorney|legal action|bad faith|litigation|regulator|"
    r"insurance commissioner|report you|outrageous|unacceptable|shameful)\b",
    re.I,
)
_PROMISE = re.compile(
    r"\b(guarantee[sd]?|will be approved|has been approved|must approve|"
    r"will certainly|is certain to|will win|will be overturned)\b",
    re.I,
)


@dataclass
class Failure:
    metric: str
    detail: str


@dataclass
class CaseScore:
    values: dict[str, float | None] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    def put(self, metric: str, value: float | None, misses: Sequence[str] = ()) -> None:
        self.values[metric] = value
        self.failures += [Failure(metric, m) for m in misses]


def _ratio(hits: int, total: int) -> float | None:
    return None if total == 0 else hits / total


def _contains(text: str, needle: str) -> bool:
    """Case-insensitive phrase search on whitespace-collapsed text, on word boundaries."""
    pat = re.escape(normalize(needle))
    left = r"\b" if needle[:1].isalnum() else ""
    right = r"\b" if needle[-1:].isalnum() else ""
    return re.search(left + pat + right, text, re.I) is not None


def _money(text: str) -> str:
    return text.replace("$", "").replace(",", "").strip().removesuffix(".00")


def _element_texts(letter: LetterDraft, el: dict) -> list[str]:
    """The strings an element puts in the letter (the first filled one of any_of)."""
    for where in el.get("any_of") or [el["where"]]:
        if where.startswith("identifiers."):
            value = letter.identifiers.get(where.split(".", 1)[1])
            values = [value] if value else []
        elif where.startswith("signer."):
            value = getattr(letter.signer, where.split(".", 1)[1])
            values = [value] if value else []
        elif where == "points":
            values = [p.heading for p in letter.points]
        elif where == "enclosures":
            values = [e.description for e in letter.enclosures]
        else:
            value = getattr(letter, where, "")
            values = [value.splitlines()[0]] if isinstance(value, str) and value.strip() else []
        if values:
            return values
    return []


def _applies(el: dict, result: AppealResult) -> bool:
    """The spec's `when`, as the validator reads it."""
    voice = result.letter.voice if result.letter else "practice"
    return applies(el.get("when"), result.denial, result.triage, voice)


def elements(case: EvalCase, result: AppealResult, score: CaseScore) -> None:
    """Required elements filled in the letter and printed in its text."""
    letter = result.letter
    assert letter is not None
    spec = [
        el
        for el in load_spec(letter.letter_type)["elements"]
        if _applies(el, result) and el.get("severity", "error") == "error"
    ]
    wanted = [el for el in spec if not case.expect.elements or el["id"] in case.expect.elements]
    missing = {p.where for p in check_required(letter, result.denial, result.triage)}
    text = normalize(result.text)
    misses = []
    for el in wanted:
        where = (el.get("any_of") or [el["where"]])[0]
        if where in missing:
            misses.append(f"{el['id']}: missing from the letter")
            continue
        absent = [v for v in _element_texts(letter, el) if normalize(v) not in text]
        if absent:
            misses.append(f"{el['id']}: filled but not in the rendered text")
    score.put("element_coverage", _ratio(len(wanted) - len(misses), len(wanted)), misses)


def _criterion_ids(token: str, result: AppealResult) -> set[str]:
    """Criterion ids a token names: an id itself, or those whose text holds every gist word."""
    links = result.evidence.links
    if any(token == link.criterion.id for link in links) or re.fullmatch(r"SC\d+", token):
        return {token}
    if "#" in token:  # a passage id; without "@vN" it names any version
        return {link.criterion.id for link in links if _same_passage(token, link.criterion.id)}
    words = [w for w in re.findall(r"\w+", token.lower()) if len(w) > 2]
    return {
        link.criterion.id
        for link in links
        if words and all(w in link.criterion.text.lower() for w in words)
    }


def criteria(case: EvalCase, result: AppealResult, score: CaseScore) -> None:
    """Expected stated criteria answered; expected gaps reported."""
    answered = {p.answers for p in result.points}
    if case.expect.criteria:
        misses = [
            f"{t}: no point answers it"
            for t in case.expect.criteria
            if not _criterion_ids(t, result) & answered
        ]
        score.put(
            "criterion_coverage",
            _ratio(len(case.expect.criteria) - len(misses), len(case.expect.criteria)),
            misses,
        )
    if case.expect.gaps:
        gaps = {link.criterion.id for link in result.evidence.gaps}
        misses = [
            f"{t}: not reported as a gap"
            for t in case.expect.gaps
            if not _criterion_ids(t, result) & gaps
        ]
        score.put(
            "gap_recall", _ratio(len(case.expect.gaps) - len(misses), len(case.expect.gaps)), misses
        )


def _same_passage(expected: str, cited: str) -> bool:
    if "@v" in expected:
        return expected == cited
    head, _, tail = cited.partition("#")
    return expected == f"{head.split('@v')[0]}#{tail}"


def citations(case: EvalCase, result: AppealResult, score: CaseScore) -> None:
    """Policy citations valid (retrieved, named in the text); expected passages cited."""
    text = normalize(result.text)
    retrieved = {p.id for p in result.passages}
    cites = [c for p in result.points for c in p.citations if c.kind is CitationKind.POLICY]
    bad = []
    for c in cites:
        if c.passage_id not in retrieved:
            bad.append(f"{c.passage_id}: cited but not retrieved")
        elif not c.policy_id or c.policy_id not in text:
            bad.append(f"{c.passage_id}: cited but {c.policy_id} is not named in the text")
    score.put("citation_validity", _ratio(len(cites) - len(bad), len(cites)), bad)
    if case.expect.cite:
        cited = [c.passage_id or "" for c in cites]
        misses = [
            f"{e}: not cited"
            for e in case.expect.cite
            if not any(_same_passage(e, c) for c in cited)
        ]
        score.put(
            "citation_recall",
            _ratio(len(case.expect.cite) - len(misses), len(case.expect.cite)),
            misses,
        )


def hallucinations(
    result: AppealResult, chart: Chart, settings: Settings, score: CaseScore
) -> None:
    """Codes, dates, amounts and people in the text that no input or passage holds."""
    letter = result.letter
    assert letter is not None
    grounds = build_grounds(
        result.denial, chart, result.passages, settings, result.triage, letter.date
    )
    text = normalize(result.text)
    known = grounds.joined.lower()
    codes = sorted({c for c in letter_codes(text) if c not in grounds.codes})
    dates = sorted(
        {raw for raw in _DATE.findall(text) if (d := parse_date(raw)) and d not in grounds.dates}
    )
    amounts = sorted({a for a in _AMOUNT.findall(text) if _money(a) not in grounds.amounts})
    people = {m.strip() for m in _TITLED.findall(text)} | set(_SIGNED.findall(text))
    names = sorted(n for n in people if n.split()[-1].lower() not in known)
    score.put("hallucinated_codes", len(codes), [f"code {c}" for c in codes])
    score.put("hallucinated_dates", len(dates), [f"date {d}" for d in dates])
    score.put("hallucinated_amounts", len(amounts), [f"amount {a}" for a in amounts])
    score.put("hallucinated_names", len(names), [f"name {n}" for n in names])


def _prose(letter: LetterDraft) -> str:
    parts = [letter.opening, *(p.text for p in letter.points), letter.closing]
    return " ".join(x for x in parts if x)


def voice_and_tone(case: EvalCase, result: AppealResult, score: CaseScore) -> None:
    """The expected voice, held throughout; no threats or promises of outcome."""
    letter = result.letter
    assert letter is not None
    free = _QUOTED.sub(" ", _prose(letter))
    wrong = []
    voice = expected_voice(case)
    if letter.voice != voice:
        wrong.append(f"voice is {letter.voice}, expected {voice}")
    if letter.voice == "practice" and _FIRST_PERSON.search(free):
        wrong.append("first person singular in the practice's voice")
    if letter.voice == "provider" and _PRACTICE_WE.search(free):
        wrong.append("the practice's 'we' in the treating provider's voice")
    if letter.voice == "provider" and not _FIRST_PERSON.search(letter.opening):
        wrong.append("the provider's letter does not open in the first person")
    if letter.voice == "patient" and re.search(r"\bour patient\b", free, re.I):
        wrong.append("'our patient' in the patient's voice")
    score.put("voice_ok", float(not wrong), wrong)
    matches = [*_THREAT.finditer(free), *_PROMISE.finditer(free)]
    found = sorted({m.group(0).lower() for m in matches})
    score.put("tone_clean", float(not found), [f"'{w}'" for w in found])


def strings(case: EvalCase, result: AppealResult, score: CaseScore) -> None:
    """Expected strings present; forbidden ones absent."""
    text = normalize(result.text)
    if case.expect.include:
        misses = [f"'{s}' not in the letter" for s in case.expect.include if not _contains(text, s)]
        score.put(
            "facts_present",
            _ratio(len(case.expect.include) - len(misses), len(case.expect.include)),
            misses,
        )
    if case.expect.exclude:
        hits = [f"'{s}' in the letter" for s in case.expect.exclude if _contains(text, s)]
        score.put("forbidden_absent", float(not hits), hits)


def score_case(case: EvalCase, result: AppealResult, chart: Chart, settings: Settings) -> CaseScore:
    """Every metric that applies to this case; None where it does not."""
    score = CaseScore()
    exp = case.expect
    if exp.status:
        score.put(
            "status_accuracy",
            float(result.status.value == exp.status),
            []
            if result.status.value == exp.status
            else [f"status {result.status.value}, expected {exp.status}"],
        )
    if exp.category or exp.strategy:
        got = (result.triage.category.value, result.triage.strategy.value)
        misses = [
            f"{name} {g}, expected {e}"
            for name, g, e in (
                ("category", got[0], exp.category),
                ("strategy", got[1], exp.strategy),
            )
            if e and g != e
        ]
        score.put("triage_accuracy", float(not misses), misses)
    if exp.problems:
        codes = {p.code for p in result.report.problems}
        misses = [f"problem {c} not reported" for c in exp.problems if c not in codes]
        score.put(
            "problems_expected", _ratio(len(exp.problems) - len(misses), len(exp.problems)), misses
        )
    if result.letter is None:
        return score
    if exp.status == "released":
        errors = [f"{p.code} at {p.where}" for p in result.report.problems if p.severity == "error"]
        score.put("validator_pass", float(result.report.ok), errors)
    if exp.status != "held":
        elements(case, result, score)  # a held letter's missing parts are its report's job
    criteria(case, result, score)
    verdicts.score(case, result, _criterion_ids, score.put)
    citations(case, result, score)
    hallucinations(result, chart, settings, score)
    voice_and_tone(case, result, score)
    strings(case, result, score)
    released = result.status is DraftStatus.RELEASED
    leaks = sorted(set(_PLACEHOLDER.findall(result.text))) if released else []
    score.put("placeholder_leaks", float(bool(leaks)), [f"placeholder {t}" for t in leaks])
    score.put("words", float(len(result.text.split())))
    score.put("reading_grade", reading_grade(_prose(result.letter)))
    return score


def aggregate(scores: Sequence[CaseScore]) -> dict[str, float | None]:
    """Each metric over the cases it applies to: a mean or a sum as the metric declares."""
    out: dict[str, float | None] = {}
    for name, metric in METRICS.items():
        values = [v for s in scores if (v := s.values.get(name)) is not None]
        if not values:
            out[name] = None
        elif metric.agg == "sum":
            out[name] = float(sum(values))
        else:
            out[name] = round(sum(values) / len(values), 4)
    return out
