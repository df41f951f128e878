"""A letter-of-medical-necessity request as the workspace's form sends it, for the web tests:
Northwind's lumbar MRI policy (tests/support.py's LUMBAR_POLICY) and made-up chart notes."""

from __future__ import annotations

# Exam and plan only: the policy's conservative-treatment criterion is not documented yet.
CHART = """Patient: Dana Whitfield
DOB: 1979-05-14
Member ID: NWH448812

09/02/2026 Progress note
Exam: positive straight leg raise on the left at 40 degrees; left ankle reflex diminished.
Plan: MRI of the lumbar spine without contrast; follow-up visit in 2 weeks to review the MRI.
Electronically signed by Maria Lopez, MD, NPI 1234567893, phone 555-010-2000
"""

# What the provider adds once readiness shows the gap.
TREATMENT = """07/01/2026 PT evaluation
Physical therapy twice weekly started for lumbar radiculopathy.
08/26/2026 PT discharge note
Completed 8 weeks of physical therapy with no improvement in leg pain.
07/01/2026 Progress note
Naproxen 500 mg twice daily started; on 08/26/2026 pain persists at 7/10 despite naproxen.
"""

FORM = {
    "patient_name": "Dana Whitfield",
    "member_id": "",  # left for the chart to supply
    "date_of_birth": "",
    "payer": "Northwind Health",
    "plan_type": "commercial",
    "service_code": "72148",
    "service_description": "MRI lumbar spine without contrast",
    "quantity": "1",
    "frequency": "once",
    "duration": "60 days",
    "diagnosis_codes": "M54.16",
    "purpose": "prior_authorization",
    "signer_name": "Maria Lopez",
    "signer_credentials": "MD",
    "signer_npi": "1234567893",
    "signer_practice": "",
    "signer_phone": "555-010-2000",
    "signer_fax": "",
    "signer_address": "",
    "chart": CHART,
}
