"""Chart intake entry point: route a chart, whatever its form, to the right parser."""

from __future__ import annotations

import json

from service.errors import BadInput
from service.intake.chart_json import parse_chart_json
from service.intake.chart_text import parse_chart_text
from service.models import Chart


def parse_chart(data: str | dict | None) -> Chart:
    """None or blank -> empty Chart; a dict or a JSON-object string -> JSON; else free text."""
    if data is None:
        return Chart()
    if isinstance(data, dict):
        return parse_chart_json(data)
    if not isinstance(data, str):
        raise BadInput("the chart must be text or a JSON object", field="chart")
    if not data.strip():
        return Chart()
    # JSON is decided by parsing, not by the first character: notes may open with "{" or "[".
    try:
        obj = json.loads(data)
    except json.JSONDecodeError:
        obj = None
    if isinstance(obj, dict):
        return parse_chart_json(obj)
    return parse_chart_text(data)
