"""Substance checks: what a letter states must come from its inputs, in the slot it belongs to.

The form checks (service/validate/__init__.py) find codes, dates, amounts and quotes that the
inputs lack. These find the rest of what a model can invent or be talked into:

- identifying numbers (policy, claim, member, authorization, NPI, phone, any long digit run)
  that no input or retrieved passage contains;
- people named with a title or credentials whom no input names;
- clinical tests, treatments and findings a point states that its own evidence (the facts and
  passages it cites, the criterion it answers) does not mention;
- the patient's identifiers (member id, date of birth, claim and reference numbers, and the
  name outside a quotation) anywhere but the identity block, subject and signature;
- an outcome the payer has not decided ("Status: APPROVED", "payment should be issued");
- an instruction planted in the inputs, obeyed or echoed; and any social security number.

Every rule is structural (shapes, labels, vocabulary groups kept as data), never a phrase of a
case. Quotations are checked verbatim elsewhere, so most rules read the unquoted text only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import yaml

from service.config import Settings
from service.llm.phi import date_spellings
from service.models import Chart, Denial, LetterDraft, PolicyPassage, Problem
from service.validate.grounds import letter_fields

_QUOTED = re.compile(r"\u201c[^\u201d]*\u201d|\"[^\"]*\"")
# identity slots: where the patient's identifiers belong
_IDENTITY = ("recipient", "subject", "identifiers.", "signer.")
# a run with at least four digits, optionally letter-led or hyphenated: ids, claim and
# authorization numbers, NPIs, long policy numbers (years and short counts are too short)
_ID_TOKEN = re.compile(r"(?<![\w$.-])(?=[A-Za-z0-9-]*\d{4})[A-Za-z0-9][A-Za-z0-9-]{4,}(?![\w-])")
_PHONE = re.compile(r"(?<!\d)(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?!\d)")
_SSN = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)|\b(?:ssn|social security)\b", re.I)
_TITLED = re.compile(
    r"\b(?:Dr|Mr|Mrs|Ms|Miss|Prof)\.?\s+((?:[A-Z][a-z'\u2019-]+\s+){0,2}[A-Z][a-z'\u2019-]+)"
)
_CREDENTIALED = re.compile(
    r"\b((?:[A-Z][a-z'\u2019-]+\s+)(?:[A-Z]\.\s+)?[A-Z][a-z'\u2019-]+),?\s+"
    r"(?:M\.?D\.?|D\.?O\.?|NP|PA-C|DPT|DDS|DMD|RN|FNP|APRN|Ph\.?D\.?)(?![\w])"
)
_OUTCOME = re.compile(
    r"\b(?:status|decision|determination|outcome)\s*:\s*(?:approved|authori[sz]ed|paid|"
    r"overturned|covered|granted)\b"
    r"|\bpayment\s+(?:should|shall|will|must|is to)\s+be\s+(?:issued|made|released|sent)\b"
    r"|\b(?:has|have|had)\s+been\s+(?:approved|authori[sz]ed|granted|overturned|reversed|paid)\b"
    r"|\b(?:is|are|was|were)\s+(?:hereby|now)\s+(?:approved|authori[sz]ed|covered|granted)\b"
    r"|\b(?:claim|request|service|denial)\s+(?:is|was)\s+(?:approved|paid|overturned)\b"
    r"|\bAPPROVED\b",
)
# sentences of an input addressed to a model rather than to a reader
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|"
    r"earlier|preceding)\s+(?:instructions?|text|rules)\b"
    r"|\b(?:you|the\s+(?:model|assistant|ai))\s+(?:must|should|shall|are\s+to|will)\s+"
    r"(?:now\s+)?(?:write|state|say|include|approve|respond|answer|reply|add)\b"
    r"|\b(?:write|state|say|declare)\s+that\s+the\b.{0,80}\b(?:approved|paid|covered)\b"
    r"|\bapprove\s+this\s+(?:claim|request|appeal)\b"
    r"|\b(?:system|assistant)\s*(?:prompt|message)?\s*:",
    re.I,
)
_ECHO = re.compile(r"\bas\s+instructed\b|\bper\s+(?:your|the)\s+instructions\b", re.I)
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
SHINGLE = 5  # words an echoed instruction shares with its source
CHECKS = ["identifiers", "people", "findings", "identity_slots", "outcome", "instructions", "ssn"]


def _unquoted(text: str) -> str:
    return _QUOTED.sub(" ", text)


def _norm_id(token: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", token).upper()


def _words(text: str) -> str:
    return " " + " ".join(_WORD.findall(text.lower())) + " "


@cache
def _groups() -> dict[str, tuple[str, ...]]:
    path = Path(__file__).resolve().parent / "data" / "findings.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        name: tuple(" ".join(_WORD.findall(t.lower())) for t in terms)
        for name, terms in data.items()
    }


def _findings(text: str) -> set[str]:
    """The vocabulary groups a text mentions."""
    words = _words(text)
    return {g for g, terms in _groups().items() if any(f" {t} " in words for t in terms)}


class _Inputs:
    """What the letter may draw on, prepared once per check."""

    def __init__(
        self, denial: Denial, chart: Chart, passages: Sequence[PolicyPassage], settings: Settings
    ) -> None:
        self.denial, self.chart = denial, chart
        self.passages = {p.id: p for p in passages}
        texts = [denial.source_text, chart.source_text, denial.model_dump_json()]
        texts += [chart.model_dump_json(), *(f.text for f in chart.facts)]
        texts += [f"{p.policy_id} {p.title} {p.section} {p.text}" for p in passages]
        texts += [
            getattr(settings, name)
            for name in ("signer_name", "signer_npi", "practice_name", "practice_address")
        ]
        texts += [settings.practice_phone, settings.practice_fax]
        self.text = "\n".join(t for t in texts if t)
        self.ids = {_norm_id(t) for t in _ID_TOKEN.findall(self.text)}
        self.ids |= {re.sub(r"\D", "", p)[-10:] for p in _PHONE.findall(self.text)}
        self.id_text = _norm_id(self.text)
        self.words = _words(self.text)
        self.instructions = [
            s.group(0)
            for source in (denial.source_text, chart.source_text)
            for s in _SENTENCE.finditer(source or "")
            if _INSTRUCTION.search(s.group(0))
        ]

    def private_values(self) -> list[tuple[str, str]]:
        """(what, value) of the patient's identifiers that belong in identity slots only."""
        d, p = self.denial, self.chart.patient
        values = [("member id", v) for v in (d.member_id, p.member_id) if v]
        values += [("claim number", v) for v in (d.claim_number,) if v]
        values += [("reference number", v) for v in (d.reference_number,) if v]
        for dob in {x for x in (d.date_of_birth, p.date_of_birth) if x}:
            values += [("date of birth", s) for s in date_spellings(dob)]
        return [(what, v) for what, v in values if len(v.strip()) >= 4]

    def patient_names(self) -> list[str]:
        names = {n for n in (self.denial.patient_name, self.chart.patient.name) if n}
        return sorted(names, key=len, reverse=True)


