"""Retrieval at scale: index build rate, hybrid query latency p50/p95 and RSS, embedded default.

    /work/venv/bin/python bench/retrieval_bench.py [--sizes 1000,10000,100000] [--queries 200]

Embedded Chroma + the int8 MiniLM embedder + bm25s, in a temporary data folder, each size in
its own process (so RSS is that size's own). The corpus is the shipped policies plus the NCD
criteria (~910 passages) scaled up with variants (bench/retrieval_scale.py). Build is split
into embedding, Chroma upsert (ingest minus embedding) and the in-memory side that
Retriever.from_index builds (read back, BM25, corpus hash). Queries are the labelled retrieval
queries, each pipeline-shaped (payer, codes, date of service) and open (no payer, no date),
cycled to --queries after a warm-up; the query is always embedded for real.

--embed reuse (the default above 10k passages): nothing is embedded during the build; the base
passages get their real vectors (computed before timing) and each variant its base passage's
vector plus a small seeded perturbation (renormalised). The build time and rate of such a size
EXCLUDE embedding; the table adds an embedding time extrapolated from the measured rate of the
largest real-embedded size in the same run.

hit@5: share of queries with a copy of a labelled relevant passage in the top 5 (a sanity check
that the scaled index still answers, not the retrieval eval). --prototype also runs the same
queries through bench/retrieval_fast.py (fixes of the search path) and reports how often its
top 8 equals Retriever.search's, with the dense side from Chroma ("fast") and from an in-memory
matrix of the stored vectors ("fast_vectors").
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from retrieval_fast import FastSearch  # noqa: E402
from retrieval_scale import base_id, base_passages, queries, scale  # noqa: E402

WARMUP = 20
REUSE_NOISE = 0.012  # per-dimension sigma: cosine to the base vector stays about 0.97


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rss_mb() -> dict[str, float]:
    """Current and peak resident set size of this process, in MiB."""
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    kib = {key: int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM") if key in fields}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "rss_mb": round(kib.get("VmRSS", 0) / 1024, 1),
        "peak_mb": round(max(kib.get("VmHWM", 0), peak) / 1024, 1),
    }


class Clock:
    """Seconds spent inside wrapped callables, by label (wrappers cost about a microsecond)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    def wrap(self, label: str, fn: Callable) -> Callable:
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[label] += time.perf_counter() - start

        return timed

    def take(self) -> dict[str, float]:
        out = dict(self.spent)
        self.spent.clear()
        return out


def reuse_vectors(embedder, base, passages) -> Callable:
    """An embed() that gives variants their base passage's vector, nudged; others run for real."""
    import numpy as np

    from service.policies.chroma_index import embedding_text

    real = embedder.embed
    vectors = np.asarray(real([embedding_text(p) for p in base]), dtype=np.float32)
    row = {p.id: i for i, p in enumerate(base)}
    source = {embedding_text(p): i for i, p in enumerate(base)}
    exact = set(source)  # base passages keep their real vector
    for p in passages[len(base) :]:
        # variant "SP03-NW-IMG-104@v201#slug" comes from base "NW-IMG-104@v1#slug"
        head, slug = p.id.split("#", 1)
        version = int(head.rsplit("@v", 1)[1]) % 100
        base_id = f"{p.policy_id.split('-', 1)[1]}@v{version}#{slug}"
        source[embedding_text(p)] = row.get(base_id, 0)

    def embed(texts: list[str]) -> list[list[float]]:
        if not all(t in source for t in texts):  # a query, or a text of no passage
            return real(texts)
        out = []
        for text in texts:
            noise = np.random.default_rng(zlib.crc32(text.encode())).normal(0, REUSE_NOISE, 384)
            v = vectors[source[text]] + (0.0 if text in exact else noise)
            out.append((v / np.linalg.norm(v)).tolist())
        return out

    return embed


