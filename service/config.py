"""Every setting, declared once, read from `OVERTURN_*` environment variables.

Each setting carries its help text; `tests/test_config.py` fails when one is undocumented in
the README, and `overturn config` prints them all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PREFIX = "OVERTURN_"
# How an environment variable's text becomes each setting's type (annotations are strings here).
_CAST: dict[Any, Any] = {"str": str, "int": int, "float": float}
_PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """A folder shipped with Overturn (templates, prompts, policy_corpus).

    A wheel carries them inside the package (`service/_shipped/<name>`, see pyproject.toml);
    a checkout or an editable install reads them from the repository root, so a QA edit to a
    template is live without reinstalling.
    """
    packaged = _PACKAGE / "_shipped" / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name


def default_data_dir() -> str:
    """The user's data folder in the platform's standard place (~/.local/share/overturn on
    Linux, ~/Library/Application Support/overturn on macOS, %LOCALAPPDATA%\\overturn on
    Windows): one per user, shared by the CLI, the workspace and the API whatever folder they
    start from."""
    from platformdirs import user_data_dir

    return user_data_dir("overturn", appauthor=False)


def _setting(default: Any, help: str, secret: bool = False) -> Any:
    return field(default=default, metadata={"help": help, "secret": secret})


@dataclass
class Settings:
    data_dir: str = _setting(
        default_data_dir(),
        "Folder for the SQLite store and the embedded Chroma index; the default is the user's "
        "data folder (~/.local/share/overturn on Linux).",
    )
    database_url: str = _setting(
        "", "SQLAlchemy URL for drafts and audit; empty means a SQLite file in data_dir."
    )
    corpus_dir: str = _setting(
        "", "Folder of policy documents indexed on first use; empty means policy_corpus/."
    )
    chroma_url: str = _setting(
        "", "URL of a Chroma server (`chroma run`); empty means embedded Chroma on local disk."
    )
    model: str = _setting(
        "", "litellm model string for LLM drafting; empty means the offline deterministic composer."
    )
    llm_api_base: str = _setting("", "Base URL of an OpenAI-compatible or Ollama server.")
    llm_timeout: float = _setting(60.0, "Seconds before a model call is abandoned.")
    llm_fallbacks: str = _setting(
        "", "Comma-separated litellm model strings tried in order when the main model fails."
    )
    llm_max_retries: int = _setting(
        1,
        "Retries per model call after its first attempt (1 means at most 2 attempts), with "
        "exponential back-off that honours Retry-After, within llm_budget.",
    )
    phi_placeholders: str = _setting(
        "on",
        "Replace patient identifiers with placeholders before a model call: on or off "
        "(off only for a model running on this machine).",
    )
    practice_name: str = _setting("", "Practice name printed on the letterhead and signature.")
    practice_address: str = _setting("", "Practice postal address for the letterhead.")
    practice_phone: str = _setting("", "Practice phone for the letterhead and signature.")
    practice_fax: str = _setting("", "Practice fax for the letterhead and signature.")
    signer_name: str = _setting("", "Default signer when the chart names no treating provider.")
    signer_credentials: str = _setting("", "Default signer's credentials, e.g. MD.")
    signer_npi: str = _setting("", "Default signer's 10-digit NPI.")
    max_input_bytes: int = _setting(1_000_000, "Largest denial or chart text accepted, in bytes.")
    today: str = _setting(
        "", "Fixed letter date (YYYY-MM-DD) for reproducible evals; empty means today."
    )
    secret_key: str = _setting(
        "",
        "Flask secret key for the workspace's signed session cookies; empty means a random key "
        "generated on first start and kept in data_dir/secret.key (mode 0600).",
        secret=True,
    )
    encryption_key: str = _setting(
        "",
        "Fernet key(s) that encrypt pasted inputs and letters at rest, comma-separated (the first "
        "encrypts, every one decrypts, for rotation); empty means a key generated on first start "
        "and kept in data_dir/data.key (mode 0600).",
        secret=True,
    )
    host: str = _setting("127.0.0.1", "Address `overturn serve` listens on.")
    port: int = _setting(8000, "Port `overturn serve` listens on.")
    workers: int = _setting(
        2,
        "gunicorn worker processes for `overturn serve` (each runs 4 threads); with the embedded "
        "Chroma index (no chroma_url) one worker is used, as the embedded index is single-process.",
    )
    trusted_hosts: str = _setting(
        "localhost,127.0.0.1,::1",
        "Comma-separated host names the service answers to (Host header); a leading dot matches "
        "subdomains. Anything else is refused with 400, which stops DNS rebinding.",
    )
    cookie_secure: str = _setting(
        "off", "on: session cookies are sent over HTTPS only (set it behind a TLS proxy)."
    )
    retention_days: int = _setting(
        180,
        "Days a draft (its pasted input, letter and result) is kept; older drafts are purged at "
        "start, hourly while serving, and by `overturn purge`. 0 keeps drafts forever.",
    )
    llm_budget: float = _setting(
        90.0,
        "Total seconds one request may spend on model calls (extraction, drafting, repairs, "
        "retries and back-off together); when spent, the composer drafts.",
    )
    embedding: str = _setting(
        "minilm-int8",
        "Embedding model of the policy index: minilm-int8 (built in, offline), ollama:<model>, "
        "openai:<model> or sentence-transformers:<model>; each model gets its own collection.",
    )
    embedding_url: str = _setting(
        "",
        "Base URL of the embedding server (Ollama, or an OpenAI-compatible API); "
        "empty means the provider's default.",
    )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from the environment, then apply explicit overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _CAST[f.type](raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_path / 'overturn.sqlite3'}"


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, help) for every setting."""
    return [
        (
            PREFIX + f.name.upper(),
            "" if f.metadata["secret"] else str(f.default),
            f.metadata["help"],
        )
        for f in fields(Settings)
    ]
