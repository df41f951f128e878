"""JSON bodies parsed with limits: nesting depth and valid Unicode.

Python's parser recurses once per nesting level and accepts lone surrogates ("\\ud800"), which
later fail to encode; both are refused here as invalid JSON (400) before any route sees them.
"""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 64


class LimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with a depth limit and a Unicode check on loading."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError as err:
            raise ValueError("JSON nested too deeply") from err
        check(value)
        return value


def check(value: Any) -> None:
    """ValueError when the parsed value nests deeper than MAX_DEPTH or holds invalid Unicode."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list) and depth > MAX_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            for key, child in node.items():
                _text(key)
                stack.append((child, depth + 1))
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, str):
            _text(node)


def _text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValueError("JSON string holds invalid Unicode (a lone surrogate)") from err