def build(size: int, data_dir: Path, reuse: bool, clock: Clock):
    """Ingest `size` passages into a fresh embedded index; the Retriever and the build timings."""
    from service.policies import embedding
    from service.policies.chroma_index import open_index
    from service.policies.corpus import content_hash, corpus_hash
    from service.policies.lexical import LexicalIndex
    from service.policies.retrieve import Retriever, ingest

    embedder = embedding.get_embedder()
    base = base_passages()
    passages = scale(base, size)
    if reuse:
        embedder.embed = reuse_vectors(embedder, base, passages)  # vectors ready before timing
    embedder.embed = clock.wrap("embed", embedder.embed)
    index = open_index(data_dir)
    clock.take()
    start = time.perf_counter()
    ingest(index, passages)
    ingest_s = time.perf_counter() - start
    embed_s = clock.take().get("embed", 0.0)
    start = time.perf_counter()
    stored = index.all_passages()
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    lexical = LexicalIndex(stored)
    bm25_s = time.perf_counter() - start
    start = time.perf_counter()
    version = corpus_hash(content_hash(p) for p in stored)
    hash_s = time.perf_counter() - start
    retriever = Retriever(
        index=index, passages={p.id: p for p in stored}, lexical=lexical, corpus_version=version
    )
    # reused vectors cost a lookup, not a model run: leave that out of the build time
    total = ingest_s - (embed_s if reuse else 0.0) + read_s + bm25_s + hash_s
    return retriever, {
        "passages": len(stored),
        "embedding": "reused+perturbed" if reuse else "real",
        "embed_s": 0.0 if reuse else round(embed_s, 2),
        "chroma_upsert_s": round(ingest_s - embed_s, 2),
        "read_back_s": round(read_s, 2),
        "bm25_s": round(bm25_s, 2),
        "corpus_hash_s": round(hash_s, 2),
        "build_s": round(total, 2),
        "build_rate_per_s": round(len(stored) / total, 1),
        "embed_rate_per_s": round(size / embed_s, 1) if not reuse and embed_s else None,
    }


def instrument(retriever, clock: Clock) -> None:
    """Time the parts of Retriever.search in place: eligible, Chroma query, BM25."""
    from service.policies import retrieve

    if not hasattr(retrieve, "_bench_eligible"):
        retrieve._bench_eligible = retrieve.eligible
        retrieve.eligible = clock.wrap("eligible", retrieve.eligible)
    retriever.index.query = clock.wrap("dense_query", retriever.index.query)
    retriever.lexical.scored = clock.wrap("bm25", retriever.lexical.scored)


def run_queries(search: Callable, work: list[dict], clock: Clock) -> dict:
    """Latency of `search` over `work` after a warm-up; p50/p95 overall, by shape, by part."""
    for q in work[:WARMUP]:
        search(q)
    clock.take()
    times: dict[str, list[float]] = defaultdict(list)
    parts: dict[str, float] = defaultdict(float)
    tops, found = [], []
    for q in work:
        start = time.perf_counter()
        hits = search(q)
        elapsed = (time.perf_counter() - start) * 1000
        times["all"].append(elapsed)
        times[q["shape"]].append(elapsed)
        for key, seconds in clock.take().items():
            parts[key] += seconds * 1000
        tops.append([p.id for p in hits])
        found.append(bool({base_id(p.id) for p in hits[:5]} & set(q["relevant"])))
    out = {
        f"{shape}_{q}_ms": round(pct(v, p), 1)
        for shape, v in times.items()
        for q, p in (("p50", 0.5), ("p95", 0.95))
    }
    out["mean_ms"] = round(statistics.mean(times["all"]), 1)
    out["hit@5"] = round(sum(found) / len(found), 3)  # a copy of a labelled passage in the top 5
    n = len(work)
    out["parts_mean_ms"] = {k: round(v / n, 2) for k, v in sorted(parts.items())}
    if "dense_query" in parts:  # the query embedding runs inside the Chroma query
        out["parts_mean_ms"]["dense_query"] = round((parts["dense_query"] - parts["embed"]) / n, 2)
    return out | {"_tops": tops}


def run_size(size: int, reuse: bool, n_queries: int, prototype: bool) -> dict:
    """Build one index of `size` passages and time queries against it."""
    from service.policies.embedding import get_embedder

    get_embedder().embed(["load the model before measuring"])
    clock = Clock()
    result: dict = {"size": size, "before_build": rss_mb()}
    with tempfile.TemporaryDirectory(prefix="retrieval-bench-") as tmp:
        retriever, result["build"] = build(size, Path(tmp), reuse, clock)
        result["after_build"] = rss_mb()
        pool = queries(list(retriever.passages.values()))
        work = [pool[i % len(pool)] for i in range(n_queries + WARMUP)]
        instrument(retriever, clock)

        def search(q: dict) -> list:
            return retriever.search(
                q["text"],
                payer=q["payer"],
                codes=q["codes"],
                date_of_service=q["date_of_service"],
                k=8,
            )

        result["query"] = run_queries(search, work, clock)
        if prototype:
            for label, exact in (("fast", False), ("fast_vectors", True)):
                result[label] = prototype_queries(retriever, work, clock, exact)
                pairs = list(zip(result["query"]["_tops"], result[label]["_tops"], strict=True))
                result[label]["same_top8"] = round(sum(a == b for a, b in pairs) / len(pairs), 3)
                result[label]["overlap_top8"] = round(
                    statistics.mean(len(set(a) & set(b)) / max(len(a), 1) for a, b in pairs), 3
                )
        result["after_queries"] = rss_mb()
    for part in ("query", "fast", "fast_vectors"):
        result.get(part, {}).pop("_tops", None)
    return result


