"""The validator: required elements (data beside each template) plus exact grounding checks.

Code, not a model. It returns every problem at once, each with where and why. Grounding means
every code, date, amount, NPI, quotation and policy id in the letter can be found in what the
user gave us (denial, chart, config) or in a passage we retrieved; anything else is invented.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from dateutil import parser as dateparser

from service.config import Settings
from service.models import (
    Chart,
    Denial,
    EvidenceMap,
    LetterDraft,
    PolicyPassage,
    Problem,
    Triage,
    ValidationReport,
)
from service.render import letterhead, load_spec
from service.validate import criteria
from service.validate.substance import CHECKS as SUBSTANCE_CHECKS
from service.validate.substance import check_substance

_QUOTED = re.compile(r"\u201c([^\u201d]*)\u201d|\"([^\"]*)\"")
_PLACEHOLDER = re.compile(r"\[[^\]\n]{1,80}\]|\{\{|\}\}|\bTBD\b|\bXXX+\b|<[A-Z_]{3,}>")
CODE = re.compile(r"(?<![\w.-])(?:[A-Z]\d{2}\.[0-9A-Z]{1,4}|[A-Z]\d{4}|\d{4}[FTU]|\d{5})(?![\w])")
_POLICY_ID = re.compile(r"(?<![\w-])[A-Z]{2,6}(?:-[A-Z0-9]+)+(?![\w-])")
_AMOUNT = re.compile(r"\$\s?\d[\d,]*(?:\.\d{2})?")
_NPI = re.compile(r"\bNPI:?\s*(\S+)")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.? \d{{1,2}}, \d{{4}}"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})\b"
)
_TONE = re.compile(
    r"\b(lawsuit|sue|attorney|legal action|bad faith|litigation|guarantee[sd]?|outrageous|"
    r"unacceptable|negligen\w*|shameful|disgrace\w*)\b",
    re.I,
)
_PRACTICE_VOICE = re.compile(r"\b(?:we (?:ask|request|are writing)|our patient)\b", re.I)
_FIRST_PERSON = re.compile(r"(?<![\w\u201c])I(?= [a-z])|\bmy\b")
CHECKS = [
    "required_elements",
    "placeholders",
    "codes",
    "dates",
    "amounts",
    "npi",
    "quotes",
    "policy_ids",
    "citations",
    "names",
    "voice",
    "tone",
]


def normalize(text: str) -> str:
    """Whitespace-collapsed text, for substring checks that survive line breaks."""
    return " ".join(text.split())


@dataclass
class Grounds:
    """Everything a letter may state: source texts, known dates, the passages retrieved."""

    texts: list[str] = field(default_factory=list)
    dates: set[dt.date] = field(default_factory=set)
    passages: dict[str, PolicyPassage] = field(default_factory=dict)
    # codes the inputs use as codes; None: every code-shaped token of the texts (old callers)
    known_codes: set[str] | None = None

    def __post_init__(self) -> None:
        self.joined = "\n".join(normalize(t) for t in self.texts)
        found = set(CODE.findall(self.joined))
        self.codes = found if self.known_codes is None else set(self.known_codes)
        self.policy_ids = set(_POLICY_ID.findall(self.joined))
        self.amounts = {_money(a) for a in _AMOUNT.findall(self.joined)}
        self.dates |= {d for d in map(parse_date, _DATE.findall(self.joined)) if d}

    def has_quote(self, quote: str) -> bool:
        return normalize(quote) in self.joined


def _money(text: str) -> str:
    return text.replace("$", "").replace(",", "").strip().removesuffix(".00")


def parse_date(text: str) -> dt.date | None:
    """Read one date the way the letter or a source writes it."""
    try:
        return dateparser.parse(text.replace(".", ""), dayfirst=False).date()
    except (ValueError, OverflowError):
        return None


def build_grounds(
    denial: Denial,
    chart: Chart,
    passages: Sequence[PolicyPassage],
    settings: Settings,
    triage: Triage,
    today: dt.date,
) -> Grounds:
    """Collect what the letter may draw on."""
    texts = [denial.source_text, chart.source_text, letterhead(settings)]
    texts.append(denial.model_dump_json())
    texts.append(chart.model_dump_json())
    texts += [f.text for f in chart.facts]
    texts += [sc.text for sc in denial.stated_criteria]
    texts += [f"{p.policy_id} {p.title} {p.section}\n{p.text}" for p in passages]
    texts += [settings.signer_name, settings.signer_npi, settings.practice_name]
    dates = {today, *denial.dates_of_service}
    dates |= {d for d in (denial.denial_date, denial.date_of_birth, triage.deadline) if d}
    for f in chart.facts:
        dates |= {d for d in (f.date, f.end_date) if d}
    return Grounds(
        texts=[t for t in texts if t],
        dates=dates,
        passages={p.id: p for p in passages},
        known_codes=input_codes(denial, chart, passages),
    )


def letter_codes(text: str) -> list[str]:
    """Code-shaped tokens of a letter's text, less those an address or id holds (a ZIP)."""
    from service.intake.code_context import never_code

    return [m.group() for m in CODE.finditer(text) if not never_code(text, m.start(), m.end())]


