"""Payer policies in the layouts payers publish them in, one test per reading mechanism.

Every document here is a small one written for the test; none repeats a reading case.
"""

from __future__ import annotations

import datetime as dt

import pytest

from service.errors import BadInput
from service.policies import retrieve
from service.policies.corpus import storage_key
from service.policies.headings import heading_kind, is_general
from service.policies.metadata import policy_number, read_metadata
from service.policies.payer_text import payer_in_text
from service.policies.reader import NO_NUMBER, read_document, strip_emphasis
from service.policies.text_layout import clean_text, text_body, text_heading


def read(text: str, name: str = "policy.txt", **defaults: str):
    return read_document(text.encode("utf-8"), name, defaults=defaults or None)


def outline(doc) -> list:
    return [item.as_key() for item in doc.criteria]


# --- refusals: only what cannot be used, and a payer nobody names --------------------------


def test_a_policy_naming_no_payer_is_refused_with_the_way_to_give_one():
    text = "Knee Braces\nPolicy Number: KB-1\n\nCoverage Criteria\n1. Instability.\n"
    with pytest.raises(BadInput) as caught:
        read(text)
    assert caught.value.fields["field"] == "payer_id" and "--payer" in caught.value.detail
    # the caller's payer, by name or by id, is enough
    assert read(text, payer_id="Glassford Mutual Health Plan").payer_id == (
        "glassford-mutual-health-plan"
    )
    assert read(text, payer_id="glassford").payer_id == "glassford"


def test_a_policy_with_no_printed_number_is_known_by_its_title_and_says_so():
    doc = read("Tallow Creek Health Plan\nCervical Collars\n\nCriteria\n1. Neck fracture.\n")
    assert doc.policy_number is None and doc.policy_id == "Cervical Collars"
    assert doc.document_id == "Cervical-Collars@v1" and doc.notes == [NO_NUMBER]
    assert all(p.policy_id == "Cervical Collars" for p in doc.passages)


def test_a_front_matter_in_its_own_words_is_read_and_an_unreadable_date_is_left_out():
    doc = read(
        "---\nhealth_plan: Quarry Lake Health Plan\npolicy_number: QL 7.2\npolicy_title: Canes\n"
        "effective: 01/15/2026\nlast_reviewed: December 2, 2025\n---\n"
        "## Coverage criteria\n1. Unsafe gait.\n",
        "canes.md",
    )
    assert (doc.payer, doc.policy_number, doc.title) == (
        "Quarry Lake Health Plan",
        "QL 7.2",
        "Canes",
    )
    assert (doc.effective_date, doc.revision_date) == (dt.date(2026, 1, 15), dt.date(2025, 12, 2))
    undated = read(
        "---\npayer: Quarry Lake Health Plan\ntitle: Canes\neffective_date: soon\n---\n"
        "## Coverage criteria\n1. Unsafe gait.\n",
        "canes.md",
    )
    assert undated.effective_date is None and any(
        "'soon' is not a date" in n for n in undated.notes
    )


# --- policy numbers as printed, stored under a safe key ----------------------------------


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("MP 4.107", "MP 4.107"),
        ("SUR 7.01.112  Reduction Mammaplasty", "SUR 7.01.112"),
        ("MED/SURG-102", "MED/SURG-102"),
        ("2025 (rev. 3)", "2025 (rev. 3)"),
        ("0471", "0471"),
        ("CP.MP.74 (replaces CP.MP.12)", "CP.MP.74"),
        ("This policy covers walkers", None),
    ],
)
def test_a_policy_number_is_read_as_printed(value, number):
    assert policy_number(value) == number


@pytest.mark.parametrize(
    "head",
    [
        "Policy Number: HV 9.01.3",
        "Medical Policy No. HV 9.01.3",  # no colon: the value must look like a number
        "Coverage Policy Number ............ HV 9.01.3",  # dotted leaders
        "Policy ID\nHV 9.01.3",  # a coverage database's print: the value on the next line
        "| Policy # | HV 9.01.3 |",
    ],
)
def test_a_policy_number_label_in_any_layout(head):
    assert read_metadata(f"Title: Canes\n{head}\n")["policy_id"] == "HV 9.01.3"


