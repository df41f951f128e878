"""A practice's own policy documents: Markdown, HTML and PDF uploads, refusals, versions."""

from __future__ import annotations

import datetime as dt
import json
from io import BytesIO
from pathlib import Path

import pytest
from fpdf import FPDF
from support import api_client
from test_api import assert_problem

from service import cli, create_app
from service.config import Settings
from service.errors import BadInput, EmptyInput, InputTooLarge, NotText
from service.models import PolicyPassage
from service.policies import documents
from service.policies.corpus import load_policy
from service.policies.documents import MAX_POLICY_BYTES, add_documents, load_document
from service.policies.retrieve import Retriever, build_retriever, eligible

DOCS = Path(__file__).parent / "fixtures" / "policy_docs"
CORPUS = DOCS / "corpus"
KNEE_HTML = DOCS / "knee-mri.html"
SLEEP_V1 = CORPUS / "hb-slp-200-v1.md"
SLEEP_V2 = DOCS / "sleep-v2.md"
PDF_META = {
    "policy_id": "HB-DME-500",
    "payer_id": "harbor",
    "effective_date": "2025-03-01",
    "version": "1",
}
HIDDEN = ("zzscripttoken", "zzstyletoken", "zzcommenttoken")


def by_id(passages):
    return {p.id: p for p in passages}


def policy_pdf(password: str | None = None, text: bool = True) -> bytes:
    """A two-section policy PDF laid out like a payer's: bold headings, indented sub-items."""
    pdf = FPDF()
    pdf.set_title("Home oxygen therapy")
    pdf.add_page()

    def para(line: str, x: float | None = None, size: int = 10, style: str = "") -> None:
        pdf.set_font("Helvetica", style, size)
        if x:
            pdf.set_x(x)
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")

    if text:
        para("Home oxygen therapy", size=16)
        pdf.ln(4)
        para("COVERAGE CRITERIA", size=12, style="B")
        para("Home oxygen is covered when all of the following are met:")
        pdf.ln(3)
        para(
            "1. Resting oxygen saturation at or below 88 percent on room air, measured while "
            "the patient is in a chronic stable state, when both of these apply:"
        )
        para("a. The test was done within 30 days before the order;", x=20)
        para("b. Alternative treatments were tried or considered.", x=20)
        para("2. The treating physician saw the patient within 30 days.")
        pdf.ln(3)
        para("Portable systems need a separate justification.")
        pdf.ln(4)
        para("Exclusions", size=12, style="B")
        para("1. Oxygen for dyspnea without hypoxemia.")
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    return bytes(pdf.output())


# --- loading each format -----------------------------------------------------------------------


def test_markdown_upload_matches_the_corpus_loader():
    uploaded = load_document(SLEEP_V1.read_bytes(), SLEEP_V1.name)
    assert [p.model_dump() for p in uploaded] == [p.model_dump() for p in load_policy(SLEEP_V1)]


def test_markdown_without_front_matter_takes_defaults():
    body = b"# Walkers\n\n## Coverage criteria\nCovered when:\n\n1. Gait is unsafe.\n"
    meta = {**PDF_META, "title": "Walkers"}
    passages = load_document(body, "walkers.md", defaults=meta)
    assert [p.id for p in passages] == ["HB-DME-500@v1#coverage-criteria-1"]
    assert passages[0].effective_date == dt.date(2025, 3, 1) and passages[0].title == "Walkers"


def test_a_policy_with_no_payer_anywhere_is_refused_asking_for_one():
    # the one gap that is not ours to fill: guessing would file the policy under another plan
    meta = {**PDF_META, "title": "Walkers"}
    del meta["payer_id"]
    with pytest.raises(BadInput) as caught:
        load_document(b"## Scope\nWalkers.\n", "walkers.md", defaults=meta)
    assert caught.value.fields["field"] == "payer_id"
    assert "--payer" in caught.value.detail


