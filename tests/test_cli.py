"""`overturn draft` exit codes: 0 released, 3 held, 2 bad input; errors never print a traceback."""

from __future__ import annotations

import json

import pytest
from support import REPO, TODAY, FakeRetriever, shared

from service import cli

REAL = REPO / "evals" / "cases" / "real"


@pytest.fixture(autouse=True)
def _offline(monkeypatch, tmp_path):
    monkeypatch.setenv("OVERTURN_TODAY", TODAY)
    monkeypatch.setenv("OVERTURN_DATA_DIR", str(tmp_path))
    # payers of the real letters have no policy in the index: a fake index that holds none
    from service.resources import Resources

    real = Resources.__init__

    def without_index(self, settings, **kw):
        real(self, settings, **kw)
        self.set_retriever_factory(lambda _s: FakeRetriever([]))

    monkeypatch.setattr(Resources, "__init__", without_index)


def test_released_letter_exits_0_and_prints_json(capsys):
    code = cli.main(
        [
            "draft",
            "--denial",
            str(shared("denial_letters", "jawjoint-mri.txt")),
            "--chart",
            str(REAL / "jawjoint-mri.chart.txt"),
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["status"] == "released"
    assert "70336" in out["denial"]["service_codes"]


def test_held_letter_exits_3_and_lists_problems(capsys):
    code = cli.main(["draft", "--denial", str(shared("denial_letters", "jawjoint-mri.txt"))])
    err = capsys.readouterr().err
    assert code == 3
    assert "stated_criterion_not_documented" in err


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x02" * 100, b"{not json", b"[1, 2]", b"Preheat the oven and bake the cake."],
)
def test_bad_input_exits_2_with_a_problem(tmp_path, capsys, content):
    path = tmp_path / "denial.txt"
    path.write_bytes(content)
    code = cli.main(["draft", "--denial", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    _one_plain_sentence(err)


def _one_plain_sentence(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("overturn ") and line.rstrip().endswith("."), line
    assert "{" not in line and "internal" not in line and "500" not in line
    return line


def test_missing_file_exits_2_with_one_sentence(capsys):
    assert cli.main(["draft", "--denial", "/nonexistent/denial.txt"]) == 2
    line = _one_plain_sentence(capsys.readouterr().err)
    assert "/nonexistent/denial.txt does not exist" in line


def test_a_folder_or_missing_chart_exits_2(tmp_path, capsys):
    denial = str(shared("denial_letters", "jawjoint-mri.txt"))
    assert cli.main(["draft", "--denial", denial, "--chart", str(tmp_path)]) == 2
    assert "is a folder" in _one_plain_sentence(capsys.readouterr().err)
    assert cli.main(["letter", "--request", str(tmp_path / "request.json")]) == 2
    _one_plain_sentence(capsys.readouterr().err)


def test_json_is_decided_by_parsing_not_by_the_first_character(tmp_path, capsys):
    # a JSON denial with leading blank lines and a byte-order mark is still JSON
    path = tmp_path / "denial.json"
    body = {"payer": "Northwind Health", "member_id": "NWH1", "service_codes": ["72148"]}
    path.write_bytes(b"\xef\xbb\xbf\n\n" + json.dumps(body).encode())
    from service.intake.files import read_input_file

    assert read_input_file(str(path), field="denial") == body
    # text that merely starts with a brace is text
    text = tmp_path / "denial.txt"
    text.write_bytes(b"{Fax} Northwind Health denial of 72148")
    assert isinstance(read_input_file(str(text), field="denial"), bytes)


def test_a_pdf_denial_is_read_like_the_api_reads_it(tmp_path, capsys):
    from test_pdf_upload import _pdf as text_pdf

    letter = shared("denial_letters", "jawjoint-mri.txt").read_text(encoding="utf-8")
    pdf = tmp_path / "denial.pdf"
    pdf.write_bytes(text_pdf(letter))
    assert cli.main(["draft", "--denial", str(pdf), "--json"]) in (0, 3)
    out = json.loads(capsys.readouterr().out)
    assert "70336" in out["denial"]["service_codes"]


def test_quiet_prints_no_status_lines(capsys):
    denial = str(shared("denial_letters", "jawjoint-mri.txt"))
    assert cli.main(["--quiet", "draft", "--denial", denial]) == 3
    assert capsys.readouterr().err == ""
    assert cli.main(["draft", "--quiet", "--denial", denial]) == 3
    assert capsys.readouterr().err == ""


def test_help_says_what_each_option_takes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["draft", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--denial FILE" in out and "- for stdin" in out and "PDF" in out


def test_released_letter_is_written_as_pdf_with_a_fax_cover_and_docx(tmp_path, capsys):
    from pypdf import PdfReader

    pdf, docx = tmp_path / "letter.pdf", tmp_path / "letter.docx"
    args = ["draft", "--denial", str(shared("denial_letters", "jawjoint-mri.txt"))]
    args += ["--chart", str(REAL / "jawjoint-mri.chart.txt")]
    assert cli.main([*args, "--pdf", str(pdf), "--docx", str(docx), "--fax-cover"]) == 0
    pages = PdfReader(pdf).pages
    assert "including this cover sheet" in pages[0].extract_text()
    assert f"Page 1 of {len(pages) - 1}" in pages[1].extract_text()
    assert docx.read_bytes()[:2] == b"PK"


def test_a_held_letter_writes_no_file(tmp_path, capsys):
    pdf = tmp_path / "letter.pdf"
    denial = str(shared("denial_letters", "jawjoint-mri.txt"))
    assert cli.main(["draft", "--denial", denial, "--pdf", str(pdf)]) == 3
    assert not pdf.exists() and "no DOCX or PDF was written" in capsys.readouterr().err