def test_a_number_with_spaces_or_slashes_is_cited_as_printed_and_stored_safely():
    doc = read(
        "Policy Number: ORT/DME 3.12\nTitle: Canes\n\nCriteria\n1. Unsafe gait.\n", payer_id="x"
    )
    assert doc.policy_id == doc.policy_number == "ORT/DME 3.12"
    assert {p.policy_id for p in doc.passages} == {"ORT/DME 3.12"}
    assert doc.document_id == "ORT-DME-3.12@v1" == f"{storage_key('ORT/DME 3.12')}@v1"
    assert storage_key("NW-IMG-104") == "NW-IMG-104"  # a safe id is its own key
    index = retrieve.Retriever(
        index=None,  # type: ignore[arg-type]
        passages={p.id: p for p in doc.passages},
        lexical=retrieve.LexicalIndex(doc.passages),
        corpus_version="test",
    )
    assert index.policy_passages("ORT/DME 3.12", "1") == doc.passages


def test_a_version_dated_by_its_effective_date_is_read_alone():
    base = "Policy Number: LV 2\nTitle: Canes\nEffective Date: {}\n\nCriteria\n1. {}.\n"
    old = read(base.format("01/01/2024", "Old rule"), payer_id="x")
    new = read(base.format("01/01/2025", "New rule"), payer_id="x")
    passages = old.passages + new.passages
    index = retrieve.Retriever(
        index=None,  # type: ignore[arg-type]
        passages={p.id: p for p in passages},
        lexical=retrieve.LexicalIndex(passages),
        corpus_version="test",
    )
    chosen = " ".join(p.text for p in index.policy_passages("LV 2", "2025-01-01"))
    assert "New rule" in chosen and "Old rule" not in chosen


# --- dates by label family -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "effective", "revised"),
    [
        # a current effective date beats the original one; "Next Review" is never a revision
        (
            "Original Policy Date: 06/01/2009\nCurrent Effective Date: 04/01/2025\n"
            "Next Review Date: 02/2026",
            dt.date(2025, 4, 1),
            None,
        ),
        # an original date alone is when the policy took effect
        ("Date of Origin: April 10, 2012\nLast Review Date: September 17, 2025",
         dt.date(2012, 4, 10), dt.date(2025, 9, 17)),
        # bare labels, several on a line
        ("Effective 9/1/2025 · Reviewed 7/22/2025", dt.date(2025, 9, 1), dt.date(2025, 7, 22)),
        ("Effective for dates of service on or after 01/01/2026\nPolicy last updated: 2025-11-30",
         dt.date(2026, 1, 1), dt.date(2025, 11, 30)),
        # an LCD's label on its own line, the value on the next
        ("Original Effective Date\nFor services performed on or after 12/05/2021\n\n"
         "Revision Effective Date\nFor services performed on or after 11/14/2025",
         dt.date(2021, 12, 5), dt.date(2025, 11, 14)),
    ],
)  # fmt: skip
def test_dates_by_their_label_families(head, effective, revised):
    meta = read_metadata(f"Title: Canes\n{head}\n")
    assert meta.get("effective_date") == effective and meta.get("revision_date") == revised


def test_with_no_revision_label_the_newest_date_of_the_revision_history_is_the_revision():
    body = (
        "Title: Canes\nEffective Date: 01/01/2026\n\n## Policy History/Revision Information\n\n"
        "| Date | Summary of Changes |\n|---|---|\n| 03/01/2024 | New |\n| 11/15/2025 | Edited |\n"
    )
    assert read_metadata(body)["revision_date"] == dt.date(2025, 11, 15)


# --- the payer from the places payers print it ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ORCHARD RUN HEALTH PLAN\nMEDICAL POLICY\n\nWalkers\n",
        "Orchard Run Health Plan Medical Policy\nWalkers\n",
        "**Orchard Run Health Plan®** Commercial *Medical Policy*\n# Walkers\n",
        "MEDICAL POLICY MANUAL          Orchard Run Health Plan\nTopic: Walkers\n",
        "Walkers\n\nThis policy applies to members of Orchard Run Health Plan.\n",
        "Walkers\n\nIt is the policy of Orchard Run Health Plan® that walkers are covered.\n",
        "Walkers\n\nOrchard Run Health Plan considers a walker medically necessary when:\n",
        "Walkers\n\nCPT © 2025 American Medical Association.\n© 2025 Orchard Run Health Plan. "
        "All rights reserved.\n",
        "Health Plan: Orchard Run Health Plan\nTitle: Walkers\n",
    ],
)
def test_the_payer_is_read_where_payers_print_it(text):
    assert payer_in_text(text, title="Walkers") == "Orchard Run Health Plan"


def test_a_web_page_names_its_payer_in_its_title_or_logo():
    assert payer_in_text("Walkers", ["Walkers - Medical Policy | Orchard Run Health"]) == (
        "Orchard Run Health"
    )
    assert payer_in_text("Walkers", ["Orchard Run logo"]) == "Orchard Run"
    assert payer_in_text("Walkers\n\nDurable Medical Equipment\n", title="Walkers") is None


