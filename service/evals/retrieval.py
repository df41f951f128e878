"""Retrieval evaluation: recall@5 and MRR of dense, BM25 and hybrid search over a labelled set.

Two corpora: the shipped policy corpus and the Medicare NCD criteria (a second Chroma collection
in the same index folder). `python -m service.evals.retrieval` prints both side by side, compares
with evals/retrieval/baseline.json and exits 1 when hybrid misses its targets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from service.config import Settings
from service.errors import BadInput
from service.evals.cases import EVALS_DIR, REPO
from service.policies.retrieve import MODES, Retriever

LABELS = EVALS_DIR / "retrieval" / "labelled.yaml"
BASELINE = EVALS_DIR / "retrieval" / "baseline.json"
INDEX_DIR = EVALS_DIR / ".index"
NCD_FILE = REPO.parent / "shared" / "data" / "ncd_criteria" / "ncd_criteria.jsonl"
NCD_COLLECTION = "ncd"
K = 5
MRR_DEPTH = 10  # MRR counts a first relevant hit down to this rank
TARGETS = {"recall@5": 0.95, "mrr": 0.90}
CORPORA = ("shipped", "ncd")


@dataclass(frozen=True)
class Query:
    """One labelled query: what is asked, the filters a denial would supply, what must come back."""

    id: str
    corpus: str
    text: str
    relevant: tuple[str, ...]
    payer: str | None = None
    codes: tuple[str, ...] = ()
    date_of_service: dt.date | None = None


def load_labels(path: Path = LABELS) -> dict[str, list[Query]]:
    """The labelled queries of each corpus."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    labels: dict[str, list[Query]] = {}
    for corpus in CORPORA:
        labels[corpus] = [_query(corpus, raw) for raw in data.get(corpus) or []]
    seen = [q.id for qs in labels.values() for q in qs]
    if len(seen) != len(set(seen)):
        raise BadInput("A query id occurs twice in the labelled retrieval set.", path=str(path))
    return labels


def _query(corpus: str, raw: dict) -> Query:
    day = raw.get("date_of_service")
    if day is not None and not isinstance(day, dt.date):
        day = dt.date.fromisoformat(str(day))
    if not raw.get("relevant"):
        raise BadInput("A labelled query has no relevant passage.", field=str(raw.get("id")))
    return Query(
        id=str(raw["id"]),
        corpus=corpus,
        text=str(raw["query"]),
        relevant=tuple(str(r) for r in raw["relevant"]),
        payer=raw.get("payer"),
        codes=tuple(str(c) for c in raw.get("codes") or ()),
        date_of_service=day,
    )


def score_mode(retriever: Retriever, queries: Sequence[Query], mode: str) -> dict[str, Any]:
    """recall@5 and MRR of one retrieval mode, with the queries it missed in the top 5."""
    recalls, reciprocal, misses = [], [], []
    for q in queries:
        ranked = [
            p.id
            for p in retriever.search(
                q.text,
                payer=q.payer,
                codes=q.codes,
                date_of_service=q.date_of_service,
                k=MRR_DEPTH,
                mode=mode,
            )
        ]
        wanted = set(q.relevant)
        recall = len(wanted & set(ranked[:K])) / len(wanted)
        first = next((rank for rank, pid in enumerate(ranked, 1) if pid in wanted), None)
        recalls.append(recall)
        reciprocal.append(1.0 / first if first else 0.0)
        if recall < 1.0:
            misses.append({"id": q.id, "rank": first, "top": ranked[:3]})
    n = max(len(queries), 1)
    return {
        "recall@5": round(sum(recalls) / n, 4),
        "mrr": round(sum(reciprocal) / n, 4),
        "misses": misses,
    }


def unknown_ids(retriever: Retriever, queries: Sequence[Query]) -> list[str]:
    """Labelled passage ids the retriever does not hold (a stale label or a changed chunker)."""
    return sorted({pid for q in queries for pid in q.relevant if pid not in retriever.passages})


def run(
    retrievers: dict[str, Retriever], labels: dict[str, list[Query]] | None = None
) -> dict[str, Any]:
    """{corpus: {"queries": n, mode: {recall@5, mrr, misses}}} for every corpus given."""
    labels = labels if labels is not None else load_labels()
    report: dict[str, Any] = {}
    for corpus, retriever in retrievers.items():
        queries = labels.get(corpus, [])
        missing = unknown_ids(retriever, queries)
        if missing:
            raise BadInput(
                f"{len(missing)} labelled passage id(s) are not in the {corpus} index, "
                f"for example {missing[0]}.",
                field="relevant",
            )
        report[corpus] = {"queries": len(queries)}
        for mode in MODES:
            report[corpus][mode] = score_mode(retriever, queries, mode)
    return report


