"""Which process is drafting, and whether it is still alive.

A draft records its drafting process as `host:pid:start`, where start is the process's start
time (so a recycled pid is not mistaken for the old process). A draft whose process is gone
(killed, crashed, timed out) is interrupted, not in progress.
"""

from __future__ import annotations

import os
import socket
from functools import cache


def _start_time(pid: int) -> str:
    """Field 22 of /proc/<pid>/stat (start time); "" for a zombie or a missing process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            # the command name (field 2) may hold spaces, so split after its closing parenthesis
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return "0"
    return "" if fields[0] in ("Z", "X") else fields[19]


@cache
def _host() -> str:
    return socket.gethostname()


def identity() -> str:
    """This process, as recorded on a draft it is drafting."""
    pid = os.getpid()
    return f"{_host()}:{pid}:{_start_time(pid)}"


def is_alive(owner: str | None) -> bool | None:
    """True or False for a process on this host; None when it ran on another host."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != _host():
        return None
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    return bool(start) and _start_time(pid) == start
