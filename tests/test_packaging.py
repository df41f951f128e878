"""A wheel built from the project carries its templates, prompts and corpus, and drafts a letter
when installed (not editable) in a fresh virtual environment.

The fresh environment reaches the already-installed dependencies through a .pth line to this
environment's site-packages (a .pth inside a directory named that way is not processed, so the
editable install of the checkout stays out of sight), so the test needs no network.
"""

from __future__ import annotations

import json
import site
import subprocess
import sys
import venv
from pathlib import Path

from support import REPO

SNIPPET = """
import json, pathlib, service
from service.config import Settings, shipped
from service.pipelines.appeal import draft_appeal
from service.policies.corpus import load_corpus
denial = (
    "Northwind Health\\nOctober 1, 2026\\nMember: Lena Ortiz  Member ID: HMH556677\\n"
    "Claim number: HM-26-000123  Date of service: 09/12/2026\\n"
    "Service: CPT 72148 MRI lumbar spine without contrast\\nDiagnosis: M54.16\\n"
    "CARC CO-50: not deemed a medical necessity.\\n"
    "The notes do not show six weeks of physical therapy that did not help.\\n"
)
chart = (
    "07/01/2026 PT discharge note\\n"
    "Completed 8 weeks of physical therapy with no improvement in left leg pain.\\n"
    "Signed: Maria Lopez, MD\\nNPI: 1234567893\\nPhone: 555-010-2000\\n"
)
result = draft_appeal(denial, chart, settings=Settings(data_dir="data", today="2026-11-22"),
                      retriever=None)
print(json.dumps({
    "package": service.__file__,
    "templates": str(shipped("templates")),
    "corpus_passages": len(load_corpus(shipped("policy_corpus"))),
    "status": result.status.value,
    "text": result.text,
}))
"""


def _dependencies_pth(env: Path) -> None:
    """Let the fresh environment import this environment's dependencies, not the checkout."""
    (purelib,) = [p for p in env.glob("lib/python*/site-packages")]
    paths = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (purelib / "overturn_test_deps.pth").write_text("\n".join(paths) + "\n", encoding="utf-8")


def test_a_wheel_installed_in_a_fresh_venv_drafts_a_letter(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         str(REPO), "-w", str(wheels)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = wheels.glob("overturn-*.whl")
    env = tmp_path / "env"
    venv.create(env, with_pip=False)
    _dependencies_pth(env)
    python = env / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    work = tmp_path / "elsewhere"  # not the checkout: nothing can be read from the repository
    work.mkdir()
    out = subprocess.run(
        [str(python), "-c", SNIPPET], cwd=work, check=True, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["package"].startswith(str(env)), got["package"]
    assert "_shipped" in got["templates"]
    assert got["corpus_passages"] > 100
    assert got["status"] == "released", got["text"]
    assert "72148" in got["text"] and "8 weeks of physical therapy" in got["text"]