@pytest.mark.parametrize("missing", ["policy_id", "title"])
def test_a_policy_lacking_our_metadata_still_loads(missing):
    # no number: the policy is known by its title; no title: by its file's name
    meta = {**PDF_META, "title": "Walkers"}
    del meta[missing]
    passages = load_document(b"## Scope\nWalkers.\n", "walkers.md", defaults=meta)
    assert passages[0].policy_id == ("Walkers" if missing == "policy_id" else "HB-DME-500")
    assert passages[0].title == ("Walkers" if missing == "policy_id" else "walkers")


def test_a_missing_version_is_the_effective_date_and_an_undated_policy_loads():
    # Payers do not version their documents as we do: the effective date is the version, and
    # a policy that states no effective date is in force whatever the date of service.
    meta = {**PDF_META, "title": "Walkers"}
    del meta["version"]
    dated = load_document(b"## Scope\nWalkers.\n", "walkers.md", defaults=meta)
    assert dated[0].id == "HB-DME-500@v2025-03-01#scope-1"
    del meta["effective_date"]
    undated = load_document(b"## Scope\nWalkers.\n", "walkers.md", defaults=meta)
    assert undated[0].id == "HB-DME-500@v1#scope-1" and undated[0].effective_date is None


def test_html_criterion_keeps_sub_items_and_metadata_is_read():
    passages = by_id(load_document(KNEE_HTML.read_bytes(), KNEE_HTML.name))
    first = passages["HB-IMG-310@v3#coverage-criteria-1"]
    assert first.text.startswith("Knee MRI is medically necessary")
    assert "meniscal tear" in first.text and "locking or catching" in first.text
    assert "Four weeks of physical therapy" in first.text and "Lachman" not in first.text
    second = passages["HB-IMG-310@v3#coverage-criteria-2"]
    assert "Lachman" in second.text and "meniscal" not in second.text
    assert "radiographs" in passages["HB-IMG-310@v3#coverage-criteria-note-1"].text
    assert "radiographs" not in second.text
    assert "HB-IMG-310@v3#exclusions-1" in passages
    assert first.title == "MRI of the knee"  # the <h1>, not a section
    assert first.payer == "harbor" and first.effective_date == dt.date(2025, 2, 1)
    assert set(first.codes) == {"73721", "M23.205", "S83.241A"}
    assert first.plan_types == ["commercial", "medicare_advantage"]


def test_html_scripts_styles_and_comments_are_never_indexed():
    passages = load_document(KNEE_HTML.read_bytes(), KNEE_HTML.name)
    text = " ".join(p.text + p.section + p.title for p in passages).lower()
    assert not any(token in text for token in HIDDEN)
    assert "window.analytics" not in text and "color:" not in text


def test_html_metadata_from_defaults_and_document_wins():
    html = b"<html><body><h2>Coverage criteria</h2><ol><li>Pain.</li></ol></body></html>"
    passages = load_document(html, "x.html", defaults={**PDF_META, "title": "Canes"})
    assert passages[0].policy_id == "HB-DME-500" and passages[0].title == "Canes"
    knee = load_document(KNEE_HTML.read_bytes(), "knee.html", defaults={"policy_id": "OTHER"})
    assert knee[0].policy_id == "HB-IMG-310"


def test_pdf_headings_criteria_and_sub_items():
    passages = by_id(load_document(policy_pdf(), "oxygen.pdf", defaults=PDF_META))
    first = passages["HB-DME-500@v1#coverage-criteria-1"]
    assert first.text.startswith("Home oxygen is covered")
    assert "88 percent" in first.text and "chronic stable state" in first.text
    assert "within 30 days before the order" in first.text and "Alternative" in first.text
    second = passages["HB-DME-500@v1#coverage-criteria-2"]
    assert "treating physician" in second.text and "88 percent" not in second.text
    assert "Portable" not in second.text
    assert "HB-DME-500@v1#exclusions-1" in passages
    assert first.title == "Home oxygen therapy"  # the PDF's own title
    assert first.payer == "harbor" and first.effective_date == dt.date(2025, 3, 1)


