"""Metamorphic test: one policy published as Markdown, HTML, plain text and PDF reads the same.

The policy is given once as data (number with a space and a slash, dates, codes, criteria
three levels deep) and rendered the way each format prints it; whatever the format, the
reader must find the same number, title, dates, codes and criteria outline.
"""

from __future__ import annotations

import datetime as dt
import html

import pytest
from fpdf import FPDF

from service.policies.reader import read_document

PAYER = "Wrenfield Health Plan"
NUMBER = "WHP/DME 3.12"
TITLE = "Power Mobility Devices"
EFFECTIVE, REVISED = dt.date(2026, 3, 1), dt.date(2026, 1, 15)
CODES = [
    ("K0823", "HCPCS", "Power wheelchair, group 2 standard, captains chair"),
    ("K0800", "HCPCS", "Power operated vehicle, group 1 standard"),
    ("G12.21", "ICD-10-CM", "Amyotrophic lateral sclerosis"),
]
LEAD = "A power mobility device is medically necessary when all of the following are met:"
CRITERIA: list = [
    (
        "The member cannot move about the home safely, shown by all of the following:",
        [
            "a cane or walker does not make walking safe",
            (
                "a manual wheelchair cannot be used, because of one of the following:",
                ["weakness of the arms", "pain on propelling the chair"],
            ),
        ],
    ),
    ("The home has room for the device to be used.", []),
    (
        "A specialist examined the member in person within 45 days before the order.",
        [],
    ),
]
NOT_COVERED = "Devices used only outside the home are not covered."


def expected_outline(items: list = CRITERIA) -> list:
    out: list = []
    for item in items:
        text, children = item if isinstance(item, tuple) else (item, [])
        out.append({"text": text, "items": expected_outline(children)} if children else text)
    return out


def _lines(items: list, depth: int = 0) -> list[tuple[int, str, str]]:
    """(depth, marker, text) of each criterion in order: 1. / a. / i."""
    markers = (lambda n: f"{n}.", lambda n: f"{'abcdefgh'[n - 1]}.", lambda n: f"{'i' * n}.")
    out = []
    for n, item in enumerate(items, 1):
        text, children = item if isinstance(item, tuple) else (item, [])
        out.append((depth, markers[depth](n), text))
        out += _lines(children, depth + 1)
    return out


def as_markdown() -> str:
    rows = "\n".join(f"| {c} | {t} | {d} |" for c, t, d in CODES)
    items = "\n".join(f"{'   ' * d}{m} {t}" for d, m, t in _lines(CRITERIA))
    return (
        f"**{PAYER}** Medical Policy\n\n# {TITLE}\n\n**Policy Number:** {NUMBER}\n"
        f"**Effective Date:** March 1, 2026\n**Last Revised:** January 15, 2026\n\n"
        f"## Description\n\nPowered wheelchairs and scooters for use in the home.\n\n"
        f"## Coverage Criteria\n\n{LEAD}\n\n{items}\n\n{NOT_COVERED}\n\n"
        f"## Coding\n\n| Code | Type | Description |\n|---|---|---|\n{rows}\n"
    )


def as_text() -> str:
    rows = "\n".join(f"{c:<9}{t:<11}{d}" for c, t, d in CODES)
    items = "\n".join(f"{'   ' * d}{m} {t}" for d, m, t in _lines(CRITERIA))
    return (
        f"{PAYER.upper()}\nMEDICAL POLICY\n\nPolicy Number: {NUMBER}\nTitle: {TITLE}\n"
        f"Effective Date: 03/01/2026\nLast Revised: 01/15/2026\n\nDESCRIPTION\n"
        f"Powered wheelchairs and scooters for use in the home.\n\nCOVERAGE CRITERIA\n{LEAD}\n"
        f"{items}\n\n{NOT_COVERED}\n\nCODING\nCode     Type       Description\n{rows}\n"
    )


def as_html() -> str:
    def ol(items: list, depth: int = 0) -> str:
        kind = ("1", "a", "i")[depth]
        inner = ""
        for item in items:
            text, children = item if isinstance(item, tuple) else (item, [])
            inner += f"<li>{html.escape(text)}{ol(children, depth + 1) if children else ''}</li>"
        return f'<ol type="{kind}">{inner}</ol>'

    rows = "".join(f"<tr><td>{c}</td><td>{t}</td><td>{d}</td></tr>" for c, t, d in CODES)
    return (
        f"<!DOCTYPE html><html><head><title>{TITLE} | {PAYER}</title></head><body>"
        f"<header><p>{PAYER} &ndash; Medical Policy</p></header><main><h1>{TITLE}</h1>"
        f"<table><tr><th>Policy Number</th><td>{NUMBER}</td></tr>"
        f"<tr><th>Effective Date</th><td>03/01/2026</td></tr>"
        f"<tr><th>Last Revised</th><td>01/15/2026</td></tr></table>"
        f"<h2>Description</h2><p>Powered wheelchairs and scooters for use in the home.</p>"
        f"<h2>Coverage Criteria</h2><p>{LEAD}</p>{ol(CRITERIA)}<p>{NOT_COVERED}</p>"
        f"<h2>Coding</h2><table><tr><th>Code</th><th>Type</th><th>Description</th></tr>{rows}"
        f"</table></main></body></html>"
    )


def as_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()

    def line(text: str, x: float = 10, size: int = 10, style: str = "") -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.set_x(x)
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")

    line(PAYER.upper(), style="B")
    line("MEDICAL POLICY", style="B")
    pdf.ln(3)
    for text in (f"Policy Number: {NUMBER}", f"Title: {TITLE}", "Effective Date: 03/01/2026",
                 "Last Revised: 01/15/2026"):  # fmt: skip
        line(text)
    for heading, body in (
        ("DESCRIPTION", ["Powered wheelchairs and scooters for use in the home."]),
        ("COVERAGE CRITERIA", [LEAD]),
    ):
        pdf.ln(4)
        line(heading, size=12, style="B")
        for text in body:
            line(text)
    for depth, marker, text in _lines(CRITERIA):
        line(f"{marker} {text}", x=10 + 8 * depth)
    pdf.ln(4)
    line(NOT_COVERED)
    pdf.ln(4)
    line("CODING", size=12, style="B")
    for code, kind, desc in CODES:
        line(f"{code}    {kind}    {desc}")
    return bytes(pdf.output())


RENDERINGS = {
    "markdown": lambda: (as_markdown().encode(), "policy.md"),
    "html": lambda: (as_html().encode(), "policy.html"),
    "text": lambda: (as_text().encode(), "policy.txt"),
    "pdf": lambda: (as_pdf(), "policy.pdf"),
}


@pytest.mark.parametrize("fmt", list(RENDERINGS))
def test_one_policy_reads_the_same_in_every_format(fmt):
    data, name = RENDERINGS[fmt]()
    doc = read_document(data, name)
    assert doc.payer == PAYER
    assert doc.policy_number == doc.policy_id == NUMBER
    assert doc.title == TITLE
    assert (doc.effective_date, doc.revision_date) == (EFFECTIVE, REVISED)
    assert set(doc.codes) == {code for code, _, _ in CODES}
    assert doc.criteria_heading.casefold() == "coverage criteria"
    assert [item.as_key() for item in doc.criteria] == expected_outline()
