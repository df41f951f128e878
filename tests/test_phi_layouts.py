"""The PHI layout matrix: the same denial written five ways goes through the whole model
pipeline (extraction and drafting) with a recording fake model; no identifier of the patient
may appear in any request body, whichever labels the letter uses or omits.

Measured for the README: identifiers found in remote request bodies (0 of 5 layouts).
"""

from __future__ import annotations

import json

import pytest
from fake_llm import FakeLLM
from scripted_model import respond
from support import LUMBAR_POLICY, FakeRetriever
from test_api import LUMBAR_CHART

from service.config import Settings
from service.pipelines.appeal import draft_appeal

BODY = (
    "We reviewed the request for an MRI lumbar spine without contrast (72148) for "
    "Radiculopathy, lumbar region (M54.16), date of service 09/20/2026, and denied it as not "
    "medically necessary. The notes do not show six weeks of physical therapy and "
    "anti-inflammatory medicines that failed. The notes do not show weakness, reflex changes "
    "or a positive straight leg raise. You may appeal within 180 days of this notice.\n"
)
HEAD = "Northwind Health\nClaim Appeals, PO Box 4410, Springfield, IL 62701\nOctober 2, 2026\n\n"
LAYOUTS = {
    "salutation only": HEAD + "Dear Dana Whitfield,\n\n"
    "Your ID card number is NWH448812. Our reference for this claim is CLM-2026-0091.\n" + BODY,
    "born in a sentence": HEAD + "Dear Ms. Whitfield:\n\nYou were born April 12, 1961, and "
    "your member number NWH448812 is on file; claim no. CLM-2026-0091.\n" + BODY,
    "address block": HEAD + "Dana Whitfield\n1428 Maple Grove Lane, Apt 4\n"
    "Springfield, IL 62704\n(217) 555-0199\n\nDear Dana Whitfield,\n\n"
    "Reference for this claim: CLM-2026-0091. ID: NWH448812.\n" + BODY,
    "contact lines": HEAD + "To: Dana Whitfield (born 04/12/1961)\n"
    "Home phone 217-555-0199, e-mail dana.whitfield@example.com\n"
    "Card number NWH448812 - our reference for this claim is CLM-2026-0091\n\n" + BODY,
    "labelled header": HEAD + "Member: Dana Whitfield   Member ID: NWH448812   DOB: 04/12/1961\n"
    "Claim number: CLM-2026-0091\n1428 Maple Grove Lane, Springfield, IL 62704\n\n" + BODY,
}
IDENTIFIERS = [
    "Dana", "Whitfield", "NWH448812", "CLM-2026-0091", "04/12/1961", "April 12, 1961",
    "1961-04-12", "1428 Maple Grove", "62704", "555-0199", "dana.whitfield@example.com",
]  # fmt: skip


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_no_identifier_reaches_the_model(layout) -> None:
    fake = FakeLLM(*[respond] * 6)
    settings = Settings(data_dir="unused", today="2026-11-22")
    result = draft_appeal(
        LAYOUTS[layout],
        LUMBAR_CHART.replace("07/01/2026 PT evaluation", "07/01/2026 PT evaluation, Ms. Whitfield"),
        settings=settings,
        retriever=FakeRetriever(list(LUMBAR_POLICY)),
        llm=fake,
    )
    kinds = {"extract" if r["schema"].__name__ == "ExtractOut" else "draft" for r in fake.requests}
    assert kinds == {"extract", "draft"}, "both model calls must be made"
    bodies = json.dumps([r["messages"] for r in fake.requests], ensure_ascii=False).lower()
    leaked = [v for v in IDENTIFIERS if v.lower() in bodies]
    assert leaked == [], f"{layout}: {leaked}"
    assert result.letter is not None
