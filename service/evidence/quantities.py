"""Quantities in chart and criterion text: a number (or a range) and its unit, with the unit
spelled one way (data/units.yaml) and converted with pint when two spellings differ in scale.

pint is imported on the first conversion that needs it, not before: building its registry
costs about half a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from service.evidence.vocabulary import load
from service.intake.chart_dates import find_dates

_NUMBER = re.compile(
    r"(?:(?<=[\s(:=~<>≥≤])|^)(?P<sign>[-−])?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
    r"(?:\s*(?:-|–|to)\s*(?P<high>\d+(?:\.\d+)?))?(?![\w]*/\d)"
)
_MAX_UNIT_TOKENS = 5


@dataclass(frozen=True)
class Quantity:
    value: float
    high: float | None  # the upper end of a range ("60-65%")
    unit: str  # canonical spelling, "" when none is written
    start: int
    end: int


@cache
def _aliases() -> dict[str, str]:
    return {str(k): str(v) for k, v in load("units")["aliases"].items()}


def canonical_unit(raw: str) -> str:
    """The canonical spelling of a unit as written ("mg/dl" -> "mg/dL"), or ""."""
    key = re.sub(r"\s+", "", raw.lower()).rstrip(".,;:)")
    return _aliases().get(key, "")


def _unit_after(text: str, pos: int) -> tuple[str, int]:
    """(canonical unit, end offset) of the unit written right after a number, if any."""
    tail = text[pos : pos + 48]
    tokens = list(re.finditer(r"%|[^\s%]+", tail))
    for n in range(min(len(tokens), _MAX_UNIT_TOKENS), 0, -1):
        if n > 1 and tail[: tokens[0].start()].strip():
            continue
        raw = tail[tokens[0].start() : tokens[n - 1].end()]
        if tokens[0].start() > 1:
            break
        unit = canonical_unit(raw)
        if unit:
            return unit, pos + tokens[n - 1].end() - (len(raw) - len(raw.rstrip(".,;:)")))
    return "", pos


def quantities(text: str) -> list[Quantity]:
    """Every number in the text that is not part of a date, with the unit written after it."""
    dates = [(d.start, d.end) for d in find_dates(text)]
    out = []
    for m in _NUMBER.finditer(text):
        if any(a <= m.start() < b for a, b in dates):
            continue
        value = float(m.group("num").replace(",", ""))
        if m.group("sign"):
            value = -value
        high = float(m.group("high")) if m.group("high") else None
        unit, end = _unit_after(text, m.end())
        out.append(Quantity(value, high, unit, m.start(), max(end, m.end())))
    return out


@cache
def _registry() -> Any:
    import pint  # lazy: see the module docstring

    return pint.UnitRegistry()


def convert(value: float, unit: str, to: str) -> float | None:
    """`value unit` expressed in `to`; None when the units do not convert."""
    if unit == to or not unit or not to:
        return value if unit == to or not unit else None
    names = load("units")["pint"]
    if unit not in names or to not in names:
        return None
    reg = _registry()
    try:
        return float(reg.Quantity(value, names[unit]).to(names[to]).magnitude)
    except Exception:  # noqa: BLE001 - pint's dimensionality errors: the units do not convert
        return None
