"""`overturn draft` exit codes: 0 released, 3 held, 2 bad input; errors never print a traceback."""

from __future__ import annotations

import json

import pytest
from support import REPO, TODAY, shared

from service import cli

REAL = REPO / "evals" / "cases" / "real"


@pytest.fixture(autouse=True)
def _offline(monkeypatch, tmp_path):
    monkeypatch.setenv("OVERTURN_TODAY", TODAY)
    monkeypatch.setenv("OVERTURN_DATA_DIR", str(tmp_path))
    # payers of the real letters have no policy in the index: no index is needed
    monkeypatch.setattr(cli, "_retriever", lambda settings: None)


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
    problem = json.loads(err.strip().splitlines()[-1])
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert "Traceback" not in err


def test_missing_file_exits_2(capsys):
    assert cli.main(["draft", "--denial", "/nonexistent/denial.txt"]) == 2