def test_owner_locked_pdf_without_open_password_is_read():
    assert load_document(policy_pdf(password=""), "oxygen.pdf", defaults=PDF_META)


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "error", "why"),
    [
        (b"", "empty.md", EmptyInput, "empty"),
        (b"  \n\t ", "blank.html", EmptyInput, "empty"),
        (b"PK\x03\x04" + b"\x00" * 200, "policy.docx", NotText, "binary"),
        (b"\x00\x01\x02" * 100, "policy.md", NotText, "binary"),
        (b"%PDF-1.4\n garbage that is not a pdf", "policy.pdf", NotText, "damaged"),
        (b"This is not a PDF at all.", "policy.pdf", NotText, "damaged"),
    ],
)
def test_unusable_files_are_refused(data, name, error, why):
    with pytest.raises(error) as caught:
        load_document(data, name, defaults=PDF_META)
    assert why in caught.value.detail
    assert caught.value.fields["field"] == "file"


def test_oversize_file_is_refused():
    with pytest.raises(InputTooLarge):
        load_document(b"a" * (MAX_POLICY_BYTES + 1), "huge.md", defaults=PDF_META)


def test_encrypted_pdf_is_refused():
    with pytest.raises(NotText, match="password"):
        load_document(policy_pdf(password="s3cret"), "locked.pdf", defaults=PDF_META)


def test_scanned_pdf_is_refused_with_ocr_advice(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda _name: None)  # no tesseract on PATH
    with pytest.raises(NotText) as caught:
        load_document(policy_pdf(text=False), "scan.pdf", defaults=PDF_META)
    assert "no text layer" in caught.value.detail and "tesseract" in caught.value.detail


# --- version choice ----------------------------------------------------------------------------


def version(n: int, effective: dt.date, policy_id: str = "P-1") -> PolicyPassage:
    return PolicyPassage(
        id=f"{policy_id}@v{n}#scope-1",
        policy_id=policy_id,
        payer="harbor",
        title="T",
        section="Scope",
        text=f"v{n}",
        effective_date=effective,
    )


def test_eligible_picks_the_version_in_force_on_the_date():
    passages = [
        version(1, dt.date(2024, 1, 1)),
        version(2, dt.date(2025, 6, 1)),
        version(3, dt.date(2030, 1, 1)),
        version(1, dt.date(2020, 1, 1), "Q-9"),
    ]
    assert eligible(passages, "harbor", dt.date(2024, 6, 1)) == {"P-1@v1#scope-1", "Q-9@v1#scope-1"}
    assert eligible(passages, None, dt.date(2025, 6, 1)) == {"P-1@v2#scope-1", "Q-9@v1#scope-1"}
    assert eligible(passages, None, dt.date(2023, 1, 1)) == {"Q-9@v1#scope-1"}
    assert eligible(passages, None, None) == {"P-1@v2#scope-1", "Q-9@v1#scope-1"}
    same_day = [version(9, dt.date(2024, 1, 1)), version(10, dt.date(2024, 1, 1))]
    assert eligible(same_day, None, dt.date(2024, 2, 1)) == {"P-1@v10#scope-1"}


# --- adding to a real index --------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=str(tmp_path / "data"), corpus_dir=str(CORPUS))


@pytest.fixture
def index(settings):
    return build_retriever(settings).index


def test_one_bad_document_in_a_batch_leaves_the_index_unchanged(index):
    before = index.hashes()
    batch = [(KNEE_HTML.name, KNEE_HTML.read_bytes()), ("locked.pdf", policy_pdf("pw"))]
    with pytest.raises(NotText):
        add_documents(index, batch, defaults=PDF_META)
    assert index.hashes() == before


def test_readding_an_unchanged_document_writes_nothing(index):
    first = add_documents(index, [(KNEE_HTML.name, KNEE_HTML.read_bytes())])
    row = first["documents"][0]
    assert first["changed"] and row["written"] == row["passages"] > 0
    assert (row["policy_id"], row["version"]) == ("HB-IMG-310", "3")
    hashes = index.hashes()
    again = add_documents(index, [(KNEE_HTML.name, KNEE_HTML.read_bytes())])
    assert not again["changed"]
    assert again["documents"][0]["written"] == 0
    assert again["documents"][0]["unchanged"] == row["passages"]
    assert index.hashes() == hashes
    stored = " ".join(p.text for p in index.all_passages()).lower()
    assert not any(token in stored for token in HIDDEN)


