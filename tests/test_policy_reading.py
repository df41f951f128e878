"""Payer policies as payers publish them: plain text with numbered capital headings, decimal
items, question headings, labels on one line, a title with no label, codes in a codes
section; HTML with a label/value table and nested lists."""

from __future__ import annotations

from service.policies.headings import heading_kind
from service.policies.reader import read_document

QUESTIONS = """\
Fernhollow Health · Coverage Policy
Hearing Aids for Adults with Hearing Loss
Policy number: FH-AUD-004 · Effective: March 1, 2026 · Updated: January 9, 2026

What is a hearing aid?
A device worn in or behind the ear that makes sounds louder.

When are hearing aids covered?
We cover one hearing aid per ear every 4 years when at least one of these applies:
 • You have hearing loss of 40 dB or more in the ear.
 • You have hearing loss in both ears and one of the following is also true:
     – you work in a job that needs you to hear alarms;
     – you are under 21.

When are they not covered?
 • Replacing a working aid only to get a newer model.

Which codes apply?
Fitting and the aid: V5261, V5256, 92592. Checks: 92591.
"""

NUMBERED = """\
PRAIRIEFERN MEDICAID
Office of Medical Policy, PO Box 95026, Lincoln, NE 68509-5026

Criteria ID:       PF-DME-031
Subject:           Patient Lifts
Effective:         01/01/2026
Last revised:      10/15/2025

1. FEE SCHEDULE
E0630  RR   Patient lift, hydraulic or mechanical    Y   1 per month   $98.10

2. CLINICAL CRITERIA FOR COVERAGE
2.1 Hydraulic lift (E0630). The recipient meets both of the following:
    a. cannot move from bed to chair without the help of more than one person;
    b. has a caregiver trained to use the lift.
2.2 Replacement of a lift. The recipient meets the criteria in 2.1.

3. DOCUMENTATION
The supplier keeps the order.
"""


def test_question_headings_are_read_by_their_words():
    assert heading_kind("When are hearing aids covered?") == "criteria"
    assert heading_kind("When are they not covered?") == "exclusions"
    assert heading_kind("What is a hearing aid?") is None


def test_a_plain_text_policy_with_questions_labels_on_one_line_and_an_unlabelled_title():
    doc = read_document(QUESTIONS.encode(), "policy.txt")
    assert (doc.payer, doc.policy_id) == ("Fernhollow Health", "FH-AUD-004")
    assert doc.title == "Hearing Aids for Adults with Hearing Loss"
    assert (str(doc.effective_date), str(doc.revision_date)) == ("2026-03-01", "2026-01-09")
    assert doc.criteria_heading == "When are hearing aids covered?"
    assert [item.as_key() for item in doc.criteria] == [
        "You have hearing loss of 40 dB or more in the ear.",
        {
            "text": "You have hearing loss in both ears and one of the following is also true:",
            "items": ["you work in a job that needs you to hear alarms", "you are under 21."],
        },
    ]
    assert set(doc.codes) == {"V5261", "V5256", "92592", "92591"}


def test_numbered_capital_headings_and_decimal_items():
    doc = read_document(NUMBERED.encode(), "policy.txt")
    assert (doc.payer, doc.policy_id, doc.title) == (
        "Prairiefern Medicaid",
        "PF-DME-031",
        "Patient Lifts",
    )
    assert doc.criteria_heading == "CLINICAL CRITERIA FOR COVERAGE"
    assert [item.as_key() for item in doc.criteria] == [
        {
            "text": "Hydraulic lift (E0630). The recipient meets both of the following:",
            "items": [
                "cannot move from bed to chair without the help of more than one person",
                "has a caregiver trained to use the lift.",
            ],
        },
        "Replacement of a lift. The recipient meets the criteria in 2.1.",
    ]
    assert "E0630" in doc.codes and "95026" not in doc.codes


HTML = """<!DOCTYPE html><html><head><title>Knee Bracing | Policies</title></head><body>
<header><p>Fernhollow Health &ndash; Policy Library</p></header>
<h1>Knee Bracing</h1>
<table><tr><th>Policy number</th><td>FH-DME-0101</td></tr>
<tr><th>Effective date</th><td>May 1, 2026</td></tr></table>
<h2>Policy</h2>
<h3>Indications for Coverage</h3>
<ol>
  <li>A custom brace when <em>all</em> of the following are met:
    <ol type="a">
      <li>ligament instability on examination; and</li>
      <li>failure of an off-the-shelf brace, shown by:
        <ol type="i"><li>a fitting note; and</li><li>a follow-up note.</li></ol>
      </li>
    </ol>
  </li>
  <li>Replacement (L1843) when the brace no longer fits.</li>
</ol>
<h2>Coding</h2>
<table><tr><th>Code</th><th>Type</th></tr><tr><td>L1843</td><td>HCPCS</td></tr>
<tr><td>M23.51</td><td>ICD-10-CM</td></tr></table>
</body></html>"""


def test_an_html_page_with_a_label_table_nested_lists_and_a_code_table():
    doc = read_document(HTML.encode(), "policy.html")
    assert (doc.payer, doc.policy_id, doc.title) == (
        "Fernhollow Health",
        "FH-DME-0101",
        "Knee Bracing",
    )
    assert str(doc.effective_date) == "2026-05-01"
    assert doc.criteria_heading == "Indications for Coverage"
    assert [item.as_key() for item in doc.criteria] == [
        {
            "text": "A custom brace when all of the following are met:",
            "items": [
                "ligament instability on examination",
                {
                    "text": "failure of an off-the-shelf brace, shown by:",
                    "items": ["a fitting note", "a follow-up note."],
                },
            ],
        },
        "Replacement (L1843) when the brace no longer fits.",
    ]
    assert set(doc.codes) == {"L1843", "M23.51"}


MARKDOWN = """\
# Lumbar Spinal Fusion — Medical Policy MP-1187

**Harborview Valley Health Plan**

| Field | Value |
|---|---|
| Policy number | MP-1187 |
| Effective date | 2026-02-01 |

## Medical Necessity Criteria
Lumbar fusion is medically necessary when any of the following is met:

1. Spondylolisthesis grade II or higher
2. Tumor or infection requiring stabilization
"""


def test_a_markdown_policy_with_its_metadata_in_a_table_and_its_payer_in_bold():
    doc = read_document(MARKDOWN.encode(), "policy.md")
    assert (doc.payer, doc.policy_id, doc.title) == (
        "Harborview Valley Health Plan",
        "MP-1187",
        "Lumbar Spinal Fusion",
    )
    assert str(doc.effective_date) == "2026-02-01"
    assert len(doc.criteria) == 2
