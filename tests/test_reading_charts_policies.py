"""Charts' clinicians and identity, payer policies as published, and a practice's own policy
cited for its payer's denial, signed by the chart's clinician and addressed to the plan."""

from __future__ import annotations

import datetime as dt

from support import TODAY, FakeRetriever

from service.config import Settings
from service.intake.chart import parse_chart
from service.intake.chart_people import npi_is_valid
from service.models import FactType
from service.pipelines.appeal import draft_appeal
from service.policies.criteria import is_criterion_passage
from service.policies.reader import read_document

CHART = """\
Lakemont Spine & Pain Clinic
88 Ridge Road, Suite 4, Tacoma, WA 98402
Phone: 253-555-0120 | Fax: 253-555-0121

PROGRESS NOTE    Visit date: 04/02/2025
Patient: Odile Fairweather    DOB: 02/11/1964    Health plan member ID: CMH 4412 0087
Demographics: 61 y | female | lives alone
Referring provider: Paul Ostrander, NP, NPI 1245319599
Ordering physician: Elena Park, MD   Physical Medicine   NPI 1234567893

HPI: Low back pain radiating to the left leg since 01/2025. Completed 6 weeks of physical
therapy (01/15/2025 - 02/26/2025) without relief.
Exam: Positive straight leg raise on the left. Weak left ankle dorsiflexion, 4/5.
Plan: MRI lumbar spine without contrast (72148).

Electronically signed by Elena Park, MD on 04/02/2025 at 16:10
"""


def test_the_ordering_physician_signs_and_identity_is_read_by_its_labels():
    chart = parse_chart(CHART)
    p = chart.provider
    assert (p.name, p.credentials, p.npi) == ("Elena Park", "MD", "1234567893")
    assert npi_is_valid(p.npi) and p.practice == "Lakemont Spine & Pain Clinic"
    assert (p.phone, p.fax) == ("253-555-0120", "253-555-0121")
    assert chart.patient.name == "Odile Fairweather"
    assert chart.patient.date_of_birth == dt.date(1964, 2, 11)
    assert chart.patient.member_id == "CMH 4412 0087"
    # the demographics line is who the patient is, not a dated history fact
    assert not any("61 y" in f.text for f in chart.facts)
    assert not any(
        f.type is FactType.HISTORY and f.date == dt.date(1964, 2, 11) for f in chart.facts
    )


def test_an_invalid_own_npi_is_not_replaced_by_another_clinicians():
    chart = parse_chart(
        "Treating physician: Omar Haddad, MD   NPI 1245319590\n"
        "Primary care: Lena Haverford, MD, NPI 1176086506\n"
        "Assessment: Obstructive sleep apnea (G47.33).\n"
    )
    assert chart.provider.name == "Omar Haddad" and chart.provider.npi is None
    assert any("check-digit" in w for w in chart.warnings)


POLICY = b"""---
payer: Cascadia Mutual Health Plan
title: Lumbar Spine MRI
---

# Lumbar Spine MRI

**Policy Number:** CMH-RAD-114
**Effective date:** January 1, 2025

## Clinical indications

Cascadia Mutual Health Plan covers MRI of the lumbar spine (72148) when all of the following
are met:

1. Low back pain with radiating leg pain for at least 6 weeks.
2. At least 6 weeks of physical therapy or a home exercise program without relief.
3. A neurologic deficit on examination, such as weakness or a positive straight leg raise.

## Coding

| Code  | Type | Description                         |
|-------|------|-------------------------------------|
| 72148 | CPT  | MRI lumbar spine without contrast   |
"""

DENIAL = """\
CASCADIA MUTUAL HEALTH PLAN
2200 Harbor Way, Seattle, WA 98101

Date of notice: 04/10/2025
Member ID: CMH 4412 0087
Patient name: Odile Fairweather
Reference number: CMH-UM-25-0410-0031
Planned date: 04/20/2025
Service requested: MRI lumbar spine without contrast (CPT 72148)
Diagnosis: M54.16 Radiculopathy, lumbar region

We cannot approve this request. The MRI is covered when the records show all of the
following: 1) six weeks of physical therapy that did not help, and 2) a neurologic deficit
on examination. The notes we received do not show these.

You may appeal within 180 days of the date of this notice. Send your appeal to:
  Cascadia Mutual Health Plan
  Appeals Department
  PO Box 9120
  Seattle, WA 98111-9120
  Fax: 1-206-555-0177
"""


