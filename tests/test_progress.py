"""Progress bars: drawn for a person at a terminal while the index embeds, never for scripts."""

from __future__ import annotations

from support import LUMBAR_POLICY

from service.policies.chroma_index import PolicyIndex
from service.progress import terminal_bars


class _Collection:
    def __init__(self) -> None:
        self.ids: list[str] = []

    def upsert(self, ids, embeddings, documents, metadatas) -> None:
        self.ids += ids


class _Bar:
    def __init__(self, total: int, what: str) -> None:
        self.total, self.what, self.done, self.closed = total, what, 0, False

    def update(self, n=1):
        self.done += n

    def close(self) -> None:
        self.closed = True


def test_embedding_reports_every_passage_to_the_bar():
    bars: list[_Bar] = []

    def factory(total: int, what: str) -> _Bar:
        bars.append(_Bar(total, what))
        return bars[-1]

    passages = [
        p.model_copy(update={"id": f"{p.id}-{i}"}) for i in range(40) for p in LUMBAR_POLICY
    ]
    index = PolicyIndex(_Collection(), lambda texts: [[0.1, 0.2] for _ in texts])
    index.progress = factory
    index.upsert(passages)
    (bar,) = bars
    assert bar.total == bar.done == len(passages) and bar.closed


def test_no_bars_when_quiet_or_not_at_a_terminal(capsys):
    assert terminal_bars(False) is None
    assert terminal_bars(True) is None  # pytest captures stderr: not a terminal
