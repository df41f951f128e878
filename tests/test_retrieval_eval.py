"""The retrieval eval: a sound labelled set; recall@5, MRR and the target check computed right."""

from __future__ import annotations

import pytest
from support import FakeRetriever, shared

from service.evals import retrieval
from service.evals.retrieval import Query, load_labels, score_mode, target_failures
from service.models import PolicyPassage
from service.policies.corpus import load_corpus
from service.policies.ncd import load_ncd_jsonl
from service.policies.retrieve import SHIPPED_CORPUS


class Ranked:
    """Returns a fixed ranking whatever the query, so the arithmetic can be checked by hand."""

    def __init__(self, ids: list[str]) -> None:
        self.ids = ids

    def search(self, query, **_filters):
        return [
            PolicyPassage(id=i, policy_id="P", payer="x", title="t", section="s", text="t")
            for i in self.ids
        ]


def _q(qid: str, *relevant: str) -> Query:
    return Query(id=qid, corpus="shipped", text="q", relevant=relevant)


def test_the_labelled_set_is_large_and_covers_both_corpora():
    labels = load_labels()
    assert len(labels["shipped"]) + len(labels["ncd"]) >= 80
    assert len(labels["ncd"]) >= 30 and len(labels["shipped"]) >= 50
    payers = {q.payer for q in labels["shipped"] if q.payer}
    assert len(payers) >= 4
    assert any(q.payer is None for q in labels["shipped"])
    assert any(not q.codes for q in labels["shipped"] if q.payer)


def test_every_labelled_passage_exists_and_no_query_quotes_its_policy_title():
    labels = load_labels()
    shipped = {p.id: p for p in load_corpus(SHIPPED_CORPUS)}
    corpora = {"shipped": shipped}
    corpora["ncd"] = {p.id: p for p in load_ncd_jsonl(shared("ncd_criteria", "ncd_criteria.jsonl"))}
    for corpus, passages in corpora.items():
        for q in labels[corpus]:
            for pid in q.relevant:
                assert pid in passages, (q.id, pid)
                assert passages[pid].title.lower() not in q.text.lower(), q.id


def test_recall_and_mrr_are_computed_per_query():
    queries = [_q("a", "x"), _q("b", "y"), _q("c", "z"), _q("d", "x", "gone")]
    scored = score_mode(Ranked(["x", "y", "w", "v", "u", "t", "z"]), queries, "hybrid")
    # recall@5: a 1, b 1, c 0 (rank 7), d 1/2; MRR: 1, 1/2, 1/7, 1
    assert scored["recall@5"] == pytest.approx((1 + 1 + 0 + 0.5) / 4, abs=1e-4)
    assert scored["mrr"] == pytest.approx((1 + 0.5 + 1 / 7 + 1) / 4, abs=1e-4)
    assert {m["id"] for m in scored["misses"]} == {"c", "d"}


def test_hybrid_below_a_single_mode_or_a_target_is_reported():
    good = {"recall@5": 0.99, "mrr": 0.95}
    report = {"shipped": {"dense": good, "bm25": {"recall@5": 1.0, "mrr": 0.9}, "hybrid": good}}
    assert any("below bm25" in f for f in target_failures(report))
    report["shipped"]["bm25"] = good
    assert target_failures(report) == []
    report["shipped"]["hybrid"] = {"recall@5": 0.9, "mrr": 0.95}
    assert target_failures(report) == [
        "shipped hybrid recall@5 0.900 < 0.95",
        "shipped hybrid recall@5 0.900 below dense 0.990",
        "shipped hybrid recall@5 0.900 below bm25 0.990",
    ]


def test_a_scripted_retriever_is_not_evaluated():
    assert retrieval.evaluate(FakeRetriever([])) == {}
