"""An X12 835 remittance pasted as text: its header and claim segments read by their ids.

Only what a denial needs: the payer (N1*PR), the production date (DTM*405), the patient and
member id (NM1*QC), the rendering provider (NM1*82), the payer's claim control number (CLP07,
not the provider's CLP01), service dates (DTM*472) and the claim filing indicator (CLP06).
Service codes (SVC) and adjustments (CAS) are read by the code finders like any code context.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from service.models import PlanType

_SEGMENT = re.compile(r"(?m)^(?P<id>[A-Z][A-Z0-9]{1,2})\*(?P<body>[^~\n]*)~?")
# CLP06, claim filing indicator: government programs and the plan kinds it names.
_FILING_INDICATOR = {
    "MA": PlanType.MEDICARE_AB,
    "MB": PlanType.MEDICARE_AB,
    "16": PlanType.MEDICARE_ADVANTAGE,
    "MC": PlanType.MEDICAID_MANAGED_CARE,
    "12": PlanType.COMMERCIAL,
    "13": PlanType.COMMERCIAL,
    "14": PlanType.COMMERCIAL,
    "15": PlanType.COMMERCIAL,
    "BL": PlanType.COMMERCIAL,
    "CI": PlanType.COMMERCIAL,
    "HM": PlanType.COMMERCIAL,
}


@dataclass
class Remittance:
    """Values read from pasted 835 segments, each with its span in the text."""

    values: dict[str, object] = field(default_factory=dict)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    dates_of_service: list[tuple[dt.date, int, int]] = field(default_factory=list)


def _date(raw: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(raw[:8], "%Y%m%d").date()
    except ValueError:
        return None


def is_x12(text: str) -> bool:
    """True when the text is a pasted X12 transaction (ST and CLP or BPR segments)."""
    return bool(re.search(r"(?m)^ST\*835\*", text)) and "CLP*" in text


def _put(out: Remittance, key: str, value: object, start: int, end: int) -> None:
    if key not in out.values and value not in (None, ""):
        out.values[key] = value
        out.spans[key] = (start, end)


def _name(parts: list[str]) -> str:
    last, first = (parts[2] if len(parts) > 2 else ""), (parts[3] if len(parts) > 3 else "")
    return " ".join(p for p in (first, last) if p)


def _segment(out: Remittance, sid: str, parts: list[str], start: int, text: str) -> None:
    def span(i: int) -> tuple[int, int]:
        a = start + len(sid) + 1 + sum(len(p) + 1 for p in parts[:i])
        return a, a + len(parts[i])

    if sid == "N1" and parts[:1] == ["PR"] and len(parts) > 1:
        _put(out, "payer", parts[1], *span(1))
    elif sid == "DTM" and len(parts) > 1 and parts[0] in ("405", "472"):
        day = _date(parts[1])
        if day and parts[0] == "405":
            _put(out, "denial_date", day, *span(1))
        elif day:
            out.dates_of_service.append((day, *span(1)))
    elif sid == "NM1" and len(parts) > 2 and parts[0] in ("QC", "82"):
        key = "patient_name" if parts[0] == "QC" else "rendering_provider"
        _put(out, key, _name(parts), *span(2))
        if parts[0] == "QC" and len(parts) > 8 and parts[7] in ("MI", "HN"):
            _put(out, "member_id", parts[8], *span(8))
    elif sid == "CLP" and len(parts) > 6:
        _put(out, "claim_number", parts[6], *span(6))
        plan = _FILING_INDICATOR.get(parts[5])
        if plan:
            _put(out, "plan_type", plan, *span(5))


def read_remittance(text: str) -> Remittance:
    """The denial's values from a pasted 835; empty when the text is not one."""
    out = Remittance()
    if not is_x12(text):
        return out
    for m in _SEGMENT.finditer(text):
        _segment(out, m["id"], m["body"].split("*"), m.start(), text)
    return out