def test_a_policy_naming_its_payer_by_name_loads_and_is_read_whole():
    doc = read_document(POLICY, "cascadia-lumbar-mri.md")
    assert (doc.payer, doc.payer_id) == (
        "Cascadia Mutual Health Plan",
        "cascadia-mutual-health-plan",
    )
    assert (doc.policy_id, doc.title) == ("CMH-RAD-114", "Lumbar Spine MRI")
    assert doc.effective_date == dt.date(2025, 1, 1) and doc.version == "2025-01-01"
    assert doc.codes == ["72148"] and doc.criteria_heading == "Clinical indications"
    assert len(doc.criteria) == 3
    assert sum(is_criterion_passage(p) for p in doc.passages) == 3


def test_a_practice_policy_is_cited_for_its_payers_denial_and_the_chart_signs(tmp_path):
    passages = read_document(POLICY, "cascadia-lumbar-mri.md").passages
    settings = Settings(
        today=TODAY,
        data_dir=str(tmp_path),
        signer_name="Default Signer",
        signer_npi="1003390758",
    )
    result = draft_appeal(DENIAL, CHART, settings=settings, retriever=FakeRetriever(passages))
    letter = result.letter
    assert letter is not None
    cited = {c.passage_id for p in letter.points for c in p.citations if c.passage_id}
    assert any(pid.startswith("CMH-RAD-114@") for pid in cited), cited
    assert "CMH-RAD-114" in result.text
    assert letter.signer.name == "Elena Park" and letter.signer.npi == "1234567893"
    assert "PO Box 9120, Seattle, WA 98111-9120" in letter.recipient
    assert "Cascadia Mutual Health Plan" in letter.recipient
    assert letter.identifiers.get("Date of birth") == "February 11, 1964"


def test_the_real_lcd_loads_as_it_is_with_its_numbered_indications(shared_data):
    path = shared_data / "policies" / "medicare-lcd-L33794-external-infusion-pumps-partial.md"
    doc = read_document(path.read_bytes(), path.name)
    assert (doc.payer, doc.payer_id, doc.policy_id) == ("Medicare", "medicare", "L33794")
    assert doc.title == "External Infusion Pumps"
    assert doc.criteria_heading.startswith("Coverage Indications, Limitations, and/or Medical")
    assert [item.label() for item in doc.criteria] == ["I", "II", "III", "IV", "V"]
    assert [c.label() for c in doc.criteria[3].items] == ["A", "B", "C", "D"]
    situations = [c.label() for c in doc.criteria[4].items if c.label()]
    assert situations == ["A", "B", "C", "D", "E", "F", "G", "H"]
    assert [c.label() for c in doc.criteria[3].items[0].items] == ["1", "2", "3"]
    assert {"E0779", "E0784", "K0455"} <= set(doc.codes)
    labels = [p.section.rsplit(">", 1)[1].strip() for p in doc.passages if is_criterion_passage(p)]
    assert [x for x in labels if not x.startswith("note")] == ["I", "II", "III", "IV", "V"]


HTML_POLICY = b"""<!doctype html><html><head><title>Spinal Cord Stimulation</title></head>
<body><header><p>Fernleaf Health Plan</p></header>
<h1>Spinal Cord Stimulation</h1>
<p><strong>Policy Number:</strong> FHP-SUR-044</p>
<p><strong>Effective Date:</strong> 04/01/2025</p>
<p><strong>Last Reviewed:</strong> 02/10/2025</p>
<h2>Indications</h2>
<p>A trial is covered when all of the following are met:</p>
<ol><li>Chronic pain for at least 6 months<ol><li>with a BMI &ge; 40 kg/m<sup>2</sup>; or</li>
<li>with failed back surgery</li></ol></li><li>A psychological evaluation.</li></ol>
<h2>Coding</h2><table><tr><td>63650</td><td>CPT</td><td>Percutaneous electrode array</td></tr>
</table></body></html>"""


def test_an_html_policy_with_no_metadata_of_ours_reads_its_letterhead_and_outline():
    doc = read_document(HTML_POLICY, "scs.html")
    assert (doc.payer, doc.payer_id) == ("Fernleaf Health Plan", "fernleaf-health-plan")
    assert (doc.policy_id, doc.title) == ("FHP-SUR-044", "Spinal Cord Stimulation")
    assert (doc.effective_date, doc.revision_date) == (dt.date(2025, 4, 1), dt.date(2025, 2, 10))
    assert doc.codes == ["63650"] and doc.criteria_heading == "Indications"
    assert [item.as_key() for item in doc.criteria] == [
        {"text": "Chronic pain for at least 6 months",
         "items": ["with a BMI ≥ 40 kg/m2", "with failed back surgery"]},
        "A psychological evaluation.",
    ]  # fmt: skip