_DOTTED_ICD = re.compile(r"(?<![\w.-])[A-Z]\d{2}\.[0-9A-Z]{1,4}(?![\w])")


def input_codes(denial: Denial, chart: Chart, passages: Sequence[PolicyPassage]) -> set[str]:
    """Codes the inputs use as codes: read in a code context, never any number of that shape.

    A ZIP code, street number or claim number in the denial has a code's shape; a letter that
    prints it as a CPT code has invented a code, even though the digits occur in the input.
    """
    from service.intake.codes import find_procedure_codes

    found = {c for c in denial.service_codes if c}
    found |= {d.code for d in denial.diagnosis_codes}
    for f in chart.facts:
        found |= set(f.codes)
    for text in (denial.source_text, chart.source_text):
        found |= {hit.code for hit, _ in find_procedure_codes(text)}
        found |= set(_DOTTED_ICD.findall(text))
    for p in passages:  # the policy's own text: its codes are the policy's, as cited
        found |= set(p.codes) | set(CODE.findall(p.text))
    return found


def _fields(letter: LetterDraft) -> Iterator[tuple[str, str]]:
    yield "recipient", letter.recipient
    yield "subject", letter.subject
    for label, value in letter.identifiers.items():
        yield f"identifiers.{label}", value
    yield "opening", letter.opening
    for i, p in enumerate(letter.points):
        yield f"points[{i}].heading", p.heading
        yield f"points[{i}].text", p.text
    yield "closing", letter.closing
    for i, e in enumerate(letter.enclosures):
        yield f"enclosures[{i}]", e.description
    for name in ("name", "credentials", "npi", "practice", "address", "phone", "fax"):
        value = getattr(letter.signer, name)
        if value:
            yield f"signer.{name}", value


def _unquoted(text: str) -> str:
    return _QUOTED.sub(" ", text)


def _value(letter: LetterDraft, where: str) -> object:
    if where.startswith("identifiers."):
        return letter.identifiers.get(where.split(".", 1)[1])
    if where.startswith("signer."):
        return getattr(letter.signer, where.split(".", 1)[1])
    return getattr(letter, where)


def _present(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip()) and not _PLACEHOLDER.fullmatch(value.strip())
    return bool(value)


def applies(when: dict | None, denial: Denial, triage: Triage, voice: str) -> bool:
    """Whether a spec element's `when` holds for this case and voice."""
    if not when:
        return True
    if "voices" in when and voice not in when["voices"]:
        return False
    if when.get("post_service") and not (denial.claim_number or denial.adjustments):
        return False
    if "plan_types" in when and denial.plan_type.value not in when["plan_types"]:
        return False
    return not ("categories" in when and triage.category.value not in when["categories"])


def check_required(letter: LetterDraft, denial: Denial, triage: Triage) -> list[Problem]:
    """Every element the spec requires for this letter type and case is present and filled."""
    problems = []
    for el in load_spec(letter.letter_type)["elements"]:
        if not applies(el.get("when"), denial, triage, letter.voice):
            continue
        wheres = el.get("any_of") or [el["where"]]
        if any(_present(_value(letter, w)) for w in wheres):
            continue
        problems.append(
            Problem(
                code="missing_element",
                message=f"Missing {el['label']}: not found in the denial, the chart or the "
                "practice settings. Add it and draft again.",
                where=wheres[0],
                severity=el.get("severity", "error"),
            )
        )
    return problems