# --- headings by typography and by the words payers use ---------------------------------


@pytest.mark.parametrize(
    ("line", "previous", "following", "heading"),
    [
        ("I. POLICY", "", "Text.", "POLICY"),
        ("III. Related Policies", "", "Text.", "Related Policies"),
        ("BACKGROUND:", "", "Text.", "BACKGROUND"),
        ("Coverage requirements", "", "We cover it when:", "Coverage requirements"),
        ("1. Indications for surgery are met", "", "", None),  # an item, not a heading
        ("CODE     DESCRIPTION", "", "97110  Exercise", None),  # a table's header row
        ("Renata", "", "", None),  # a short line with nothing under it
        ("a short wrapped line", "A paragraph", "goes on", None),
    ],
)
def test_headings_by_typography(line, previous, following, heading):
    assert text_heading(line, previous, following) == heading


def test_criteria_headings_by_name_words_and_tier():
    for name in ("Coverage Rationale", "Policy/Criteria", "Covered Indications",
                 "COVERAGE DETERMINATION CRITERIA:", "Medical Necessity Guidelines"):  # fmt: skip
        assert heading_kind(name) == "criteria" and not is_general(name), name
    assert heading_kind("I. POLICY") == "criteria" and is_general("I. POLICY")
    assert heading_kind("Policy Guidelines") is None and heading_kind("Policy History") is None
    assert heading_kind("Experimental and Investigational") == "exclusions"


def test_a_specific_criteria_heading_wins_over_a_general_one_before_it():
    doc = read(
        "Policy Number: P-1\nTitle: Canes\n\nPOLICY\n1. Scope item.\n\n"
        "Clinical Indications\nCovered when:\n1. Unsafe gait.\n",
        payer_id="x",
    )
    assert doc.criteria_heading == "Clinical Indications" and outline(doc) == ["Unsafe gait."]


def test_the_criteria_end_where_a_paragraph_opens_what_is_not_covered():
    doc = read(
        "Policy Number: P-1\nTitle: Canes\n\nCoverage Rationale\nCovered when both:\n\n"
        "- Unsafe gait\n- A walker failed\n\n"
        "A cane is unproven and not medically necessary for:\n\n- Balance training\n",
        payer_id="x",
    )
    assert outline(doc) == ["Unsafe gait", "A walker failed"]
    # nor is it cut into criterion passages a letter could cite as requirements
    items = [p.section for p in doc.passages if "note" not in p.section and ">" in p.section]
    assert items == ["Coverage Rationale > 1", "Coverage Rationale > 2"]


# --- what a copy adds, taken away ----------------------------------------------------------


def test_a_forwarded_mail_is_read_from_the_policy_it_carries():
    text = (
        "From: A Biller <a@example.org>\nSent: Monday, May 4, 2025 9:00 AM\nTo: Team\n"
        "Subject: FW: walkers\n\nSee below.\n\n-----Original Message-----\n"
        "From: Plan <p@example.org>\nSent: Friday, May 1, 2025 4:00 PM\nSubject: Walkers\n\n"
        "Orchard Run Health Plan\nWalkers\nEffective June 1, 2025\n"
    )
    cleaned = clean_text(text)
    assert cleaned.startswith("\nOrchard Run Health Plan") and "Biller" not in cleaned
    assert read_metadata(text_body(cleaned))["effective_date"] == dt.date(2025, 6, 1)


def test_page_furniture_hyphens_and_ligatures_leave_the_text_whole():
    text = (
        "                 Coverage Policy\nCriteria\n"
        "• The member has signiﬁcant pain on walk-\n  ing and uses a non-\n  folding walker\n"
        "\nPage 1 of 2                    Coverage Policy: 0042\n\n\n"
        "                 Coverage Policy\n"
        "• The gait is unsafe\n\nPage 2 of 2                    Coverage Policy: 0042\n"
    )
    lines = clean_text(text).split("\n")
    assert "• The member has significant pain on walking and uses a non-folding walker" in lines
    body = lines[: lines.index("• The gait is unsafe") + 1]
    assert not any("Page" in x or x.strip() == "Coverage Policy" for x in body[2:])
    assert "Page 1 of 2                    Coverage Policy: 0042" in lines  # kept at the end


def test_markdown_emphasis_is_not_part_of_a_criterion():
    assert strip_emphasis("when **ALL** of _these_ apply, * not a list") == (
        "when ALL of these apply, * not a list"
    )


# --- web pages: chrome left out, label rows, criteria tables --------------------------------


