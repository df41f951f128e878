"""A tiny scripted OpenAI-compatible chat server on 127.0.0.1, for recording cassettes.

Each POST to /v1/chat/completions takes the next scripted step: a reply text (wrapped in a
chat-completion body), an HTTP status with an error body, a raw body, or a delay. Requests are
kept so a test can read back what was sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Step:
    text: str | Callable[[list[dict]], str] = ""  # a function answers from the messages sent
    status: int = 200
    finish_reason: str = "stop"
    raw: str | None = None  # sent as-is instead of a chat-completion body
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)  # e.g. Retry-After on a 429


def estimate_tokens(text: str) -> int:
    """About four characters a token: the usual rule of thumb for English with a BPE tokenizer."""
    return max(1, len(text) // 4)


def completion_body(
    text: str, model: str, finish_reason: str = "stop", messages: list[dict] | None = None
) -> dict:
    """A chat-completion JSON body as an OpenAI-compatible server returns it; usage estimated
    from the text sent (900 prompt tokens when the messages are not given)."""
    sent = "".join(str(m.get("content", "")) for m in messages or [])
    prompt_tokens = estimate_tokens(sent) if sent else 900
    completion_tokens = estimate_tokens(text)
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 1767225600,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class ScriptedServer:
    """Serve scripted steps until stopped; `with ScriptedServer(port) as s: s.enqueue(...)`."""

    def __init__(self, port: int = 0, *, estimate_usage: bool = False) -> None:
        self.estimate_usage = estimate_usage  # prompt tokens from the text sent, not a flat 900
        self.steps: list[Step] = []
        self.requests: list[dict] = []
        self.times: list[float] = []  # when each request arrived (monotonic)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(body)
                server.times.append(time.monotonic())
                step = server.steps.pop(0) if server.steps else Step(status=500, raw="{}")
                if step.delay:
                    time.sleep(step.delay)
                if step.raw is not None:
                    payload = step.raw
                elif step.status != 200:
                    payload = json.dumps({"error": {"message": "scripted", "code": step.status}})
                else:
                    model = body.get("model", "scripted")
                    text = step.text(body["messages"]) if callable(step.text) else step.text
                    sent = body["messages"] if server.estimate_usage else None
                    payload = json.dumps(completion_body(text, model, step.finish_reason, sent))
                data = payload.encode()
                self.send_response(step.status)
                self.send_header("Content-Type", "application/json")
                for name, value in step.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return  # keep test output quiet

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def enqueue(self, *steps: Step | str | Callable[[list[dict]], str]) -> None:
        self.steps.extend(s if isinstance(s, Step) else Step(text=s) for s in steps)

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
