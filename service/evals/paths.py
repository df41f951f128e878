"""Where the eval suite's files live; a module of its own so that `overturn --help` can name
the defaults without importing the runner, the metrics and the cases."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EVALS_DIR = REPO / "evals"
CONFIG = EVALS_DIR / "config.yaml"
THRESHOLDS = EVALS_DIR / "thresholds.yaml"
BASELINE = EVALS_DIR / "baseline.json"
OUT_DIR = EVALS_DIR / "out"
INDEX_DIR = EVALS_DIR / ".index"
