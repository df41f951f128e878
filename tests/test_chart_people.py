"""A chart's patient and the clinician who should sign, read from the forms notes take:
flowsheets, EHR exports in capitals, consult letters, discharge summaries."""

from __future__ import annotations

import datetime as dt

from service.intake.chart import parse_chart

EXPORT = """\
===== DOCUMENT EXPORT =====
Facility: MARSH HOLLOW NEUROLOGY
Facility Phone: (317) 555-0175
Patient: VANTERPOOL, ODILE K
DOB: 1956-01-30
Provider: ABERNATHY-SHAW, CORWIN MD
Provider NPI: 1197479250
Referring Provider: KASPRZAK, THEA DO
Referring Provider NPI: 1878761968

[ASSESSMENT]
Migraine without aura, chronic.
"""

LETTER = """\
Alderbrook Endocrinology & Metabolism
77 Hawthorne Street, Portland, ME 04101
Telephone (207) 555-0125 · Facsimile (207) 555-0126

Re: Odile Vanterpool, born 22 May 1990
    Plan ID: PHC 7730 1842 05

Dear Dr. Grantham,

Thank you for asking me to see Ms. Vanterpool about her raised calcium.

Yours sincerely,

Anjali Ramaswamy-Cole, MD
NPI 1813303678
"""

FLOWSHEET = """\
BAYMOOR INFECTIOUS DISEASE ASSOCIATES
Ph 813-555-0182 | Fx 813-555-0183

Pt: Rashida Ebo     D.O.B. 07/04/1968     MRN BID-55218
Provider of record: Marisol Etxeberria, NP (Infectious Diseases)   NPI 1139012857
Attending of record: Thaddeus Okonjo, MD   NPI 1817280567
Primary RN: Dana Whitcombe, RN
"""


def test_an_ehr_export_in_capitals_surname_first():
    chart = parse_chart(EXPORT)
    assert chart.patient.name == "ODILE K VANTERPOOL"
    assert chart.patient.date_of_birth == dt.date(1956, 1, 30)
    p = chart.provider
    assert (p.name, p.npi) == ("CORWIN ABERNATHY-SHAW", "1197479250")
    assert (p.credentials or "").startswith("MD")


def test_a_consult_letter_names_its_patient_in_its_re_line_and_its_practice_up_top():
    chart = parse_chart(LETTER)
    assert chart.patient.name == "Odile Vanterpool"
    assert chart.patient.date_of_birth == dt.date(1990, 5, 22)
    assert chart.patient.member_id == "PHC 7730 1842 05"
    p = chart.provider
    assert (p.name, p.npi) == ("Anjali Ramaswamy-Cole", "1813303678")
    assert p.practice == "Alderbrook Endocrinology & Metabolism"
    assert (p.phone, p.fax) == ("(207) 555-0125", "(207) 555-0126")


def test_a_flowsheet_reads_short_labels_and_clinicians_of_record():
    chart = parse_chart(FLOWSHEET)
    assert (chart.patient.name, chart.patient.date_of_birth) == (
        "Rashida Ebo",
        dt.date(1968, 7, 4),
    )
    assert chart.provider.name in ("Marisol Etxeberria", "Thaddeus Okonjo")
    assert chart.provider.name != "Dana Whitcombe"


def test_a_date_of_birth_in_any_common_form():
    chart = parse_chart("Patient: Gwen Price\nDOB: 17-Mar-1949 (76 y)\n")
    assert chart.patient.date_of_birth == dt.date(1949, 3, 17)


def test_a_signature_line_names_the_practice_before_its_numbers():
    notes = (
        "06/05/2025 Consultation\nKnee pain for 4 months.\n"
        "Electronically signed by Rosa Tran, MD, NPI 1234567893\n"
        "Harrow Valley Orthopedics, phone 555-013-4400, fax 555-013-4401\n"
    )
    provider = parse_chart(notes).provider
    assert provider.practice == "Harrow Valley Orthopedics"
    assert (provider.phone, provider.fax) == ("555-013-4400", "555-013-4401")
