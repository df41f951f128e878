"""Benchmark: render the PDF of a two-page letter of medical necessity and report the time.

Run: /work/venv/bin/python bench/pdf_bench.py  (target: under a second on a 2-core machine)
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]


def main(repeats: int = 10) -> None:
    from pypdf import PdfReader
    from test_necessity import CASES, draft, settings

    from service.render.files import to_pdf

    letter = draft(CASES["procedure"]).letter  # two pages on US Letter
    s = settings()
    to_pdf(letter, s)  # warm-up: imports fpdf2 and builds the font metrics once
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        data = to_pdf(letter, s)
        times.append(time.perf_counter() - start)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    times.sort()
    print(
        f"pages={pages} bytes={len(data)} median={times[len(times) // 2] * 1000:.1f} ms "
        f"max={times[-1] * 1000:.1f} ms over {repeats} runs"
    )


if __name__ == "__main__":
    main()
