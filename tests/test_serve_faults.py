"""`overturn serve` under gunicorn, as a subprocess on a free loopback port: a kill -9 of the
master and its workers mid-load loses no accepted draft and leaves the others interrupted, not
held; with two workers, a policy added through one is searched by every worker at once.

Measured for the README: drafts accepted before the kill and found after it (all), drafts left
`drafting` (0), interrupted ones marked; searches after an upload that found it (all)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from llm_server import ScriptedServer, Step
from scripted_model import respond
from test_api import LUMBAR_CHART, LUMBAR_DENIAL
from test_chroma_server import chroma_url, free_port  # noqa: F401  (a fixture)

OVERTURN = str(Path(sys.executable).parent / "overturn")
DOCS = Path(__file__).parent / "fixtures" / "policy_docs"
START_TIMEOUT = 45.0


def _env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVERTURN_")}
    env.update(
        OVERTURN_DATA_DIR=str(data_dir),
        OVERTURN_CORPUS_DIR=str(DOCS / "corpus"),
        OVERTURN_PORT=str(port),
        OVERTURN_TODAY="2026-11-22",
        **extra,
    )
    return env


def _token(env: dict[str, str]) -> str:
    out = subprocess.run(
        [OVERTURN, "users", "add", f"tester-{time.monotonic_ns()}", "--role", "admin"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


class Served:
    """`overturn serve` in its own process group, so the test can SIGKILL master and workers."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.port = env, int(env["OVERTURN_PORT"])
        self.log = open(log, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [OVERTURN, "serve"], env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "overturn serve exited"
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError("overturn serve did not start")

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)  # the master and every worker at once
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


@pytest.fixture
def served(tmp_path) -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for s in started:
        s.stop()


def test_kill_9_under_load_loses_no_accepted_draft(tmp_path, served) -> None:
    began = time.monotonic()
    with ScriptedServer() as model:
        model.enqueue(*[Step(text=respond, delay=1.0)] * 400)  # every model call takes 1 s
        env = _env(
            tmp_path / "data",
            free_port(),
            OVERTURN_MODEL="openai/scripted-model",
            OVERTURN_LLM_API_BASE=model.api_base,
            OPENAI_API_KEY="sk-dummy",
        )
        headers = {"Authorization": f"Bearer {_token(env)}"}
        first = Served(env, tmp_path / "serve.log")
        served.append(first)
        first.wait_ready()
        accepted: list[str] = []
        stop = threading.Event()

        def post() -> None:
            while not stop.is_set():
                try:
                    resp = httpx.post(
                        first.url + "/v1/appeals",
                        json={"denial": LUMBAR_DENIAL, "chart": LUMBAR_CHART},
                        headers=headers,
                        timeout=30,
                    )
                except httpx.HTTPError:
                    return  # the server was killed under this request
                if resp.status_code == 201:
                    accepted.append(resp.json()["draft_id"])

        threads = [threading.Thread(target=post) for _ in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 40
        while len(accepted) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)  # some drafts answered ...
        time.sleep(0.5)  # ... and others waiting on the model when the kill comes
        first.kill9()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        again = Served(env, tmp_path / "serve.log")
        served.append(again)
        again.wait_ready()
        listed = httpx.get(again.url + "/v1/drafts", headers=headers, timeout=10).json()["drafts"]
    statuses = {d["id"]: d["status"] for d in listed}
    assert accepted, "no draft was accepted before the kill"
    lost = [d for d in accepted if statuses.get(d) not in ("released", "held")]
    assert lost == []
    assert "drafting" not in statuses.values()
    interrupted = [d for d, s in statuses.items() if s == "interrupted"]
    assert interrupted, "drafts in flight at the kill must be marked interrupted"
    # gunicorn's own refusals are problem+json too
    with socket.create_connection(("127.0.0.1", again.port), timeout=10) as raw:
        raw.sendall(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
        answer = raw.recv(4096).decode("latin-1")
    assert " 414 " in answer.splitlines()[0] and "application/problem+json" in answer
    for draft_id in accepted[:3]:
        got = httpx.get(f"{again.url}/v1/drafts/{draft_id}", headers=headers, timeout=10)
        assert got.status_code == 200 and got.json()["result"] is not None
    assert time.monotonic() - began < 90


def test_two_workers_both_search_a_new_policy(tmp_path, served, chroma_url) -> None:  # noqa: F811
    env = _env(tmp_path / "data", free_port(), OVERTURN_CHROMA_URL=chroma_url, OVERTURN_WORKERS="2")
    headers = {"Authorization": f"Bearer {_token(env)}"}
    server = Served(env, tmp_path / "serve.log")
    served.append(server)
    server.wait_ready()
    assert len(server.workers()) == 2
    knee = (DOCS / "knee-mri.html").read_bytes()
    added = httpx.post(
        server.url + "/v1/policies",
        files={"file": ("knee-mri.html", knee, "text/html")},
        headers=headers,
        timeout=60,
    )
    assert added.status_code == 201, added.text[:300]
    uploaded_at = time.monotonic()
    found: list[bool] = []

    def search() -> None:
        for _ in range(5):
            resp = httpx.get(
                server.url + "/v1/policies/search",
                params={"q": "knee MRI meniscal tear locking", "payer": "harbor", "k": 3},
                headers={**headers, "Connection": "close"},
                timeout=30,
            )
            found.append(any(h["policy_id"] == "HB-IMG-310" for h in resp.json()["results"]))

    threads = [threading.Thread(target=search) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(found) == 30 and all(found), f"{found.count(False)} searches missed the policy"
    assert time.monotonic() - uploaded_at < 30