def ncd_retriever(index_dir: Path = INDEX_DIR, ncd_file: Path = NCD_FILE) -> Retriever:
    """The NCD criteria in their own collection, ingested once (later runs embed nothing)."""
    from service.policies.chroma_index import open_index
    from service.policies.ncd import load_ncd_jsonl
    from service.policies.retrieve import ingest

    index = open_index(Path(index_dir), name=NCD_COLLECTION)
    ingest(index, load_ncd_jsonl(ncd_file))
    return Retriever.from_index(index)


def shipped_retriever(index_dir: Path = INDEX_DIR) -> Retriever:
    """The shipped policy corpus, as the eval runner builds it."""
    from service.policies.retrieve import build_retriever

    return build_retriever(Settings(data_dir=str(index_dir)))


def flatten(report: dict[str, Any]) -> dict[str, float]:
    """{"shipped.hybrid.recall@5": 0.98, ...}: the shape the eval report shows."""
    return {
        f"{corpus}.{mode}.{metric}": report[corpus][mode][metric]
        for corpus in report
        for mode in MODES
        for metric in TARGETS
    }


def evaluate(retriever: Retriever, ncd: Retriever | None = None) -> dict[str, float]:
    """Metrics for `retriever` (the shipped corpus) and the NCD corpus, flattened.

    Empty for anything but the real hybrid Retriever: a scripted test double has no modes.
    """
    if not isinstance(retriever, Retriever):
        return {}
    retrievers = {"shipped": retriever}
    if ncd is None and NCD_FILE.is_file():
        ncd = ncd_retriever()
    if ncd is not None:
        retrievers["ncd"] = ncd
    return flatten(run(retrievers))


def target_failures(report: dict[str, Any]) -> list[str]:
    """Where hybrid misses a target or falls below dense-only or BM25-only."""
    failures = []
    for corpus, modes in report.items():
        hybrid = modes["hybrid"]
        for metric, floor in TARGETS.items():
            if hybrid[metric] < floor:
                failures.append(f"{corpus} hybrid {metric} {hybrid[metric]:.3f} < {floor}")
            for other in ("dense", "bm25"):
                if hybrid[metric] < modes[other][metric]:
                    failures.append(
                        f"{corpus} hybrid {metric} {hybrid[metric]:.3f} below {other} "
                        f"{modes[other][metric]:.3f}"
                    )
    return failures


def table(report: dict[str, Any], baseline: dict[str, Any] | None = None) -> list[str]:
    """Console lines: one row per corpus and metric, modes side by side (baseline in brackets)."""
    lines = [f"{'corpus':8} {'metric':9} " + " ".join(f"{m:>16}" for m in MODES)]
    for corpus, modes in report.items():
        for metric in TARGETS:
            cells = []
            for mode in MODES:
                now = modes[mode][metric]
                before = ((baseline or {}).get(corpus) or {}).get(mode, {}).get(metric)
                shown = f"{now:.3f}" + (f" ({before:.3f})" if before is not None else "")
                cells.append(f"{shown:>16}")
            lines.append(f"{corpus:8} {metric:9} " + " ".join(cells))
        lines.append(f"{'':8} queries   {modes['queries']}")
    return lines


def _without_misses(report: dict[str, Any]) -> dict[str, Any]:
    return {
        corpus: {
            key: ({m: v for m, v in value.items() if m != "misses"} if key in MODES else value)
            for key, value in modes.items()
        }
        for corpus, modes in report.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the retrieval eval; 1 when hybrid misses its targets, 0 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m service.evals.retrieval")
    parser.add_argument("--index-dir", default=str(INDEX_DIR), help="reused Chroma folder")
    parser.add_argument("--write-baseline", action="store_true", help="save as the baseline")
    parser.add_argument("--misses", action="store_true", help="list queries missed in the top 5")
    args = parser.parse_args(argv)
    index_dir = Path(args.index_dir)
    retrievers = {"shipped": shipped_retriever(index_dir), "ncd": ncd_retriever(index_dir)}
    report = run(retrievers)
    baseline = json.loads(BASELINE.read_text()) if BASELINE.is_file() else None
    print("\n".join(table(report, baseline)))
    if args.misses:
        for corpus, modes in report.items():
            for mode in MODES:
                for miss in modes[mode]["misses"]:
                    print(f"miss {corpus} {mode} {miss['id']} rank={miss['rank']} {miss['top']}")
    if args.write_baseline:
        BASELINE.write_text(json.dumps(_without_misses(report), indent=2) + "\n")
        print(f"baseline written to {BASELINE.relative_to(REPO)}")
    failures = target_failures(report)
    for failure in failures:
        print(f"FAIL {failure}")
    print("PASS" if not failures else f"FAIL: {len(failures)} target(s) missed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