def _problem(code: str, where: str, message: str) -> Problem:
    return Problem(code=code, where=where, message=message)


def check_identifiers(letter: LetterDraft, inputs: _Inputs) -> list[Problem]:
    """Every identifying number and phone is one the inputs or the passages contain."""
    problems = []
    for where, value in letter_fields(letter, signer=False):
        free = _unquoted(value)
        found = [_norm_id(t) for t in _ID_TOKEN.findall(free)]
        found += [re.sub(r"\D", "", p)[-10:] for p in _PHONE.findall(free)]
        for norm in found:
            if norm not in inputs.ids and norm not in inputs.id_text:
                problems.append(
                    _problem(
                        "ungrounded_identifier",
                        where,
                        "An identifying number in the letter is not in the denial, the chart, "
                        "the settings or a retrieved passage.",
                    )
                )
    return problems


def check_people(letter: LetterDraft, inputs: _Inputs) -> list[Problem]:
    """Everyone named with a title or credentials is named in the inputs."""
    problems = []
    for where, value in letter_fields(letter, signer=False):
        free = _unquoted(value)
        for pattern in (_TITLED, _CREDENTIALED):
            for name in pattern.findall(free):
                parts = [w for w in re.split(r"[\s.]+", name) if len(w) > 1]
                if any(f" {w.lower()} " not in inputs.words for w in parts):
                    problems.append(
                        _problem(
                            "ungrounded_person",
                            where,
                            "The letter names a person whom neither the denial nor the chart "
                            "names.",
                        )
                    )
    return problems