def test_a_web_page_chrome_is_left_out_and_its_tables_are_read():
    html = """<html><head><title>Canes | Orchard Run Health</title></head><body>
    <nav><ul><li>Members</li><li>Coverage criteria</li></ul></nav>
    <form><button>Search</button></form>
    <h1>Canes</h1>
    <table><tr><td>Policy #</td><td>OR 4.4</td></tr><tr><td>Effective</td><td>05/01/2025</td></tr>
    </table>
    <h2>Coverage Criteria</h2>
    <table><tr><th>#</th><th>Requirement</th></tr><tr><td>1</td><td>Unsafe gait</td></tr>
    <tr><td>2</td><td>A walker failed</td></tr></table>
    <h2>Coding</h2><table><tr><th>Code</th><th>Description</th></tr>
    <tr><td>E0100</td><td>Cane, includes canes of all materials</td></tr></table>
    </body></html>"""
    doc = read(html, "canes.html")
    assert (doc.payer, doc.policy_number, doc.effective_date) == (
        "Orchard Run Health", "OR 4.4", dt.date(2025, 5, 1)
    )  # fmt: skip
    assert outline(doc) == ["Unsafe gait", "A walker failed"] and doc.codes == ["E0100"]
    assert not any("Members" in p.text or "Search" in p.text for p in doc.passages)


# --- codes: a number column is not a code column ------------------------------------------


def test_numbers_under_a_contract_column_are_not_codes():
    doc = read(
        "Local Coverage Determination (LCD)\nCanes\nL99999\n\n"
        "CONTRACTOR NAME      CONTRACT NUMBER      JURISDICTION\n"
        "Example MAC, LLC     11201 - MAC A        J - M\n\n"
        "Coverage Indications, Limitations, and/or Medical Necessity\n1. Unsafe gait.\n\n"
        "CPT/HCPCS Codes\nE0100    Cane, includes canes of all materials\n"
    )
    assert doc.payer == "Medicare" and doc.codes == ["E0100"]


def test_sections_of_the_same_name_are_told_apart_not_refused():
    doc = read(
        "Policy Number: P-2\nTitle: Canes\n\nDISCLAIMER\nFirst.\n\nCriteria\n1. Gait.\n\n"
        "DISCLAIMER\nSecond.\n",
        payer_id="x",
    )
    ids = [p.id for p in doc.passages]
    assert len(ids) == len(set(ids)) and {"P-2@v1#disclaimer-1", "P-2@v1#disclaimer-s2-1"} <= set(
        ids
    )


# --- a printed number is what the letter cites, and the validator accepts it ---------------

CITED_POLICY = """CASCADIA MUTUAL HEALTH PLAN MEDICAL POLICY

Policy Number: {number}
Title: Lumbar Spine MRI
Effective Date: 01/01/2025

CLINICAL INDICATIONS
Cascadia Mutual Health Plan covers MRI of the lumbar spine (72148) when all of the following
are met:
1. Low back pain with radiating leg pain for at least 6 weeks.
2. At least 6 weeks of physical therapy or a home exercise program without relief.
3. A neurologic deficit on examination, such as weakness or a positive straight leg raise.

CODING
72148    CPT    MRI lumbar spine without contrast
"""


@pytest.mark.parametrize("number", ["RAD 4.114", "RAD/SPN-114"])
def test_a_printed_number_is_cited_verbatim_and_the_letter_validates(number, tmp_path):
    from support import TODAY
    from test_reading_charts_policies import CHART, DENIAL

    from service.config import Settings
    from service.pipelines.appeal import draft_appeal
    from service.policies.lexical import LexicalIndex

    doc = read(CITED_POLICY.format(number=number), "cascadia-mri.txt")
    assert doc.payer == "Cascadia Mutual Health Plan" and doc.policy_number == number
    retriever = retrieve.Retriever(
        index=retrieve.UnavailableIndex(),  # type: ignore[arg-type]
        passages={p.id: p for p in doc.passages},
        lexical=LexicalIndex(doc.passages),
        corpus_version="test",
        dense_failed_at=float("inf"),  # BM25 alone: no dense index in this test
    )
    settings = Settings(today=TODAY, data_dir=str(tmp_path))
    result = draft_appeal(DENIAL, CHART, settings=settings, retriever=retriever)
    cited = {c.policy_id for p in result.letter.points for c in p.citations if c.policy_id}
    assert cited == {number} and f"({number}, CLINICAL INDICATIONS, item 2)" in result.text
    # the validator found the printed number in the passages it was cited from (the letter
    # may still be held for what the chart lacks, which is not this test's concern)
    problems = {p.code for p in result.report.problems}
    assert "policy_ids" in result.report.checked and "citations" in result.report.checked
    assert not problems & {"ungrounded_policy", "unnamed_citation", "invalid_citation"}
