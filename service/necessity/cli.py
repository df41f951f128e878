"""`overturn letter`: draft a letter of medical necessity (or only check readiness) from files.

Exit codes: 0 released (or ready), 3 held (or not ready), 2 bad input (a problem on stderr).
The lead's cli.py registers it: `add_parser(sub)` and COMMANDS["letter"] = run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from service.config import Settings
from service.errors import InvalidJSON, OverturnError

EXIT_RELEASED, EXIT_BAD_INPUT, EXIT_HELD = 0, 2, 3


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `letter` command to the `overturn` parser's subparsers."""
    p = subparsers.add_parser("letter", help="draft a letter of medical necessity")
    p.add_argument("--request", required=True,
                   help="request JSON (patient, payer, service, diagnosis_codes, signer, ...)")
    p.add_argument("--chart", help="chart file (notes as text, or JSON); overrides the request's")
    p.add_argument("--readiness", action="store_true",
                   help="only check which of the payer's criteria the chart documents")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--docx", help="also write the released letter as DOCX to this path")
    p.add_argument("--pdf", help="also write the released letter as PDF to this path")
    return p


def _read(path: str, field: str) -> str:
    try:
        return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise OverturnError(f"cannot read the {field} file", field=field) from err


def _load_request(args: argparse.Namespace) -> Any:
    from service.api.necessity import parse_request

    try:
        body = json.loads(_read(args.request, "request"))
    except json.JSONDecodeError as err:
        raise InvalidJSON("the request file is not valid JSON", field="request") from err
    if not isinstance(body, dict):
        raise InvalidJSON("the request JSON must be an object", field="request")
    if args.chart:
        text = _read(args.chart, "chart")
        try:
            body["chart"] = json.loads(text) if text.lstrip().startswith("{") else text
        except json.JSONDecodeError:
            body["chart"] = text
    return parse_request(body)


def _readiness(request: Any, settings: Settings, retriever: Any, as_json: bool) -> int:
    from service.necessity.readiness import check_readiness

    report = check_readiness(request, settings=settings, retriever=retriever)
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        for c in report.criteria:
            detail = ", ".join(f.id for f in c.facts) if c.status == "met" else (c.need or "")
            print(f"{c.status.value:15} {c.id}  {detail}")
        for f in report.flags:
            print(f"flag {f.code} at {f.where}: {f.message}")
    return EXIT_RELEASED if report.ready else EXIT_HELD


def _files(result: Any, args: argparse.Namespace, settings: Settings) -> None:
    from service.export import to_docx, to_pdf

    if result.status.value != "released":
        return
    if args.docx:
        Path(args.docx).write_bytes(to_docx(result.letter, settings))
    if args.pdf:
        Path(args.pdf).write_bytes(to_pdf(result.letter, settings))


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run `overturn letter`; returns the exit code."""
    from service.necessity.pipeline import draft_necessity
    from service.policies.retrieve import build_retriever

    try:
        request = _load_request(args)
        retriever = build_retriever(settings)
        if args.readiness:
            return _readiness(request, settings, retriever, args.json)
        result = draft_necessity(request, settings=settings, retriever=retriever)
        _files(result, args, settings)
    except OverturnError as err:
        problem = {"type": err.slug, "title": err.title, "status": err.status, "detail": err.detail}
        print(json.dumps(problem), file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        print(result.text)
        print(f"\n-- {result.status.value} --", file=sys.stderr)
        for p in result.report.problems:
            print(f"[{p.severity}] {p.code} at {p.where}: {p.message}", file=sys.stderr)
    return EXIT_RELEASED if result.status.value == "released" else EXIT_HELD