def check_findings(letter: LetterDraft, inputs: _Inputs, denial: Denial) -> list[Problem]:
    """Each test, treatment or finding a point states is in the evidence that point cites."""
    facts = {f.id: f.text for f in inputs.chart.facts}
    criteria = {sc.id: sc.text for sc in denial.stated_criteria}
    problems = []
    for i, p in enumerate(letter.points):
        cited = [
            inputs.passages[c.passage_id].text
            for c in p.citations
            if c.passage_id in inputs.passages
        ]
        evidence = [facts.get(f, "") for f in p.chart_facts] + cited + [criteria.get(p.answers, "")]
        allowed = _findings("\n".join(evidence))
        for where, value in ((f"points[{i}].heading", p.heading), (f"points[{i}].text", p.text)):
            problems += _finding_problems(where, _findings(_unquoted(value)) - allowed)
    everywhere = _findings(inputs.text)
    for where, value in (("opening", letter.opening), ("closing", letter.closing)):
        problems += _finding_problems(where, _findings(_unquoted(value)) - everywhere)
    return problems


def _finding_problems(where: str, groups: set[str]) -> list[Problem]:
    return [
        _problem(
            "ungrounded_finding",
            where,
            f"The letter states a clinical {g.replace('_', ' ')} item that the chart facts and "
            "passages it cites do not mention.",
        )
        for g in sorted(groups)
    ]


def check_identity_slots(
    letter: LetterDraft, inputs: _Inputs, dated: set[str] | None = None
) -> list[Problem]:
    """The patient's identifiers appear only in the identity block, subject and signature; the
    date of birth also in a point that restates an age it decided (`dated`: where those are)."""
    problems = []
    private = inputs.private_values()
    names = inputs.patient_names()
    for where, value in letter_fields(letter, signer=False):
        if where.startswith(_IDENTITY):
            continue
        for what, v in private:
            if what == "date of birth" and where in (dated or set()):
                continue
            if re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", value, re.I):
                problems.append(
                    _problem(
                        "identifier_outside_identity",
                        where,
                        f"The patient's {what} belongs in the identity block only.",
                    )
                )
        free = _unquoted(value)
        # a letter in the treating provider's voice introduces the patient by name in its opening
        introduces = letter.voice == "provider" and where == "opening"
        if not introduces and any(re.search(rf"\b{re.escape(n)}\b", free, re.I) for n in names):
            problems.append(
                _problem(
                    "identifier_outside_identity",
                    where,
                    "The patient's name belongs in the identity block (or a quoted chart note).",
                )
            )
    return problems


def check_outcome(letter: LetterDraft) -> list[Problem]:
    """The letter asks for a decision; it never declares one."""
    return [
        _problem(
            "declares_outcome",
            where,
            "The letter states an outcome the payer has not decided; ask for the denial to be "
            "reversed instead.",
        )
        for where, value in letter_fields(letter, signer=False)
        if _OUTCOME.search(_unquoted(value))
    ]


def check_instructions(letter: LetterDraft, inputs: _Inputs) -> list[Problem]:
    """Nothing addressed to a model in the inputs is obeyed or repeated by the letter."""
    shingles: set[str] = set()
    for sentence in inputs.instructions:
        said = _WORD.findall(sentence.lower())
        shingles |= {" ".join(said[i : i + SHINGLE]) for i in range(len(said) - SHINGLE + 1)}
    problems = []
    for where, value in letter_fields(letter, signer=False):
        words = _words(value)
        echoed = any(f" {s} " in words for s in shingles) or _ECHO.search(value)
        if echoed:
            problems.append(
                _problem(
                    "follows_input_instructions",
                    where,
                    "The letter repeats or obeys an instruction found in the pasted inputs.",
                )
            )
    return problems


def check_ssn(letter: LetterDraft) -> list[Problem]:
    """No social security number, anywhere, ever."""
    texts = [*(v for _, v in letter_fields(letter, signer=False)), letter.text]
    if any(_SSN.search(t) for t in texts):
        return [_problem("ssn", "letter", "The letter carries a social security number.")]
    return []


def check_substance(
    letter: LetterDraft,
    *,
    denial: Denial,
    chart: Chart,
    passages: Sequence[PolicyPassage],
    settings: Settings,
    dated: set[str] | None = None,
) -> list[Problem]:
    """Every substance problem of the letter; `dated`: the points that restate an age decided
    from the date of birth (they may print it)."""
    inputs = _Inputs(denial, chart, passages, settings)
    return [
        *check_identifiers(letter, inputs),
        *check_people(letter, inputs),
        *check_findings(letter, inputs, denial),
        *check_identity_slots(letter, inputs, dated or set()),
        *check_outcome(letter),
        *check_instructions(letter, inputs),
        *check_ssn(letter),
    ]
