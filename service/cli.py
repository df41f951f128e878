"""`overturn serve | draft | letter | index | eval | config`.

Exit codes of `overturn draft` and `overturn letter`: 0 released (or ready), 3 held (or not
ready), 2 bad input (a problem on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from service.config import Settings, describe
from service.errors import BadInput, InputTooLarge, InvalidJSON, OverturnError

EXIT_RELEASED, EXIT_BAD_INPUT, EXIT_HELD = 0, 2, 3


def _read_arg_file(path: str, field: str) -> Any:
    """A file's content: a JSON object when it parses as one, else its bytes as pasted text."""
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as err:
        raise OverturnError(f"cannot read the {field} file: {err.strerror}", field=field) from err
    obj = parse_json(raw)
    if obj is None:
        return raw  # a paste that starts with "[CUSTOMER]" or "{" is still a paste
    if not isinstance(obj, dict):
        raise InvalidJSON(f"the {field} JSON must be an object", field=field)
    return obj


def parse_json(raw: bytes | str) -> object | None:
    """The JSON value the input holds, or None when it does not parse as JSON.

    Whether input is JSON is decided by parsing it, never by its first character: a redacted
    letter may begin with "[CUSTOMER]" and clinical notes with "{".
    """
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        value = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    # a bare number or word ("42", "true") parses too, but it is text, not a request
    return value if isinstance(value, dict | list) else None


def _retriever(settings: Settings) -> Any:
    from service.policies.retrieve import build_retriever

    return build_retriever(settings)


def cmd_draft(args: argparse.Namespace, settings: Settings) -> int:
    from service.pipelines.appeal import submit_appeal
    from service.resources import Resources

    payload = {
        "denial": _read_arg_file(args.denial, "denial"),
        "chart": _read_arg_file(args.chart, "chart") if args.chart else None,
        "llm_extract": False if args.no_llm_extract else None,
    }
    result, _ = submit_appeal(payload, Resources(settings))
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        print(result.text or result.triage.rationale)
        print(f"\n-- {result.status.value} --", file=sys.stderr)
        for p in result.report.problems:
            print(f"[{p.severity}] {p.code} at {p.where}: {p.message}", file=sys.stderr)
    return EXIT_RELEASED if result.status.value == "released" else EXIT_HELD


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from service import serve

    return serve.run(settings, host=args.host, port=args.port)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    if getattr(args, "index_command", None) == "add":
        return cmd_index_add(args, settings)
    retriever = _retriever(settings)
    print(json.dumps({"passages": retriever.count(), "corpus_version": retriever.corpus_version}))
    return 0


def cmd_index_add(args: argparse.Namespace, settings: Settings) -> int:
    from service.policies.documents import add_documents

    docs = [(str(path), _read_policy(path)) for path in _policy_files(args.paths)]
    defaults = {
        "payer_id": args.payer,
        "policy_id": args.policy_id,
        "title": args.title,
        "effective_date": args.effective_date,
        "version": args.policy_version,
    }
    # through the retriever, so the shipped corpus is in the index before versions are compared
    index = _retriever(settings).index
    payer_file = settings.data_path / "payers.yaml"
    report = add_documents(index, docs, defaults=defaults, payer_file=payer_file)
    print(json.dumps(report, indent=2))
    from service.resources import Resources

    Resources(settings).store().policies.bump()  # running workers pick the change up
    return 0


def _policy_files(paths: list[str]) -> list[Path]:
    """The given files; a folder stands for the policy documents under it."""
    from service.policies.documents import SUPPORTED_SUFFIXES

    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in SUPPORTED_SUFFIXES and p.name.lower() != "readme.md"
            )
        else:
            found.append(path)
    return found


def _read_policy(path: Path) -> bytes:
    from service.policies.documents import MAX_POLICY_BYTES

    try:
        if path.stat().st_size > MAX_POLICY_BYTES:  # refuse before reading it into memory
            raise InputTooLarge(f"{path.name} is larger than the policy size limit.", field="path")
        return path.read_bytes()
    except OSError as err:
        raise BadInput(f"cannot read {path.name}: {err.strerror}", field="path") from err


