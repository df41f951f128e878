"""A denial travels from the API to the stored draft through each stage once, forward only.

Every stage the appeal pipeline calls is wrapped to record its name; the recorded journey of one
POST /v1/appeals must be the stages in the order the house is laid out. The store is written
twice on purpose: the input is kept before drafting (so nothing is lost), the result after.
"""

from __future__ import annotations

import pytest
from test_api import LUMBAR_CHART, LUMBAR_DENIAL

import service.pipelines.appeal as appeal
from service.store import Store

STAGES = [
    ("intake", appeal, "read_case"),
    ("triage", appeal, "triage"),
    ("policies", appeal, "select_policy"),
    ("evidence", appeal, "build_evidence_map"),
    ("drafting", appeal, "write_appeal"),
    ("render", appeal, "render_text"),
    ("validate", appeal, "validate"),
    ("release", appeal, "gate"),
]
ORDER = ["keep", *(name for name, _, _ in STAGES), "store"]


@pytest.fixture
def journey(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []

    def wrap(name: str, fn):  # type: ignore[no-untyped-def]
        def recorded(*args, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(name)
            return fn(*args, **kwargs)

        return recorded

    for name, module, attr in STAGES:
        monkeypatch.setattr(module, attr, wrap(name, getattr(module, attr)))
    monkeypatch.setattr(Store, "save_input", wrap("keep", Store.save_input))
    monkeypatch.setattr(Store, "save_result", wrap("store", Store.save_result))
    return seen


def test_an_appeal_visits_each_stage_once_forward_only(client, journey: list[str]) -> None:
    resp = client.post("/v1/appeals", json={"denial": LUMBAR_DENIAL, "chart": LUMBAR_CHART})
    assert resp.status_code == 201, resp.get_json()
    assert journey == ORDER, journey
