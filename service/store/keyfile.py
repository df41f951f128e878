"""Keys generated on first start and kept in the data folder, readable by the owner only.

The session secret and the at-rest encryption key must never be constants, and several gunicorn
workers starting at once must agree on one key: the file is created with O_EXCL, so exactly one
process writes it and every other one reads what that one wrote.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create a folder (and parents) readable by the owner only; tighten an existing one."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if path.stat().st_mode & 0o077:
        path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> None:
    """Make an existing file readable by the owner only (a no-op where it does not exist)."""
    if path.exists() and path.stat().st_mode & 0o077:
        path.chmod(FILE_MODE)


def load_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The key in `path`; created with `make()` (mode 0600) when the file does not exist yet."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        private_file(path)
        return _read_written(path)
    with os.fdopen(fd, "wb") as out:
        out.write(make())
    return path.read_bytes().strip()


def _read_written(path: Path) -> bytes:
    # another process may have created the file a moment ago and not written it yet
    for _ in range(50):
        data = path.read_bytes().strip()
        if data:
            return data
        time.sleep(0.02)
    raise RuntimeError(f"{path.name} is empty; delete it to generate a new key.")


def secret_key(data_dir: Path) -> bytes:
    """The session-signing secret of this data folder."""
    return load_or_create(data_dir / "secret.key", lambda: secrets.token_urlsafe(48).encode())


def data_key(data_dir: Path) -> bytes:
    """The Fernet key that encrypts stored inputs and letters in this data folder."""
    from cryptography.fernet import Fernet

    return load_or_create(data_dir / "data.key", Fernet.generate_key)


def keys_for_url(url: str) -> list[bytes]:
    """The data key beside a SQLite file (or a throwaway one for an in-memory database)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return [data_key(Path(parsed.database).expanduser().parent)]
    if parsed.get_backend_name() == "sqlite":
        from cryptography.fernet import Fernet

        return [Fernet.generate_key()]
    raise ValueError("a database other than SQLite needs OVERTURN_ENCRYPTION_KEY")
