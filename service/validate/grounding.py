"""Grounding: every code, date, amount, NPI, quotation, name and citation in the letter is
found in what the user gave us or in a passage we retrieved; anything else is invented."""

from __future__ import annotations

from service.config import Settings
from service.models import (
    Chart,
    Denial,
    LetterDraft,
    Problem,
)
from service.validate.elements import present
from service.validate.grounds import (
    AMOUNT,
    DATE,
    PLACEHOLDER,
    POLICY_ID,
    QUOTED,
    Grounds,
    letter_codes,
    letter_fields,
    money,
    parse_date,
    unquoted,
)


def scan_fields(letter: LetterDraft, grounds: Grounds) -> list[Problem]:
    """Codes, dates, amounts, NPIs and policy ids anywhere in the letter, against the grounds."""
    problems = []
    for where, value in letter_fields(letter):
        # quotes are checked as quotes, and a placeholder's words ("[Diagnosis and ICD-10-CM
        # code]") are a gap already reported, not a code, date or policy id the letter states
        free = PLACEHOLDER.sub(" ", unquoted(value))
        for token in PLACEHOLDER.findall(value):
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
        for raw in DATE.findall(free):
            when = parse_date(raw)
            if when and when not in grounds.dates:
                problems.append(
                    Problem(
                        code="ungrounded_date",
                        where=where,
                        message=f"Date {raw} is not a date found in the inputs.",
                    )
                )
        for amount in AMOUNT.findall(free):
            if money(amount) not in grounds.amounts:
                problems.append(
                    Problem(
                        code="ungrounded_amount",
                        where=where,
                        message=f"Amount {amount} does not appear in the inputs.",
                    )
                )
        for pid in POLICY_ID.findall(free):
            if any(ch.isdigit() for ch in pid) and pid not in grounds.policy_ids:
                problems.append(
                    Problem(
                        code="ungrounded_policy",
                        where=where,
                        message=f"Policy id {pid} is not in any retrieved passage or input.",
                    )
                )
        for a, b in QUOTED.findall(value):
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
    in_fields = {t for _, value in letter_fields(letter) for t in PLACEHOLDER.findall(value)}
    return [
        Problem(
            code="unfilled_placeholder",
            where="text",
            message=f"Unfilled placeholder {token} in the rendered letter.",
        )
        for token in sorted(set(PLACEHOLDER.findall(letter.text)) - in_fields)
    ]


def check_npi(letter: LetterDraft, chart: Chart, settings: Settings) -> list[Problem]:
    """The NPI printed is the chart's provider's or the configured signer's."""
    npi = (letter.signer.npi or "").strip()
    if not npi or PLACEHOLDER.fullmatch(npi):
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
    if present(patient) and patient not in {denial.patient_name, chart.patient.name}:
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
    if present(signer) and signer not in allowed:
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