def _scan(letter: LetterDraft, grounds: Grounds) -> list[Problem]:
    problems = []
    for where, value in _fields(letter):
        # quotes are checked as quotes, and a placeholder's words ("[Diagnosis and ICD-10-CM
        # code]") are a gap already reported, not a code, date or policy id the letter states
        free = _PLACEHOLDER.sub(" ", _unquoted(value))
        for token in _PLACEHOLDER.findall(value):
            problems.append(
                Problem(
                    code="unfilled_placeholder",
                    where=where,
                    message=f"Unfilled placeholder {token} left in the letter.",
                )
            )
        for code in letter_codes(free):
            if code not in grounds.codes:
                problems.append(
                    Problem(
                        code="ungrounded_code",
                        where=where,
                        message=f"Code {code} does not appear in any input or cited passage.",
                    )
                )
        for raw in _DATE.findall(free):
            when = parse_date(raw)
            if when and when not in grounds.dates:
                problems.append(
                    Problem(
                        code="ungrounded_date",
                        where=where,
                        message=f"Date {raw} is not a date found in the inputs.",
                    )
                )
        for amount in _AMOUNT.findall(free):
            if _money(amount) not in grounds.amounts:
                problems.append(
                    Problem(
                        code="ungrounded_amount",
                        where=where,
                        message=f"Amount {amount} does not appear in the inputs.",
                    )
                )
        for pid in _POLICY_ID.findall(free):
            if any(ch.isdigit() for ch in pid) and pid not in grounds.policy_ids:
                problems.append(
                    Problem(
                        code="ungrounded_policy",
                        where=where,
                        message=f"Policy id {pid} is not in any retrieved passage or input.",
                    )
                )
        for a, b in _QUOTED.findall(value):
            quote = a or b
            if quote.strip() and not grounds.has_quote(quote):
                problems.append(
                    Problem(
                        code="ungrounded_quote",
                        where=where,
                        message="A quotation does not appear verbatim in the denial, "
                        "the chart or a cited policy passage.",
                    )
                )
    return problems


def check_rendered(letter: LetterDraft) -> list[Problem]:
    """Placeholders the template itself leaves in the rendered text (not those of a field)."""
    in_fields = {t for _, value in _fields(letter) for t in _PLACEHOLDER.findall(value)}
    return [
        Problem(
            code="unfilled_placeholder",
            where="text",
            message=f"Unfilled placeholder {token} in the rendered letter.",
        )
        for token in sorted(set(_PLACEHOLDER.findall(letter.text)) - in_fields)
    ]


def check_npi(letter: LetterDraft, chart: Chart, settings: Settings) -> list[Problem]:
    """The NPI printed is the chart's provider's or the configured signer's."""
    npi = (letter.signer.npi or "").strip()
    if not npi or _PLACEHOLDER.fullmatch(npi):
        return []
    allowed = {x for x in (chart.provider.npi, settings.signer_npi) if x}
    if npi not in allowed:
        return [
            Problem(
                code="ungrounded_npi",
                where="signer.npi",
                message="The signer's NPI is not the chart provider's or the configured signer's.",
            )
        ]
    return []


def check_names(
    letter: LetterDraft, denial: Denial, chart: Chart, settings: Settings
) -> list[Problem]:
    """The patient and the signer are people the inputs name."""
    problems = []
    patient = letter.identifiers.get("Patient", "")
    if _present(patient) and patient not in {denial.patient_name, chart.patient.name}:
        problems.append(
            Problem(
                code="ungrounded_name",
                where="identifiers.Patient",
                message="The patient's name does not match the denial or the chart.",
            )
        )
    signer = letter.signer.name or ""
    allowed = {chart.provider.name, settings.signer_name}
    if letter.voice == "patient":
        allowed = {denial.patient_name, chart.patient.name}
    if _present(signer) and signer not in allowed:
        problems.append(
            Problem(
                code="ungrounded_name",
                where="signer.name",
                message="The signer is neither the chart's provider nor the configured signer.",
            )
        )
    return problems


