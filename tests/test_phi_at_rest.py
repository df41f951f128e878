"""PHI at rest: inputs and letters encrypted in the database, private file modes, retention,
deletion that keeps a PHI-free audit trail, and interrupted drafts marked as such."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from test_api import LUMBAR_CHART, LUMBAR_DENIAL, PHI, assert_problem

from service import cli
from service.store import Store
from service.store.sealing import Sealer


def _files(settings) -> list[Path]:
    data = settings.data_path
    return [data / n for n in ("overturn.sqlite3", "secret.key", "data.key")] + [
        p for p in data.glob("overturn.sqlite3-*")
    ]


def test_inputs_and_letters_are_encrypted_and_files_private(app, client, settings) -> None:
    resp = client.post("/v1/appeals", json={"denial": LUMBAR_DENIAL, "chart": LUMBAR_CHART})
    assert resp.status_code == 201
    raw = b"".join(p.read_bytes() for p in settings.data_path.glob("overturn.sqlite3*"))
    for value in PHI:
        assert value.encode() not in raw, "plain PHI in the database files"
    assert stat.S_IMODE(settings.data_path.stat().st_mode) == 0o700
    for path in _files(settings):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    # and it reads back
    got = client.get(resp.headers["Location"]).get_json()
    assert got["input"]["denial"].startswith("Northwind Health")


def test_a_database_written_in_plain_text_is_sealed_on_open(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    store = Store(url)
    draft_id = store.save_input("appeal", {"denial": "Dana Whitfield"})
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:  # as an earlier version wrote it
        conn.execute("UPDATE drafts SET input_json = ? WHERE id = ?", ('{"denial": "x"}', draft_id))
    store.close()
    again = Store(url)
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:
        (stored,) = conn.execute("SELECT input_json FROM drafts").fetchone()
    assert stored.startswith("gAAAAA") and again.get(draft_id)["input"] == {"denial": "x"}


def test_key_rotation_reads_old_and_writes_new(tmp_path) -> None:
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key(), Fernet.generate_key()
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    draft_id = Store(url, [old]).save_input("appeal", {"denial": "x"})
    rotated = Store(url, [new, old])
    assert rotated.get(draft_id)["input"] == {"denial": "x"}
    assert Sealer([new]).open(rotated.sealer.seal("y")) == "y"


def test_delete_erases_the_draft_and_keeps_a_phi_free_trail(app, client) -> None:
    draft_id = client.post(
        "/v1/appeals", json={"denial": LUMBAR_DENIAL, "chart": LUMBAR_CHART}
    ).get_json()["draft_id"]
    assert client.delete(f"/v1/drafts/{draft_id}").status_code == 204
    assert_problem(client.get(f"/v1/drafts/{draft_id}"), 404)
    assert_problem(client.get(f"/v1/drafts/{draft_id}/letter.txt"), 404)
    store = app.extensions["overturn"].store()
    trail = store.audit_trail(draft_id)
    assert trail[-1]["event"] == "deleted"
    assert not any(v in json.dumps(trail) for v in PHI)
    with sqlite3.connect(store.url.removeprefix("sqlite:///")) as conn:
        row = conn.execute(
            "SELECT input_json, result_json, status FROM drafts WHERE id = ?", (draft_id,)
        ).fetchone()
    assert row == ("", None, "deleted")


def test_cli_delete_and_purge(settings, monkeypatch, capsys) -> None:
    monkeypatch.setenv("OVERTURN_DATA_DIR", settings.data_dir)
    from service.resources import Resources

    store = Resources(settings).store()
    old, fresh = store.save_input("appeal", {"d": 1}), store.save_input("appeal", {"d": 2})
    assert cli.main(["delete", fresh]) == 0
    assert json.loads(capsys.readouterr().out) == {"deleted": fresh}
    long_ago = datetime.now(UTC) - timedelta(days=400)
    with store.engine.begin() as conn:
        from service.store.db import drafts

        conn.execute(drafts.update().where(drafts.c.id == old).values(created_at=long_ago))
    monkeypatch.setenv("OVERTURN_RETENTION_DAYS", "180")
    assert cli.main(["purge"]) == 0
    assert json.loads(capsys.readouterr().out)["purged"] == 1
    assert [e["event"] for e in store.audit_trail(old)][-1] == "purged"
    assert cli.main(["delete", "no-such-draft"]) == 2


def test_a_draft_whose_process_died_is_interrupted_not_held(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    draft_id = store.save_input("appeal", {"d": 1})
    from service.store.db import drafts

    with store.engine.begin() as conn:  # as a worker killed mid-draft would leave it
        conn.execute(drafts.update().values(owner="thishost-gone:999999:1"))
    assert store.get(draft_id)["status"] == "drafting"  # another host: cannot tell yet
    import socket

    with store.engine.begin() as conn:
        conn.execute(drafts.update().values(owner=f"{socket.gethostname()}:999999:1"))
    assert store.get(draft_id)["status"] == "interrupted"
    assert [e["event"] for e in store.audit_trail(draft_id)][-1] == "interrupted"
