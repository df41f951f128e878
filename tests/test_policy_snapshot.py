"""The index's manifest and read-only copy: a draft opens the index only when it can help, and
the copy answers searches exactly as the index does."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from test_policies import FIXTURES

from service.config import Settings
from service.policies.manifest import FILE, LazyRetriever, read_manifest
from service.policies.retrieve import build_retriever, open_snapshot
from service.resources import Resources

QUERIES = [
    ("lumbar MRI after six weeks of physical therapy", "northwind", ["72148"]),
    ("hospital bed for a patient confined to bed", "northwind", []),
    ("knee arthroscopy after failed conservative care", "acme", ["29881"]),
    ("imaging of the spine", None, []),
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus")
    shutil.copytree(FIXTURES, corpus, dirs_exist_ok=True)
    data = tmp_path_factory.mktemp("data")
    return Settings(data_dir=str(data), corpus_dir=str(corpus), today="2026-11-22")


@pytest.fixture(scope="module")
def retriever(settings):
    return build_retriever(settings)


def test_the_copy_searches_as_the_index_does(settings, retriever):
    copy = open_snapshot(settings)
    assert copy is not None and copy.corpus_version == retriever.corpus_version
    assert copy.count() == retriever.count()
    for query, payer, codes in QUERIES:
        for day in (None, dt.date(2026, 9, 1)):
            want = retriever.search(query, payer=payer, codes=codes, date_of_service=day)
            got = copy.search(query, payer=payer, codes=codes, date_of_service=day)
            assert [p.id for p in got] == [p.id for p in want], query
            for a, b in zip(got, want, strict=True):
                assert a.score == pytest.approx(b.score, abs=1e-4)


def test_manifest_names_the_payers_and_goes_stale_with_the_corpus(settings, retriever):
    manifest = read_manifest(settings)
    assert manifest is not None and manifest.payers == {"northwind", "acme"}
    assert manifest.has_policies("acme") and not manifest.has_policies("bluestone")
    target = next((Path(settings.corpus_dir) / "acme").glob("*.md"))
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    try:
        assert read_manifest(settings) is None  # an edited corpus: the index is re-synced
    finally:
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert read_manifest(settings) is not None


def test_a_payer_without_policies_never_opens_the_index(settings, retriever):
    manifest = read_manifest(settings)

    def must_not_open():
        raise AssertionError("the index was opened for a payer without policies")

    lazy = LazyRetriever(manifest, must_not_open)
    assert lazy.search("anything", payer="bluestone", codes=["72148"]) == []
    assert lazy.corpus_version == retriever.corpus_version


def test_a_draft_for_a_payer_with_policies_uses_the_copy_not_chromadb(settings, retriever):
    res = Resources(settings, local=True)
    lazy = res.draft_retriever()
    assert isinstance(lazy, LazyRetriever)
    hits = lazy.search("lumbar MRI physical therapy", payer="northwind", codes=["72148"])
    assert hits and res._retriever is None  # answered by the copy; the index stayed closed


def test_no_manifest_means_the_index_is_opened(settings, retriever, tmp_path):
    moved = tmp_path / FILE
    shutil.move(settings.data_path / FILE, moved)
    try:
        assert open_snapshot(settings) is None
        assert not isinstance(Resources(settings, local=True).draft_retriever(), LazyRetriever)
    finally:
        shutil.move(moved, settings.data_path / FILE)