def test_new_version_supersedes_by_effective_date(settings, index):
    report = add_documents(index, [(SLEEP_V2.name, SLEEP_V2.read_bytes())])
    assert report["documents"][0]["supersedes"] == ["HB-SLP-200@v1"]
    retriever = Retriever.from_index(index)

    def texts(day):
        hits = retriever.search("sleep study criteria", payer="harbor", date_of_service=day, k=20)
        return " ".join(p.text for p in hits if p.policy_id == "HB-SLP-200")

    assert "witnessed apneas" in texts(dt.date(2024, 9, 1))
    assert "home sleep apnea test" not in texts(dt.date(2024, 9, 1))
    assert "home sleep apnea test" in texts(dt.date(2025, 7, 1))
    assert "witnessed apneas" not in texts(dt.date(2025, 7, 1))
    # the shipped corpus is re-synced at start-up: the upload and its precedence survive it
    reopened = build_retriever(settings)
    hits = reopened.search("sleep study", payer="harbor", date_of_service=dt.date(2025, 7, 1))
    assert any("home sleep apnea test" in p.text for p in hits)
    assert not any("witnessed apneas" in p.text for p in hits)


# --- CLI and API -------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    monkeypatch.setenv("OVERTURN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OVERTURN_CORPUS_DIR", str(CORPUS))


