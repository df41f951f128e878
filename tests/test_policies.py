"""Policy corpus loading, chunking, embeddings, the Chroma adapter, BM25 and hybrid retrieval."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest
from support import shared

from service.config import Settings
from service.errors import BadInput, IndexUnavailable
from service.policies.chroma_index import open_index, to_metadata
from service.policies.corpus import content_hash, load_corpus, load_policy
from service.policies.embedding import Embedder, get_embedder
from service.policies.lexical import LexicalIndex, tokenize
from service.policies.ncd import load_ncd_jsonl
from service.policies.retrieve import build_retriever, codes_match, ingest

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
LUMBAR_V1 = FIXTURES / "northwind" / "NW-IMG-104-v1.md"
LUMBAR_V2 = FIXTURES / "northwind" / "NW-IMG-104-v2.md"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def retriever(data_dir):
    return build_retriever(Settings(data_dir=str(data_dir), corpus_dir=str(FIXTURES)))


def by_id(passages):
    return {p.id: p for p in passages}


# --- corpus and chunking ---------------------------------------------------------------------


def test_criterion_passage_keeps_its_sub_items_and_the_lead_in():
    passages = by_id(load_policy(LUMBAR_V2))
    first = passages["NW-IMG-104@v2#coverage-criteria-1"]
    assert first.section == "Coverage criteria > 1"
    assert first.text.startswith("Lumbar spine MRI is medically necessary")
    for piece in ("1. Low back pain", "a. Radicular pain", "b. Symptoms", "anti-inflammatory"):
        assert piece in first.text
    # sub-items stay with their own criterion only
    second = passages["NW-IMG-104@v2#coverage-criteria-2"]
    assert "cauda equina" in second.text and "Radicular pain" not in second.text
    assert second.text.startswith("Lumbar spine MRI is medically necessary")
    # the paragraph after the list is not glued onto criterion 4
    assert "requesting clinician" not in passages["NW-IMG-104@v2#coverage-criteria-4"].text
    assert "requesting clinician" in passages["NW-IMG-104@v2#coverage-criteria-note-1"].text


def test_passage_ids_fields_and_hashes_are_stable():
    first, again = load_policy(LUMBAR_V1), load_policy(LUMBAR_V1)
    assert [p.id for p in first] == [
        "NW-IMG-104@v1#scope-1",
        "NW-IMG-104@v1#coverage-criteria-1",
        "NW-IMG-104@v1#coverage-criteria-2",
        "NW-IMG-104@v1#coverage-criteria-3",
        "NW-IMG-104@v1#exclusions-1",
        "NW-IMG-104@v1#exclusions-2",
        "NW-IMG-104@v1#documentation-required-1",
        "NW-IMG-104@v1#coding-1",
    ]
    assert [content_hash(p) for p in first] == [content_hash(p) for p in again]
    passage = first[1]
    assert passage.payer == "northwind" and passage.policy_id == "NW-IMG-104"
    assert set(passage.codes) == {"72148", "72149", "72158", "M54.16", "M54.5", "M51.26"}
    assert passage.plan_types == ["commercial", "medicare_advantage"]
    assert passage.effective_date == dt.date(2023, 1, 1)
    assert passage.superseded_date == dt.date(2024, 7, 1)
    changed = passage.model_copy(update={"text": passage.text + " extra"})
    assert content_hash(changed) != content_hash(passage)


def test_load_corpus_skips_readme_and_payers_file():
    passages = load_corpus(FIXTURES)
    assert {p.policy_id for p in passages} == {
        "NW-IMG-104",
        "NW-DME-210",
        "AC-IMG-300",
        "AC-SURG-410",
    }
    assert not any("Invented policies" in p.text for p in passages)
    assert len({p.id for p in passages}) == len(passages)


def write_doc(folder: Path, front: str, body: str = "# T\n\n## Scope\nSome scope.\n") -> Path:
    path = folder / "doc.md"
    path.write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
    return path


GOOD_FRONT = "policy_id: X-1\npayer_id: p\ntitle: T\neffective_date: 2024-01-01\nversion: 1"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("# No front matter\n\n## Scope\nx\n", None),
        ("---\npolicy_id: [unclosed\n---\n## Scope\nx\n", None),
        ("---\npayer_id: p\ntitle: T\neffective_date: 2024-01-01\nversion: 1\n---\n", "policy_id"),
        (f"---\n{GOOD_FRONT.replace('2024-01-01', 'soon')}\n---\n## Scope\nx\n", "effective_date"),
        (f"---\n{GOOD_FRONT}\ncodes: [1, 2]\n---\n## Scope\nx\n", "codes"),
        (f"---\n{GOOD_FRONT}\n---\n", None),  # no sections at all
    ],
)
def test_malformed_document_is_bad_input(tmp_path, text, field):
    (tmp_path / "doc.md").write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_corpus(tmp_path)
    assert "doc.md" in caught.value.detail
    if field:
        assert caught.value.fields["field"] == field


def test_repeated_criterion_number_is_bad_input(tmp_path):
    body = "## Coverage criteria\nAll of:\n\n1. One.\n1. One again.\n"
    with pytest.raises(BadInput):
        load_policy(write_doc(tmp_path, GOOD_FRONT, body))


def test_subsections_and_long_sections(tmp_path):
    long_para = "Words of documentation guidance. " * 20
    body = (
        "## Coverage criteria\n### Initial\nStart when:\n\n1. First.\n   a. Sub.\n"
        "### Continuation\nContinue when:\n\n1. Improved.\n\n"
        f"## Documentation required\n{long_para}\n\n{long_para}\n\n{long_para}\n"
    )
    passages = by_id(load_policy(write_doc(tmp_path, GOOD_FRONT, body)))
    initial = passages["X-1@v1#coverage-criteria-initial-1"]
    assert initial.section == "Coverage criteria > Initial > 1"
    assert initial.text == "Start when:\n1. First.\n   a. Sub."
    assert passages["X-1@v1#coverage-criteria-continuation-1"].text.startswith("Continue when:")
    docs = [p for p in passages.values() if p.id.startswith("X-1@v1#documentation-required-")]
    assert len(docs) > 1 and all(len(p.text) <= 1200 for p in docs)


def test_ncd_jsonl_loads_as_passages():
    ncd_file = shared("ncd_criteria", "ncd_criteria.jsonl")
    records = [json.loads(line) for line in ncd_file.read_text().splitlines() if line.strip()]
    assert len(records) == 199
    passages = load_ncd_jsonl(ncd_file)
    assert len(passages) > 199
    assert all(p.text.strip() and p.payer == "medicare-ncd" for p in passages)
    assert not any("https://" in p.text for p in passages)
    assert len({p.id for p in passages}) == len(passages)
    # a bullet keeps the sentence that introduces it
    liver = [p for p in passages if p.policy_id == "NCD-70" and "Hemangioendothelioma" in p.text]
    assert len(liver) == 1 and "covered for the following malignancies" in liver[0].text
    # every record whose text says more than its title and link yields a passage
    covered = {p.title for p in passages}
    assert len(covered) > 170


# --- embeddings ------------------------------------------------------------------------------


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_embedder_gives_unit_vectors_that_rank_meaning():
    vectors = get_embedder().embed(
        [
            "The patient completed six weeks of physical therapy without relief.",
            "Six weeks of conservative care including PT did not help.",
            "A CPAP machine for obstructive sleep apnea.",
            "",
        ]
    )
    assert [len(v) for v in vectors] == [384] * 4
    assert all(math.isclose(cosine(v, v), 1.0, abs_tol=1e-4) for v in vectors)
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.2
    assert get_embedder() is get_embedder()
    assert get_embedder().embed([]) == []


def test_embedder_refuses_a_model_with_the_wrong_hash(tmp_path):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not a model")
    with pytest.raises(IndexUnavailable):
        Embedder(fake)
    with pytest.raises(IndexUnavailable):
        Embedder(tmp_path / "missing.onnx")


# --- BM25 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dx M54.16 and m5416", ["dx", "m5416", "m5416"]),
        ("E0601 with J9217", ["e0601", "j9217"]),
        ("CPT 63030, 99214-25", ["cpt", "63030", "99214"]),
        ("codes 0275T and G47.33", ["codes", "0275t", "g4733"]),
        ("The MRI of the spine", ["mri", "spine"]),
    ],
)
def test_tokenizer_keeps_codes_whole(text, expected):
    assert tokenize(text) == expected


def test_bm25_finds_a_policy_by_code():
    index = LexicalIndex(load_corpus(FIXTURES))
    hits = index.rank("E0601")
    assert hits and all(pid.startswith("NW-DME-210") for pid in hits)
    assert index.rank("zzzz") == []


def test_codes_match_normalises_and_covers_icd_categories():
    assert codes_match(["M54.1", "72148"], ["m54.16"])
    assert codes_match(["72148"], ["72148-26"])
    assert not codes_match(["72148"], ["7214"])
    assert not codes_match(["63030"], ["72148"])


# --- Chroma adapter --------------------------------------------------------------------------


def test_chroma_round_trip_and_ingest_is_idempotent(tmp_path):
    passages = load_policy(LUMBAR_V1)
    index = open_index(tmp_path)
    assert ingest(index, passages) == (len(passages), 0)
    assert index.count() == len(passages)
    back = index.get([p.id for p in reversed(passages)] + ["nope"])
    assert [content_hash(p) for p in back] == [content_hash(p) for p in reversed(passages)]
    assert ingest(open_index(tmp_path), passages) == (0, 0)  # reopened: nothing rewritten
    hits = index.query("saddle anesthesia urinary retention", 2, {"payer": "northwind"})
    assert hits[0][0] == "NW-IMG-104@v1#coverage-criteria-2" and 0 <= hits[0][1] < 1
    assert index.query("saddle anesthesia", 2, {"payer": "acme"}) == []
    # a document that lost a criterion loses its passage
    shorter = [p for p in passages if not p.id.endswith("exclusions-2")]
    assert ingest(index, shorter) == (0, 1)
    assert index.count() == len(passages) - 1


def test_metadata_never_holds_none_or_empty_lists():
    ncd = load_ncd_jsonl(shared("ncd_criteria", "ncd_criteria.jsonl"))[0]
    meta = to_metadata(ncd)
    assert "codes" not in meta and "effective_date" not in meta
    assert all(value not in (None, []) for value in meta.values())


def test_unreachable_chroma_server_is_index_unavailable(tmp_path):
    with pytest.raises(IndexUnavailable):
        open_index(tmp_path, chroma_url="http://127.0.0.1:9")


# --- hybrid retrieval ------------------------------------------------------------------------


def test_hybrid_search_returns_the_matching_criterion_for_payer_and_codes(retriever):
    found = retriever.search(
        "failed six weeks of physical therapy, radicular pain on examination",
        payer="northwind",
        codes=["72148"],
        k=5,
    )
    assert found[0].id == "NW-IMG-104@v2#coverage-criteria-1"
    assert all(p.payer == "northwind" for p in found)
    assert found[0].score >= found[-1].score > 0
    surgery = retriever.search(
        "epidural steroid injection and therapy failed before surgery",
        payer="acme",
        codes=["63030"],
    )
    assert surgery[0].id == "AC-SURG-410@v1#coverage-criteria-3"


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_every_mode_respects_the_payer_filter(retriever, mode):
    found = retriever.search("lumbar spine MRI sleep apnea", payer="acme", k=8, mode=mode)
    assert found and all(p.payer == "acme" for p in found)


def test_codes_decide_between_policies_of_the_same_payer(retriever):
    query = "conservative therapy failed before the lumbar procedure"
    assert retriever.search(query, payer="acme", codes=["63030"])[0].policy_id == "AC-SURG-410"
    assert retriever.search(query, payer="acme", codes=["72148"])[0].policy_id == "AC-IMG-300"


@pytest.mark.parametrize(
    ("dos", "version"),
    [(dt.date(2024, 1, 15), "v1"), (dt.date(2024, 7, 1), "v2"), (None, "v2")],
)
def test_date_of_service_selects_the_policy_version(retriever, dos, version):
    found = retriever.search(
        "weeks of physical therapy", payer="northwind", codes=["72148"], date_of_service=dos
    )
    lumbar = [p for p in found if p.policy_id == "NW-IMG-104"]
    assert lumbar and {p.id.split("#")[0] for p in lumbar} == {f"NW-IMG-104@{version}"}


def test_no_version_in_force_returns_nothing_for_that_policy(retriever):
    found = retriever.search("lumbar MRI", payer="northwind", date_of_service=dt.date(2020, 1, 1))
    assert all(p.policy_id != "NW-IMG-104" for p in found)


def test_unknown_mode_is_bad_input(retriever):
    with pytest.raises(BadInput):
        retriever.search("x", mode="sparse")


def test_corpus_version_and_get_passages(retriever, data_dir):
    assert len(retriever.corpus_version) == 16
    wanted = ["AC-IMG-300@v1#coverage-criteria-2", "missing", "NW-DME-210@v1#coding-1"]
    assert [p.id for p in retriever.get_passages(wanted)] == [wanted[0], wanted[2]]
    again = build_retriever(Settings(data_dir=str(data_dir), corpus_dir=str(FIXTURES)))
    assert again.corpus_version == retriever.corpus_version