def check_citations(letter: LetterDraft, chart: Chart, grounds: Grounds) -> list[Problem]:
    """Each point cites what was retrieved, names the policy it holds the payer to, and relies
    only on facts of this chart (what it may claim is the criteria gate's: validate/criteria.py)."""
    problems = []
    fact_ids = {f.id for f in chart.facts}
    for i, p in enumerate(letter.points):
        where = f"points[{i}]"
        if not p.citations:
            problems.append(
                Problem(
                    code="missing_citation",
                    where=where,
                    message=f"Point {p.number} cites no policy passage or denial statement.",
                )
            )
        for c in p.citations:
            if c.passage_id and c.passage_id not in grounds.passages:
                problems.append(
                    Problem(
                        code="invalid_citation",
                        where=where,
                        message=f"Point {p.number} cites {c.passage_id}, which was not retrieved.",
                    )
                )
            elif c.policy_id and c.policy_id not in f"{p.heading} {p.text}":
                # a citation the reader cannot see does not hold the payer to its own policy
                problems.append(
                    Problem(
                        code="unnamed_citation",
                        where=where,
                        message=f"Point {p.number} relies on policy {c.policy_id} but does not "
                        "name it.",
                    )
                )
        for fid in p.chart_facts:
            if fid not in fact_ids:
                problems.append(
                    Problem(
                        code="invalid_fact",
                        where=where,
                        message=f"Point {p.number} relies on fact {fid}, not in the chart.",
                    )
                )
    return problems


def check_voice_and_tone(letter: LetterDraft) -> list[Problem]:
    """Practice and patient voices stay consistent; no threats, no promises, no outrage."""
    problems = []
    for where, value in _fields(letter):
        free = _unquoted(value)
        if letter.voice == "practice" and _FIRST_PERSON.search(free):
            problems.append(
                Problem(
                    code="wrong_voice",
                    where=where,
                    message="First-person singular in a letter written in the practice's voice.",
                )
            )
        if letter.voice == "provider" and _PRACTICE_VOICE.search(free):
            problems.append(
                Problem(
                    code="wrong_voice",
                    where=where,
                    message="The practice's 'we' in a letter in the treating provider's voice.",
                )
            )
        if letter.voice == "patient" and re.search(r"\bour patient\b", free, re.I):
            problems.append(
                Problem(
                    code="wrong_voice",
                    where=where,
                    message="'our patient' in a letter written in the patient's voice.",
                )
            )
        for word in {m.group(0).lower() for m in _TONE.finditer(free)}:
            problems.append(
                Problem(
                    code="tone",
                    where=where,
                    message=f"'{word}': an appeal states evidence, not threats or promises.",
                )
            )
    if letter.voice == "provider" and not _FIRST_PERSON.search(_unquoted(letter.opening)):
        problems.append(
            Problem(
                code="wrong_voice",
                where="opening",
                message="A letter of medical necessity opens in the provider's own voice.",
            )
        )
    return problems


def _one_per_gap(problems: list[Problem]) -> list[Problem]:
    """A missing element's placeholder is the same gap: keep only the missing_element problem,
    which names what to add (it holds the draft as the placeholder would)."""
    missing = {p.where for p in problems if p.code == "missing_element" and p.severity == "error"}
    return [p for p in problems if not (p.code == "unfilled_placeholder" and p.where in missing)]


def validate(
    letter: LetterDraft,
    *,
    denial: Denial,
    chart: Chart,
    triage: Triage,
    evidence: EvidenceMap,
    passages: Sequence[PolicyPassage],
    settings: Settings,
) -> ValidationReport:
    """Run every check and return all problems; ok means no problem of severity error."""
    grounds = build_grounds(denial, chart, passages, settings, triage, letter.date)
    problems = [
        *check_required(letter, denial, triage),
        *_scan(letter, grounds),
        *check_rendered(letter),
        *check_npi(letter, chart, settings),
        *check_names(letter, denial, chart, settings),
        *check_citations(letter, chart, grounds),
        *criteria.check_points(letter, evidence, chart, triage),
        *criteria.check_criteria(letter, evidence, denial, chart),
        *check_voice_and_tone(letter),
        *check_substance(
            letter,
            denial=denial,
            chart=chart,
            passages=passages,
            settings=settings,
            dated=criteria.age_points(letter, evidence),
        ),
    ]
    unique = _one_per_gap(list({(p.code, p.where, p.message): p for p in problems}.values()))
    ok = not any(p.severity == "error" for p in unique)
    return ValidationReport(
        ok=ok, problems=unique, checked=[*CHECKS, *criteria.CHECKS, *SUBSTANCE_CHECKS]
    )
