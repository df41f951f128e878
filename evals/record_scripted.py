"""Re-record the eval suite's `scripted` model variant: one command, no network.

Starts the scripted OpenAI-compatible server (tests/llm_server.py answering with
tests/scripted_model.py) on the loopback port named in evals/config.yaml, then runs
`overturn eval --live` for that variant only, which records evals/cassettes/scripted/. Run it
after changing a prompt, the evidence linker or a case, then `overturn eval` to replay:

    python evals/record_scripted.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from llm_server import ScriptedServer, Step  # noqa: E402  (tests/ is not a package)
from scripted_model import respond  # noqa: E402

from service.evals import cli  # noqa: E402
from service.evals.runner import load_config, variants  # noqa: E402

LABEL = "scripted"
CALLS = 2000  # more than the suite makes (two calls a case, three with a repair)


def main() -> int:
    """Record the scripted variant's cassettes; the eval's exit code."""
    variant = next(v for v in variants(load_config()) if v.label == LABEL)
    port = urlparse(variant.api_base).port
    with ScriptedServer(port or 0, estimate_usage=True) as server:
        server.enqueue(*[Step(text=respond)] * CALLS)
        extra = sys.argv[1:]  # e.g. --only <case id> to re-record one case
        return cli.main(["eval", "--live", "--no-progress", "--variant", variant.name, *extra])


if __name__ == "__main__":
    sys.exit(main())
