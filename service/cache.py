"""The user's cache folder: derived files that spare each process seconds of start-up (the
ICD-10-CM table, compiled letter templates). Deleting it is always safe: each is rebuilt."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """~/.cache/overturn on Linux, the platform's own cache folder elsewhere."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("overturn", appauthor=False))


@cache
def template_cache() -> Any:
    """A Jinja bytecode cache in the cache folder, or None when it cannot be written.

    Compiling the letter templates and partials costs about 0.1 s per process; Jinja checks
    each template's source checksum, so an edited template is recompiled, never served stale.
    """
    import jinja2

    folder = cache_dir() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))