def prototype_queries(retriever, work: list[dict], clock: Clock, exact: bool) -> dict:
    """The same queries through bench/retrieval_fast.py, timed by the same parts."""
    start = time.perf_counter()
    fast = FastSearch(retriever, vectors=exact)
    setup = time.perf_counter() - start
    fast.allowed = clock.wrap("eligible", fast.allowed)
    fast._bm25 = clock.wrap("bm25", fast._bm25)
    fast._dense_exact = clock.wrap("dense_query", fast._dense_exact)
    return run_queries(fast.search, work, clock) | {"setup_s": round(setup, 2)}


def child(args: argparse.Namespace) -> list[dict]:
    """Run every size in a fresh process of this script, so each RSS is that size's own."""
    results = []
    for size in args.sizes:
        reuse = args.embed == "reuse" or (args.embed == "auto" and size > 10_000)
        cmd = [sys.executable, __file__, "--one", str(size), "--queries", str(args.queries)]
        cmd += ["--reuse"] * reuse + ["--prototype"] * args.prototype
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"size {size} failed:\n{done.stderr[-3000:]}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"done {size}: build {results[-1]['build']['build_s']} s", file=sys.stderr)
    return results


def table(results: list[dict]) -> list[str]:
    """Markdown table; reused-vector sizes get their embedding time extrapolated."""
    rates = [r["build"]["embed_rate_per_s"] for r in results if r["build"]["embed_rate_per_s"]]
    rate = rates[-1] if rates else None
    lines = [
        "| passages | vectors | build s (embed + upsert + read + bm25) | build/s | "
        "query p50 | p95 | pipeline p95 | open p95 | hit@5 | RSS loaded → built |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        b, q = r["build"], r["query"]
        parts = f"{b['embed_s']} + {b['chroma_upsert_s']} + {b['read_back_s']} + {b['bm25_s']}"
        speed = f"{b['build_rate_per_s']}"
        if b["embedding"] != "real" and rate:
            extra = b["passages"] / rate
            parts += f" (+~{extra:.0f} embed, extrapolated)"
            speed += f" (~{b['passages'] / (b['build_s'] + extra):.0f} with embed)"
        lines.append(
            f"| {b['passages']} | {b['embedding']} | {parts} | {speed} | "
            f"{q['all_p50_ms']} ms | {q['all_p95_ms']} ms | {q['pipeline_p95_ms']} ms | "
            f"{q['open_p95_ms']} ms | {q['hit@5']} | "
            f"{r['before_build']['rss_mb']} → {r['after_build']['rss_mb']} MiB |"
        )
    lines.append("")
    lines.append("Mean ms per query by part (embed = query embedding):")
    for r in results:
        for label in ("query", "fast", "fast_vectors"):
            if label in r:
                extra = (
                    f", same top 8: {r[label]['same_top8']}, overlap "
                    f"{r[label]['overlap_top8']}, setup {r[label]['setup_s']} s"
                    if label != "query"
                    else ""
                )
                lines.append(
                    f"- {r['size']} {label}: {r[label]['parts_mean_ms']}, "
                    f"p50 {r[label]['all_p50_ms']} / p95 {r[label]['all_p95_ms']}, "
                    f"hit@5 {r[label]['hit@5']}{extra}"
                )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--sizes", default="1000,10000,100000", type=lambda s: [int(x) for x in s.split(",")]
    )
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument(
        "--embed",
        choices=("auto", "real", "reuse"),
        default="auto",
        help="auto: real up to 10k passages, reused base vectors above",
    )
    ap.add_argument("--prototype", action="store_true", help="also time bench/retrieval_fast.py")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: one size, JSON out
    ap.add_argument("--reuse", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_size(args.one, args.reuse, args.queries, args.prototype)))
        return
    results = child(args)
    print("\n".join(table(results)))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
