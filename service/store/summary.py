"""What the drafts list shows of a draft, worked out once when its result is stored.

The list cannot open every draft's input and result (they are encrypted, and large), so the
store keeps these few fields beside them: the patient, the service and the payer's reference
are PHI and are sealed like the input; `ready` (the letter's check passes) is not.
"""

from __future__ import annotations

from typing import Any

from service.models import Chart, Denial

MAX_SERVICE = 120  # a line of the list, not the letter: long descriptions are cut


def _service(denial: Denial) -> str | None:
    lines = [" ".join(p for p in (s.code, s.description) if p) for s in denial.service_lines]
    lines = [line for line in lines if line]
    if not lines:
        return None
    first = lines[0] if len(lines[0]) <= MAX_SERVICE else lines[0][: MAX_SERVICE - 1] + "…"
    return first if len(lines) == 1 else f"{first} (+{len(lines) - 1} more)"


def summarize(denial: Denial, chart: Chart, *, ready: bool) -> dict[str, Any]:
    """The list's fields for a case: the values the letter uses (the denial's, else the chart's)."""
    return {
        "patient": denial.patient_name or chart.patient.name,
        "service": _service(denial),
        "reference": denial.reference_number or denial.claim_number,
        "ready": ready,
    }
