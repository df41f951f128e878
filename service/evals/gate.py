"""The gate: a metric below its threshold, or worse than the baseline beyond its tolerance,
fails the run, naming the cases that moved it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from service.evals.metrics import METRICS


@dataclass
class GateFailure:
    variant: str
    metric: str
    kind: str  # "threshold" or "regression"
    value: float | None
    limit: float | None
    message: str
    cases: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_thresholds(path: Path) -> dict[str, Any]:
    """thresholds.yaml: per metric min / max and a regression tolerance."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    data = data or {}
    data.setdefault("metrics", {})
    data.setdefault("default_tolerance", 0.0)
    return data


def load_baseline(path: Path) -> dict[str, Any] | None:
    """The last accepted results, or None when none was accepted yet."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _worse(metric: str, value: float, reference: float, tolerance: float) -> bool:
    better = METRICS[metric].better
    if better == "higher":
        return value < reference - tolerance - 1e-9
    if better == "lower":
        return value > reference + tolerance + 1e-9
    return False


def culprits(metric: str, cases: dict[str, Any], base_cases: dict[str, Any]) -> list[str]:
    """Cases that failed this metric; those that got worse than the baseline come first."""
    moved, failing = [], []
    for cid, rec in cases.items():
        value = rec.get("metrics", {}).get(metric)
        before = base_cases.get(cid, {}).get("metrics", {}).get(metric)
        if value is not None and before is not None and _worse(metric, value, before, 0.0):
            moved.append(cid)
        elif any(f["metric"] == metric for f in rec.get("failures", [])):
            failing.append(cid)
    return moved + [c for c in failing if c not in moved]


def _limits(
    name: str, metric: str, value: float, rule: dict[str, Any], cases: list[str]
) -> list[GateFailure]:
    out = []
    if "min" in rule and value < rule["min"] - 1e-9:
        out.append(
            GateFailure(
                name,
                metric,
                "threshold",
                value,
                rule["min"],
                f"{metric} = {value:g} is below its threshold {rule['min']:g}",
                cases,
            )
        )
    if "max" in rule and value > rule["max"] + 1e-9:
        out.append(
            GateFailure(
                name,
                metric,
                "threshold",
                value,
                rule["max"],
                f"{metric} = {value:g} is above its threshold {rule['max']:g}",
                cases,
            )
        )
    return out


def check(
    results: dict[str, Any], thresholds: dict[str, Any], baseline: dict[str, Any] | None
) -> list[GateFailure]:
    """Every threshold breach and every regression beyond tolerance, per variant and metric."""
    failures: list[GateFailure] = []
    rules = thresholds["metrics"]
    for name, run in results["variants"].items():
        base = (baseline or {}).get("variants", {}).get(name)
        base_cases = base["cases"] if base else {}
        for metric, value in run["metrics"].items():
            if value is None or (not METRICS[metric].gated and metric not in rules):
                continue
            rule = rules.get(metric, {})
            cases = culprits(metric, run["cases"], base_cases)
            failures += _limits(name, metric, value, rule, cases)
            before = base["metrics"].get(metric) if base else None
            tolerance = float(rule.get("tolerance", thresholds["default_tolerance"]))
            if before is not None and _worse(metric, value, before, tolerance):
                failures.append(
                    GateFailure(
                        name,
                        metric,
                        "regression",
                        value,
                        before,
                        f"{metric} = {value:g} regressed from the baseline's {before:g} "
                        f"(tolerance {tolerance:g})",
                        cases,
                    )
                )
    return failures
