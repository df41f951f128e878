"""Start-up cost of the `overturn` command: whole-process wall time and peak RSS.

Three commands, run back to back in rounds so that machine load hits them alike:
`overturn --help` (the floor: Python and the CLI), `overturn draft` for a payer with no policy
in the index, and `overturn draft` for a payer with policies (index warm: built before timing).
Each figure is the median over the rounds; the ratios are to `--help` of the same run.

    python bench/startup_bench.py                 # 7 rounds, a fresh data folder
    python bench/startup_bench.py --rounds 11 --data-dir /tmp/overturn-bench
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "evals" / "cases"
# one case per kind of payer, from the eval suite (so the bench needs no outside data)
NO_POLICY = ("hard.yaml", "hard-unknown-payer-formulary")
WITH_POLICY = ("northwind.yaml", "nw-lumbar-mri-met")


def _case(file: str, case_id: str, folder: Path) -> list[str]:
    """The case's denial and chart as files, and the `draft` arguments that read them."""
    cases = yaml.safe_load((CASES / file).read_text(encoding="utf-8"))["cases"]
    case = next(c for c in cases if c["id"] == case_id)
    args = []
    for part in ("denial", "chart"):
        if isinstance(case.get(part), str):
            path = folder / f"{case_id}.{part}.txt"
            path.write_text(case[part], encoding="utf-8")
            args += [f"--{part}", str(path)]
    return ["-q", "draft", *args]


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one whole `overturn` process."""
    exe = shutil.which("overturn", path=str(Path(sys.executable).parent)) or "overturn"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [exe, *argv], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 3):  # released or held: both drafted a letter
        raise SystemExit(f"overturn {' '.join(argv)} exited {proc.returncode}")
    return wall, usage.ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--data-dir", help="data folder to reuse (its index is built if absent)")
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="overturn-startup-"))
    data = Path(opts.data_dir) if opts.data_dir else work / "data"
    env = {**os.environ, "OVERTURN_DATA_DIR": str(data), "OVERTURN_TODAY": "2026-11-22"}
    commands = {
        "overturn --help": ["--help"],
        "overturn draft, payer without policies": _case(*NO_POLICY, work),
        "overturn draft, payer with policies (index warm)": _case(*WITH_POLICY, work),
    }
    started = time.perf_counter()
    run(["-q", "index"], env)  # builds the index on a fresh folder; then only checks it
    print(f"index ready in {time.perf_counter() - started:.1f} s ({data})", file=sys.stderr)
    for argv in commands.values():  # warm-up: the OS file cache and the user's cache folder
        run(argv, env)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(opts.rounds):
        for name, argv in commands.items():
            samples[name].append(run(argv, env))
    floor = _medians(samples["overturn --help"])
    print(f"| command | wall (median of {opts.rounds}) | peak RSS | vs --help |")
    print("| --- | --- | --- | --- |")
    for name, rows in samples.items():
        wall, rss = _medians(rows)
        ratio = f"{wall / floor[0]:.1f}x time, {rss / floor[1]:.1f}x memory"
        print(f"| `{name}` | {wall:.2f} s | {rss:.0f} MB | {ratio} |")
    if not opts.data_dir:
        shutil.rmtree(work, ignore_errors=True)


def _medians(rows: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)


if __name__ == "__main__":
    main()
