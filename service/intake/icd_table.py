"""ICD-10-CM look-ups without loading the whole code set in every process.

simple_icd_10_cm parses its XML code set on import (about 2 s on two cores), longer than the
rest of a draft put together. The four answers drafting asks of it (is a code valid, is it a
chapter or block, is it a leaf, its description) are kept in a small SQLite table in the user's
cache folder, built once from the library and rebuilt when the library's version changes. The
answers are the library's own, key for key; anything else still asks the library.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import warnings
from functools import cache
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

FORMAT = 1
DISTRIBUTION = "simple-icd-10-cm"


def _library() -> ModuleType:
    # Heavy: loads the code set. Its loader uses a deprecated importlib API; hush that.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


class LibraryCodes:
    """The library itself: the fallback when no cache folder can be written."""

    def __init__(self) -> None:
        self._icd = _library()

    def is_valid_item(self, code: str) -> bool:
        return bool(self._icd.is_valid_item(code))

    def is_chapter_or_block(self, code: str) -> bool:
        return bool(self._icd.is_chapter_or_block(code))

    def is_leaf(self, code: str) -> bool:
        return bool(self._icd.is_leaf(code))

    def get_description(self, code: str) -> str:
        return str(self._icd.get_description(code))


class TableCodes:
    """The same answers from the cached table; keys are the library's, dotted as it dots them."""

    def __init__(self, path: Path) -> None:
        # read-only and shared by the server's threads; the lock keeps one query at a time
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    def _row(self, code: str) -> tuple[Any, ...] | None:
        with self._lock:
            return self._db.execute(
                "SELECT chapter_or_block, leaf, description FROM codes WHERE key = ?", (code,)
            ).fetchone()

    def _key(self, code: str) -> str | None:
        """The library's key for a code: as given, or with the dot after the third character."""
        if self._row(code) is not None:
            return code
        dotted = code[:3] + "." + code[3:]
        if len(code) >= 4 and code[3] != "." and self._row(dotted) is not None:
            return dotted
        return None

    def is_valid_item(self, code: str) -> bool:
        return self._key(code) is not None

    def _node(self, code: str) -> tuple[Any, ...]:
        key = self._key(code)
        row = self._row(key) if key else None
        if row is None:
            raise ValueError(f'The code "{code}" does not exist.')  # as the library says
        return row

    def is_chapter_or_block(self, code: str) -> bool:
        key = self._key(code)
        return bool(key and self._node(key)[0])

    def is_leaf(self, code: str) -> bool:
        return bool(self._node(code)[1])

    def get_description(self, code: str) -> str:
        return str(self._node(code)[2])


def cache_path() -> Path:
    """Where the table lives: the user's cache folder, named for the library's version."""
    from service.cache import cache_dir

    return cache_dir() / f"icd10cm-{metadata.version(DISTRIBUTION)}-{FORMAT}.db"


def build_table(path: Path) -> None:
    """Write every key of the library's code set with its three answers (once, ~3 s)."""
    icd = _library()
    # every chapter, block, category and code the library knows, each once
    keys = list(dict.fromkeys(icd.get_all_codes(with_dots=True)))
    rows = [(k, icd.is_chapter_or_block(k), icd.is_leaf(k), icd.get_description(k)) for k in keys]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(tmp) as db:
        db.execute(
            "CREATE TABLE codes (key TEXT PRIMARY KEY, chapter_or_block INT, leaf INT, "
            "description TEXT) WITHOUT ROWID"
        )
        db.executemany("INSERT OR IGNORE INTO codes VALUES (?, ?, ?, ?)", rows)
    os.replace(tmp, path)  # another process sees the whole table or none


@cache
def icd_table() -> TableCodes | LibraryCodes:
    """The code set's answers: from the cached table, built on first use; else the library."""
    try:
        path = cache_path()
        if not path.is_file():
            build_table(path)
        return TableCodes(path)
    except (OSError, sqlite3.Error, metadata.PackageNotFoundError):
        return LibraryCodes()  # no writable cache folder: answer from the library, slowly