def test_cli_index_add_prints_a_report(cli_env, tmp_path, capsys):
    pdf = tmp_path / "oxygen.pdf"
    pdf.write_bytes(policy_pdf())
    args = [
        "index",
        "add",
        str(KNEE_HTML),
        str(SLEEP_V2),
        str(pdf),
        "--payer",
        "harbor",
        "--policy-id",
        "HB-DME-500",
        "--effective-date",
        "2025-03-01",
        "--version",
        "1",
    ]
    assert cli.main(args) == 0
    report = json.loads(capsys.readouterr().out)
    rows = {row["policy_id"]: row for row in report["documents"]}
    assert set(rows) == {"HB-IMG-310", "HB-SLP-200", "HB-DME-500"}
    assert rows["HB-SLP-200"]["supersedes"] == ["HB-SLP-200@v1"]
    assert all(row["written"] > 0 for row in rows.values())
    assert cli.main(["index"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert set(status) == {"passages", "corpus_version"} and status["passages"] > 10


def test_cli_index_add_bad_file_exits_2(cli_env, tmp_path, capsys):
    bad = tmp_path / "locked.pdf"
    bad.write_bytes(policy_pdf("pw"))
    assert cli.main(["index", "add", str(KNEE_HTML), str(bad)]) == 2
    captured = capsys.readouterr()
    assert "password-protected" in captured.err and "Traceback" not in captured.err
    assert len(captured.err.strip().splitlines()) == 1  # one plain sentence
    assert cli.main(["index", "add", str(tmp_path / "missing.md")]) == 2
    assert "missing.md does not exist" in capsys.readouterr().err


@pytest.fixture
def real_client(settings):
    app = create_app({"settings": settings})
    app.config["TESTING"] = True
    return api_client(app)


def test_api_upload_then_search_list_and_no_op(real_client):
    resp = real_client.post(
        "/v1/policies",
        content_type="multipart/form-data",
        data={
            "file": [
                (BytesIO(KNEE_HTML.read_bytes()), "knee-mri.html"),
                (BytesIO(SLEEP_V2.read_bytes()), "sleep-v2.md"),
            ]
        },
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert {row["policy_id"] for row in resp.get_json()["documents"]} == {
        "HB-IMG-310",
        "HB-SLP-200",
    }
    hits = real_client.get("/v1/policies/search?q=meniscal+tear+locking&payer=harbor").get_json()
    assert hits["results"][0]["policy_id"] == "HB-IMG-310"
    again = real_client.post(
        "/v1/policies",
        content_type="multipart/form-data",
        data={"file": (BytesIO(KNEE_HTML.read_bytes()), "knee-mri.html")},
    )
    assert again.status_code == 200 and not again.get_json()["changed"]
    listed = {
        row["document_id"]: row for row in real_client.get("/v1/policies").get_json()["policies"]
    }
    assert listed["HB-SLP-200@v1"]["superseded_date"] == "2025-06-01"
    assert listed["HB-SLP-200@v1"]["superseded_by"] == "HB-SLP-200@v2"
    assert listed["HB-IMG-310@v3"]["passages"] > 3


def test_api_pdf_with_form_metadata_and_raw_markdown(real_client):
    resp = real_client.post(
        "/v1/policies",
        content_type="multipart/form-data",
        data={"file": (BytesIO(policy_pdf()), "oxygen.pdf"), **PDF_META},
    )
    assert resp.status_code == 201
    assert resp.get_json()["documents"][0]["policy_id"] == "HB-DME-500"
    raw = real_client.post(
        "/v1/policies?filename=sleep-v2.md",
        data=SLEEP_V2.read_bytes(),
        content_type="text/markdown",
    )
    assert raw.status_code == 201 and raw.get_json()["documents"][0]["version"] == "2"


def test_api_refusals_are_problems(real_client, monkeypatch):
    locked = real_client.post(
        "/v1/policies",
        content_type="multipart/form-data",
        data={"file": (BytesIO(policy_pdf("pw")), "locked.pdf"), **PDF_META},
    )
    assert "password" in assert_problem(locked, 400, "not-text")["detail"]
    missing = real_client.post(
        "/v1/policies",
        content_type="multipart/form-data",
        data={"file": (BytesIO(policy_pdf()), "oxygen.pdf")},
    )
    problem = assert_problem(missing, 400, "bad-input")
    assert problem["field"] == "payer_id" and "payer" in problem["detail"]
    assert_problem(
        real_client.post("/v1/policies", content_type="multipart/form-data", data={}),
        400,
        "empty-input",
    )
    monkeypatch.setattr(documents, "MAX_POLICY_BYTES", 2000)
    big = real_client.post(
        "/v1/policies",
        content_type="multipart/form-data",
        data={"file": (BytesIO(b"a" * 1_100_000), "big.md")},
    )
    assert_problem(big, 413)
    listed = real_client.get("/v1/policies").get_json()["policies"]
    assert {row["policy_id"] for row in listed} == {"HB-SLP-200"}  # nothing was added


PLAIN_POLICY = b"""CEDAR HOLLOW HEALTH PLAN
MEDICAL POLICY

Policy Number: CHHP-RAD-020
Title: Knee MRI
Effective Date: 02/01/2025

MEDICAL NECESSITY CRITERIA

1. Knee pain for at least 4 weeks despite rest and medication.
2. Locking, swelling or giving way found on examination.

CODING
Code     Type    Description
73721    CPT     MRI knee without contrast
"""


def test_api_and_cli_load_a_practice_policy_with_no_metadata_of_ours(
    real_client, cli_env, tmp_path, capsys
):
    # posted as plain text, with only the payer's name given
    resp = real_client.post(
        "/v1/policies?filename=knee.txt&payer=Cedar+Hollow+Health+Plan",
        data=PLAIN_POLICY,
        content_type="text/plain",
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    row = resp.get_json()["documents"][0]
    assert (row["policy_id"], row["payer"]) == ("CHHP-RAD-020", "cedar-hollow-health-plan")
    assert row["version"] == "2025-02-01" and row["effective_date"] == "2025-02-01"
    # the practice's payer directory now knows the payer it loaded a policy for
    assert "Cedar Hollow Health Plan" in (tmp_path / "data" / "payers.yaml").read_text()
    hits = real_client.get("/v1/policies/search?q=knee+locking&payer=cedar-hollow-health-plan")
    assert hits.get_json()["results"][0]["policy_id"] == "CHHP-RAD-020"
    # the CLI reads the payer from the letterhead when no --payer is given
    path = tmp_path / "knee.txt"
    path.write_bytes(PLAIN_POLICY)
    assert cli.main(["index", "add", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["documents"][0]["payer"] == "cedar-hollow-health-plan"
