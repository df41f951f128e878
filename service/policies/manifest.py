"""What the embedded policy index holds, in a small JSON file beside it.

Opening the index costs seconds (chromadb, the embedder, every passage read back for BM25);
most drafts are for payers with no policy in it. The manifest names the payers that have
policies, the corpus version, and the stat of every corpus file the index was synced from, so
a draft for another payer is answered without opening the index, and an unchanged corpus is
not re-read and re-hashed on every start. It is written whenever a retriever is built or
refreshed from the index, and ignored (the index is opened as before) whenever it does not
match: another corpus folder or file, another embedding model, a Chroma server.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.config import shipped

if TYPE_CHECKING:
    from service.config import Settings
    from service.models import PolicyPassage

FILE = "policy-manifest.json"
FORMAT = 1


def corpus_folder(settings: Settings) -> Path:
    """The policy corpus the index is synced from."""
    return Path(settings.corpus_dir) if settings.corpus_dir else shipped("policy_corpus")


def corpus_stamp(folder: Path) -> dict[str, list[int]]:
    """Relative path -> [size, mtime_ns] of every file under the corpus folder."""
    if not folder.is_dir():
        return {}
    stamp: dict[str, list[int]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            st = path.stat()
            stamp[path.relative_to(folder).as_posix()] = [st.st_size, st.st_mtime_ns]
    return stamp


@dataclass(frozen=True)
class Manifest:
    payers: frozenset[str]
    corpus_version: str
    embedding: str
    corpus: dict[str, list[int]]

    def has_policies(self, payer: str | None) -> bool:
        """True when the index holds at least one passage of this payer."""
        return bool(payer) and payer in self.payers


def write_manifest(
    settings: Settings, passages: Iterable[PolicyPassage], corpus_version: str
) -> None:
    """Record what the index now holds (embedded index only; a server is shared by others)."""
    if settings.chroma_url:
        return
    body = {
        "format": FORMAT,
        "payers": sorted({p.payer for p in passages}),
        "corpus_version": corpus_version,
        "embedding": settings.embedding,
        "corpus_dir": str(corpus_folder(settings).resolve()),
        "corpus": corpus_stamp(corpus_folder(settings)),
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    path = settings.data_path / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(body, indent=1), encoding="utf-8")
    os.replace(tmp, path)  # readers never see half a file


def read_manifest(settings: Settings) -> Manifest | None:
    """The manifest when it still describes this index and corpus, else None."""
    if settings.chroma_url or not (settings.data_path / "chroma").is_dir():
        return None
    try:
        body: dict[str, Any] = json.loads((settings.data_path / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    folder = corpus_folder(settings)
    if (
        body.get("format") != FORMAT
        or body.get("embedding") != settings.embedding
        or body.get("corpus_dir") != str(folder.resolve())
        or body.get("corpus") != corpus_stamp(folder)
    ):
        return None
    return Manifest(
        payers=frozenset(body.get("payers", [])),
        corpus_version=str(body.get("corpus_version", "")),
        embedding=settings.embedding,
        corpus=body["corpus"],
    )


class LazyRetriever:
    """A retriever that opens the index only for a search it can answer: a payer the manifest
    shows has no policy finds nothing, as the index would, at no cost. The draft's provenance
    names the same corpus version either way."""

    def __init__(self, manifest: Manifest, open_index: Callable[[], Any]) -> None:
        self.manifest = manifest
        self.corpus_version = manifest.corpus_version
        self._open = open_index

    def search(self, query: str, *, payer: str | None = None, **options: Any) -> list[Any]:
        if payer is not None and not self.manifest.has_policies(payer):
            return []
        return list(self._open().search(query, payer=payer, **options))

    def policy_passages(self, policy_id: str, version: int | str | None = None) -> list[Any]:
        return list(self._open().policy_passages(policy_id, version))
