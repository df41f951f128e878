"""Progress bars for the long steps a person waits on at a terminal: embedding the policy index,
adding policy documents, reading a batch of files. tqdm draws them on stderr; the service, the
tests and `--quiet` scripts pass no bar factory and nothing is drawn.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from typing import Protocol


class Bar(Protocol):
    def update(self, n: float | None = 1) -> bool | None: ...

    def close(self) -> None: ...


# (total, what) -> a bar; `what` is the step's name as the bar shows it
Progress = Callable[[int, str], Bar]


def terminal_bars(enabled: bool = True) -> Progress | None:
    """A bar factory drawing on stderr when it is a terminal and bars are wanted, else None."""
    if not enabled or not sys.stderr.isatty():
        return None

    def bar(total: int, what: str) -> Bar:
        from tqdm import tqdm  # only a terminal run that has a long step pays its import

        # a terminal that reports no size (a bare pty, some CI consoles) would hide the bar:
        # tqdm draws nothing past the screen's last row, and a 0-row screen has none
        size = shutil.get_terminal_size()
        return tqdm(
            total=total,
            desc=what,
            file=sys.stderr,
            ncols=min(size.columns or 80, 100),
            nrows=size.lines or 24,
        )

    return bar
