"""A draft's state named for what it means to a biller, and the list's filters over states.

The store keeps a status (drafting, held, released, failed, interrupted) and whether the
letter's check passes. "Held" covers two different situations: the check found problems (the
letter needs information before it can go) and the check passes but nobody has released it
yet (the workspace never releases a letter by itself). The workspace names them apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class State:
    key: str  # the filter value and the CSS class
    name: str  # what the badge says
    meaning: str  # what it means and what to do next
    statuses: tuple[str, ...]  # the store statuses it covers
    ready: bool | None = None  # for "held": whether the check passes


STATES = (
    State(
        "needs-information",
        "Needs information",
        "The check found problems: correct what was read or add chart notes, then release.",
        ("held",),
        ready=False,
    ),
    State(
        "ready",
        "Ready to release",
        "The check passes. Read the letter and release it; nothing is sent before that.",
        ("held",),
        ready=True,
    ),
    State("released", "Released", "Released by a person; download it to send.", ("released",)),
    State("drafting", "Drafting", "Being drafted now; reload in a moment.", ("drafting",)),
    State(
        "failed",
        "Failed",
        "Drafting stopped with an error. The input is kept: open it to try again, or dismiss it.",
        ("failed",),
    ),
    State(
        "interrupted",
        "Interrupted",
        "The process drafting it stopped. The input is kept: open it to draft again.",
        ("interrupted",),
    ),
)
BY_KEY = {s.key: s for s in STATES}
# Attempts that left no letter: hidden from the list unless asked for, and dismissible.
FAILED = ("failed", "interrupted")
ACTIVE = tuple(dict.fromkeys(s for st in STATES if st.key not in FAILED for s in st.statuses))


def state_of(status: str, ready: bool | None) -> State:
    """The state a stored status (and the check's verdict, for a held draft) means."""
    if status == "held":
        return BY_KEY["ready" if ready else "needs-information"]
    for state in STATES:
        if status in state.statuses:
            return state
    raise ValueError(f"no state for status {status!r}")


def list_filter(state_key: str | None, show_failed: bool) -> dict[str, Any]:
    """The store's list filters for a state picked in the list (or none: every active draft)."""
    state = BY_KEY.get(state_key or "")
    if state is not None:
        return {"statuses": state.statuses, "ready": state.ready}
    return {"statuses": None if show_failed else ACTIVE, "ready": None}
