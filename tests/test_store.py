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


def _held(store: Store, payer: str, ready: bool, patient: str = "Dana Whitfield") -> str:
    draft_id = store.save_input("appeal", INPUT)
    summary = {"patient": patient, "service": "72148", "reference": None, "ready": ready}
    store.save_result(draft_id, "held", "{}", payer=payer, summary=summary)
    return draft_id


def test_list_filters_by_status_readiness_and_payer(store: Store) -> None:
    ready = _held(store, "Acme", True)
    needs = _held(store, "Acme", False)
    other = _held(store, "Northwind", True)
    failed = store.save_input("appeal", INPUT)
    store.mark_failed(failed, "internal")

    def ids(**filters) -> set[str]:
        return {r["id"] for r in store.list_recent(**filters)}

    assert ids() == {ready, needs, other, failed}
    assert ids(statuses=("held",), ready=True) == {ready, other}
    assert ids(statuses=("held",), ready=False) == {needs}
    assert ids(payer="Acme") == {ready, needs}
    assert ids(statuses=("failed",)) == {failed}
    assert store.payers() == ["Acme", "Northwind"]


def test_the_summary_is_sealed_and_opened_for_the_list(store: Store) -> None:
    draft_id = _held(store, "Acme", True, patient="Dana Whitfield")
    with store.engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT summary_json FROM drafts").scalar()
    assert "Dana" not in raw
    (row,) = store.list_recent()
    assert row["summary"]["patient"] == "Dana Whitfield" and row["ready"] is True
    assert "ready" not in row["summary"]  # kept in its own column, not sealed
    store.update_result(draft_id, "{}", status="released")
    assert store.list_recent()[0]["summary"]["patient"] == "Dana Whitfield"  # kept on edit


def test_dismiss_takes_only_a_failed_attempt_and_erases_it(store: Store) -> None:
    from service.errors import Conflict

    held = _held(store, "Acme", False)
    with pytest.raises(Conflict):
        store.dismiss(held)
    failed = store.save_input("appeal", INPUT)
    store.mark_failed(failed, "internal")
    store.dismiss(failed)
    assert [r["id"] for r in store.list_recent()] == [held]
    assert store.audit_trail(failed)[-1]["event"] == "dismissed"
    with pytest.raises(NotFound):
        store.get(failed)


def test_a_database_from_before_summaries_gains_the_columns(db_url: str) -> None:
    old = Store(db_url)
    draft_id = old.save_input("appeal", INPUT)
    with old.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE drafts DROP COLUMN summary_json")
        conn.exec_driver_sql("ALTER TABLE drafts DROP COLUMN ready")
    old.close()
    again = Store(db_url)
    (row,) = again.list_recent()
    assert row["id"] == draft_id and row["summary"] is None and row["ready"] is None
    again.close()
