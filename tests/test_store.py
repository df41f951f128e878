"""The draft store: inputs kept before drafting, results, listing order, audit trail."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from service.errors import NotFound
from service.store import EXTENSION_KEY, Store


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'nested' / 'dir' / 'overturn.sqlite3'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()


INPUT = {"denial_text": "Denied as not medically necessary.", "chart": {"facts": []}, "n": 1.5}


def test_round_trip(store: Store) -> None:
    draft_id = store.save_input("appeal", INPUT)
    result = json.dumps({"status": "released", "text": "Dear reviewer"})
    store.save_result(draft_id, "released", result, payer="Acme Health", deadline=date(2024, 7, 4))
    got = store.get(draft_id)
    assert got["input"] == INPUT
    assert json.loads(got["input_json"]) == INPUT
    assert got["result_json"] == result
    assert got["result"]["text"] == "Dear reviewer"
    assert (got["status"], got["kind"], got["payer"]) == ("released", "appeal", "Acme Health")
    assert got["deadline"] == "2024-07-04"


def test_input_is_kept_when_no_result_is_ever_saved(db_url: str) -> None:
    first = Store(db_url)
    draft_id = first.save_input("necessity", INPUT)
    first.close()  # the process dies before drafting ends
    again = Store(db_url)
    got = again.get(draft_id)
    assert got["input"] == INPUT
    assert got["result"] is None
    assert got["status"] != "released"
    again.close()


def test_sqlite_file_is_created_with_wal(db_url: str, tmp_path: Path) -> None:
    s = Store(db_url)
    assert (tmp_path / "nested" / "dir" / "overturn.sqlite3").exists()
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    s.close()


def test_in_memory_url_works() -> None:
    s = Store("sqlite://")
    draft_id = s.save_input("appeal", INPUT)
    assert s.get(draft_id)["input"] == INPUT


def test_list_recent_soonest_deadline_first_nulls_last_then_newest(store: Store) -> None:
    plan = [
        ("a", date(2024, 5, 1)),
        ("b", None),
        ("c", date(2024, 3, 1)),
        ("d", None),
        ("e", date(2024, 5, 1)),
    ]
    ids = {}
    for name, deadline in plan:
        ids[name] = store.save_input("appeal", {"name": name})
        store.save_result(ids[name], "held", "{}", payer=None, deadline=deadline)
    order = [row["id"] for row in store.list_recent()]
    assert order == [ids["c"], ids["e"], ids["a"], ids["d"], ids["b"]]
    assert "input_json" not in store.list_recent()[0]
    assert len(store.list_recent(limit=2)) == 2


def test_unknown_id_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.get("0" * 32)
    with pytest.raises(NotFound):
        store.save_result("0" * 32, "held", "{}")
    with pytest.raises(NotFound):
        store.mark_failed("0" * 32, "boom")
    with pytest.raises(NotFound):
        store.audit("0" * 32, "viewed")
    with pytest.raises(NotFound):
        store.audit_trail("0" * 32)


def test_mark_failed_keeps_input_and_short_error(store: Store) -> None:
    draft_id = store.save_input("appeal", INPUT)
    store.mark_failed(draft_id, "index unavailable " * 50)
    got = store.get(draft_id)
    assert got["status"] == "failed"
    assert got["input"] == INPUT
    assert 0 < len(got["error"]) <= 200


def test_update_result_keeps_payer_and_deadline(store: Store) -> None:
    draft_id = store.save_input("appeal", INPUT)
    store.save_result(draft_id, "held", '{"v": 1}', payer="Acme", deadline=date(2024, 2, 1))
    store.update_result(draft_id, '{"v": 2}', status="released")
    got = store.get(draft_id)
    assert got["result"] == {"v": 2}
    assert (got["status"], got["payer"], got["deadline"]) == ("released", "Acme", "2024-02-01")


def test_bad_status_and_kind_are_refused(store: Store) -> None:
    draft_id = store.save_input("appeal", INPUT)
    with pytest.raises(ValueError):
        store.save_result(draft_id, "approved", "{}")
    with pytest.raises(ValueError):
        store.save_input("memo", INPUT)


def test_audit_trail_in_order(store: Store) -> None:
    draft_id = store.save_input("appeal", INPUT)
    store.save_result(draft_id, "held", "{}")
    store.audit(draft_id, "downloaded", {"format": "docx"})
    store.update_result(draft_id, "{}")
    trail = store.audit_trail(draft_id)
    assert [e["event"] for e in trail] == ["submitted", "drafted", "downloaded", "edited"]
    assert trail[2]["detail"] == {"format": "docx"}


def test_init_app_registers_the_store(store: Store) -> None:
    app = Flask(__name__)
    store.init_app(app)
    assert app.extensions[EXTENSION_KEY] is store


def test_concurrent_writes_from_threads(store: Store) -> None:
    ids: list[str] = []

    def work() -> None:
        for _ in range(10):
            ids.append(store.save_input("appeal", INPUT))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 40
    assert len(store.list_recent(limit=100)) == 40