def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    for name, default, help_text in describe():
        print(f"{name} (default {default!r}): {help_text}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="overturn", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web service under gunicorn")
    serve.add_argument("--host", help="address to listen on (default OVERTURN_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default OVERTURN_PORT, 8000)")
    draft = sub.add_parser("draft", help="draft an appeal from a denial file (and a chart)")
    draft.add_argument("--denial", required=True, help="denial: pasted text or JSON; - for stdin")
    draft.add_argument("--chart", help="chart: notes as text, or JSON")
    draft.add_argument("--json", action="store_true", help="print the full result as JSON")
    draft.add_argument(
        "--no-llm-extract",
        action="store_true",
        help="with a model configured, draft with it but read the inputs with the parsers only",
    )
    index = sub.add_parser("index", help="build or update the policy index and report its size")
    index_sub = index.add_subparsers(dest="index_command")
    add = index_sub.add_parser(
        "add", help="add a practice's policy documents (Markdown, HTML, PDF) to the index"
    )
    add.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders of them")
    add.add_argument(
        "--payer", help="payer id or name, for documents that do not state their payer"
    )
    add.add_argument("--policy-id", help="policy_id, for documents that do not state it")
    add.add_argument("--title", help="title, for documents that do not state it")
    add.add_argument("--effective-date", help="YYYY-MM-DD the policy version took effect")
    add.add_argument("--version", dest="policy_version", help="version of the policy document")
    sub.add_parser("config", help="list every setting with its default and help")
    letter = sub.add_parser("letter", help="draft a letter of medical necessity")
    letter.add_argument(
        "--request",
        required=True,
        help="request JSON (patient, payer, service, diagnosis_codes, signer, ...); - for stdin",
    )
    letter.add_argument(
        "--chart", help="chart file (notes as text, or JSON); overrides the request's"
    )
    letter.add_argument(
        "--readiness",
        action="store_true",
        help="only check which of the payer's criteria the chart documents",
    )
    letter.add_argument("--json", action="store_true", help="print the full result as JSON")
    letter.add_argument("--docx", help="also write the released letter as DOCX to this path")
    letter.add_argument("--pdf", help="also write the released letter as PDF to this path")
    from service import cli_admin
    from service.evals import cli as evals_cli

    evals_cli.add_parser(sub)
    cli_admin.add_parsers(sub)
    return parser


def _load_request(args: argparse.Namespace) -> Any:
    from service.intake.necessity import parse_request

    raw = _read_arg_file(args.request, "request")
    if not isinstance(raw, dict):
        raise InvalidJSON("the request file must be a JSON object", field="request")
    if args.chart:
        chart = _read_arg_file(args.chart, "chart")
        raw["chart"] = chart.decode("utf-8", "replace") if isinstance(chart, bytes) else chart
    return raw, parse_request(raw)


def cmd_letter(args: argparse.Namespace, settings: Settings) -> int:
    from service.pipelines.necessity import check_readiness, submit_necessity
    from service.resources import Resources

    body, request = _load_request(args)
    res = Resources(settings)
    if args.readiness:
        report = check_readiness(request, settings=settings, retriever=res.retriever())
        if args.json:
            print(report.model_dump_json(indent=2))
        else:
            for c in report.criteria:
                detail = ", ".join(f.id for f in c.facts) if c.status == "met" else (c.need or "")
                print(f"{c.status.value:15} {c.id}  {detail}")
            for f in report.flags:
                print(f"flag {f.code} at {f.where}: {f.message}")
        return EXIT_RELEASED if report.ready else EXIT_HELD
    result = submit_necessity(body, res)
    if result.status.value == "released":
        from service.render import to_docx, to_pdf

        if args.docx:
            Path(args.docx).write_bytes(to_docx(result.letter, settings))
        if args.pdf:
            Path(args.pdf).write_bytes(to_pdf(result.letter, settings))
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        print(result.text)
        print(f"\n-- {result.status.value} --", file=sys.stderr)
        for p in result.report.problems:
            print(f"[{p.severity}] {p.code} at {p.where}: {p.message}", file=sys.stderr)
    return EXIT_RELEASED if result.status.value == "released" else EXIT_HELD


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from service.evals import cli as evals_cli

    return evals_cli.run(args)


COMMANDS = {
    "draft": cmd_draft,
    "serve": cmd_serve,
    "index": cmd_index,
    "config": cmd_config,
    "letter": cmd_letter,
    "eval": cmd_eval,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `overturn` console script."""
    from service import cli_admin

    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    commands = {**COMMANDS, **cli_admin.COMMANDS}
    try:
        return commands[args.command](args, settings)
    except OverturnError as err:
        problem = {"type": err.slug, "title": err.title, "status": err.status, "detail": err.detail}
        print(json.dumps(problem), file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
