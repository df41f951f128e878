"""`overturn serve`: the service under gunicorn, a production WSGI server, by default.

Before gunicorn starts, the master prepares the data folder (private modes, keys), migrates the
store, marks drafts left `drafting` by a dead process as interrupted, purges drafts past the
retention period, creates the first admin (printing a one-time sign-in link) and builds the
policy index in a child process, so no Chroma client is open in the master when it forks.

Workers are gthread (WORKER_THREADS threads each): one with the embedded Chroma index, which is
single-process, else OVERTURN_WORKERS. The worker timeout sits above the model time budget and
the PDF budget, so the app answers a slow request itself (problem+json) before gunicorn would
kill the worker. gunicorn's own error pages (a malformed request line, oversized headers) are
problem+json too (service/server/worker.py).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import replace
from typing import Any

from gunicorn.app.base import BaseApplication

from service.config import Settings

WORKER_THREADS = 4
TIMEOUT_MARGIN = 30  # seconds above the longest budget a request may use
PURGE_EVERY = 3600.0  # seconds between retention purges in each worker


def worker_count(settings: Settings) -> int:
    """OVERTURN_WORKERS, or one while the embedded (single-process) Chroma index is used."""
    return max(1, settings.workers) if settings.chroma_url else 1


def worker_timeout(settings: Settings) -> int:
    """Seconds before gunicorn kills a silent worker: above every budget a request may spend."""
    from service.intake.pdf_text import SECONDS_BUDGET

    return int(settings.llm_budget + SECONDS_BUDGET + TIMEOUT_MARGIN)


def options(settings: Settings) -> dict[str, Any]:
    """gunicorn's settings for this service."""
    return {
        "bind": f"[{settings.host}]:{settings.port}"
        if ":" in settings.host
        else f"{settings.host}:{settings.port}",
        "workers": worker_count(settings),
        "worker_class": "service.server.worker.ProblemThreadWorker",
        "threads": WORKER_THREADS,
        "timeout": worker_timeout(settings),
        "graceful_timeout": 30,
        "keepalive": 5,
        "preload_app": False,  # the app (and any Chroma client) is built in each worker
        "control_socket_disable": True,  # gunicorn >= 25.1 opens one by default; not needed
        "accesslog": None,  # request paths may carry sign-in secrets; errors still log
        "errorlog": "-",
        "post_worker_init": _post_worker_init,
        "worker_abort": _worker_ending,
        "worker_exit": _worker_exit,
    }


def prepare(settings: Settings) -> str | None:
    """The master's start-up work; returns the first start's sign-in link, if one is due."""
    from service.cli.admin import first_start
    from service.resources import Resources
    from service.store.keyfile import private_dir, secret_key

    private_dir(settings.data_path)
    if not settings.secret_key:
        secret_key(settings.data_path)
    store = Resources(settings).store()  # creates the data key, migrates, seals legacy rows
    interrupted = store.reap_interrupted()
    purged = store.purge(settings.retention_days)
    if interrupted or purged:
        print(f"Marked {interrupted} interrupted draft(s); purged {purged}.", file=sys.stderr)
    store.close()
    return first_start(settings)


def build_index(settings: Settings) -> bool:
    """Build or update the policy index in a child process; False when it cannot be reached."""
    print("Opening the policy index (built from the corpus on first use)...", file=sys.stderr)
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "index"], check=False, stdout=subprocess.DEVNULL
    )
    if done.returncode != 0:
        print(
            "The policy index is unavailable: serving with lexical retrieval over the corpus on "
            "disk until it returns (see /healthz).",
            file=sys.stderr,
        )
    return done.returncode == 0


def run(settings: Settings, host: str | None = None, port: int | None = None) -> int:
    """Prepare, then serve under gunicorn until stopped."""
    settings = replace(settings, host=host or settings.host, port=port or settings.port)
    link = prepare(settings)
    build_index(settings)
    from service.cli.admin import announce_link

    if link:
        announce_link(link)
    opts = options(settings)
    print(
        f"Overturn on http://{settings.host}:{settings.port}/ "
        f"({opts['workers']} worker(s) x {WORKER_THREADS} threads, timeout {opts['timeout']} s)",
        file=sys.stderr,
    )
    _Server(settings, opts).run()
    return 0


class _Server(BaseApplication):
    """gunicorn with our options and our app factory (built in each worker)."""

    def __init__(self, settings: Settings, opts: dict[str, Any]) -> None:
        self.settings, self.opts = settings, opts
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.opts.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from service import create_app

        return create_app({"settings": self.settings})


def _post_worker_init(worker: Any) -> None:
    """Open the index in the new worker and start its periodic retention purge."""
    from service.resources import EXTENSION

    app = worker.wsgi
    res = app.extensions[EXTENSION]
    with app.app_context():
        res.retriever()  # degraded (lexical) when the index is unreachable, never fatal
    threading.Thread(target=_purge_loop, args=(res,), daemon=True, name="purge").start()


def _purge_loop(res: Any) -> None:
    stop = threading.Event()
    while not stop.wait(PURGE_EVERY):
        try:
            res.store().purge(res.settings.retention_days)
        except Exception:  # noqa: BLE001 - a failed purge is retried next hour, never fatal
            continue


def _worker_ending(worker: Any) -> None:
    """A worker killed for its timeout: its drafts in flight are interrupted, not held."""
    from service.resources import EXTENSION

    app = getattr(worker, "wsgi", None)
    if app is None:
        return
    store = app.extensions[EXTENSION].store()
    store.mark_own_interrupted()


def _worker_exit(server: Any, worker: Any) -> None:
    _worker_ending(worker)
