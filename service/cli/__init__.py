"""`overturn serve | draft | letter | index | eval | config`.

Exit codes of `overturn draft` and `overturn letter`: 0 released (or ready), 3 held (or not
ready), 2 bad input (a missing, unreadable or unusable file: one sentence on stderr), 1 a
service the command needs is unavailable (the policy index, the model).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from service.config import Settings, describe
from service.errors import BadInput, InputTooLarge, InvalidJSON, OverturnError

EXIT_RELEASED, EXIT_UNAVAILABLE, EXIT_BAD_INPUT, EXIT_HELD = 0, 1, 2, 3
FILE_HELP = "a path to a text, JSON or PDF file (scans are read by OCR), or - for stdin"


def _bars(args: argparse.Namespace) -> Any:
    from service.progress import terminal_bars

    return terminal_bars(not args.quiet)


def _say(args: argparse.Namespace, line: str) -> None:
    """A line for the person at the terminal (stderr), never for --quiet scripts."""
    if not args.quiet:
        print(line, file=sys.stderr)


def _read(path: str, field: str) -> Any:
    from service.intake.files import read_input_file

    return read_input_file(path, field=field)


def _resources(args: argparse.Namespace, settings: Settings) -> Any:
    from service.resources import Resources

    return Resources(settings, progress=_bars(args))


def _report(args: argparse.Namespace, result: Any) -> None:
    """The letter on stdout (or the whole result as JSON), its status and problems on stderr."""
    if args.json:
        print(result.model_dump_json(indent=2))
        return
    print(result.text or getattr(getattr(result, "triage", None), "rationale", ""))
    _say(args, f"\n-- {result.status.value} --")
    for p in result.report.problems:
        _say(args, f"[{p.severity}] {p.code} at {p.where}: {p.message}")


def _write_files(args: argparse.Namespace, result: Any, settings: Settings, fax: str) -> None:
    """The released letter as DOCX and PDF (a fax cover first on request); a held one is not."""
    wanted = [(args.docx, "docx"), (args.pdf, "pdf")]
    if not any(path for path, _ in wanted):
        return
    if result.status.value != "released" or result.letter is None:
        _say(args, "The letter is held, so no DOCX or PDF was written: fix the problems above.")
        return
    from service.render import CoverSheet, to_docx, to_pdf

    if args.docx:
        Path(args.docx).write_bytes(to_docx(result.letter, settings))
    if args.pdf:
        cover = CoverSheet(fax=fax) if args.fax_cover else None
        Path(args.pdf).write_bytes(to_pdf(result.letter, settings, cover=cover))


def cmd_draft(args: argparse.Namespace, settings: Settings) -> int:
    from service.pipelines.appeal import submit_appeal

    payload = {
        "denial": _read(args.denial, "denial"),
        "chart": _read(args.chart, "chart") if args.chart else None,
        "llm_extract": False if args.no_llm_extract else None,
    }
    result, _ = submit_appeal(payload, _resources(args, settings))
    _report(args, result)
    _write_files(args, result, settings, result.denial.appeal_instructions.fax or "")
    return EXIT_RELEASED if result.status.value == "released" else EXIT_HELD


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from service import server

    return server.run(settings, host=args.host, port=args.port)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    if getattr(args, "index_command", None) == "add":
        return cmd_index_add(args, settings)
    _say(args, f"Policy index in {settings.data_path} (built from the corpus on first use).")
    retriever = _resources(args, settings).retriever()
    print(json.dumps({"passages": retriever.count(), "corpus_version": retriever.corpus_version}))
    return 0


def cmd_index_add(args: argparse.Namespace, settings: Settings) -> int:
    from service.policies.documents import add_documents

    files = _policy_files(args.paths)
    bars = _bars(args)
    bar = bars(len(files), "Reading policy documents") if bars and len(files) > 1 else None
    docs = []
    for path in files:
        docs.append((str(path), _read_policy(path)))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    defaults = {
        "payer_id": args.payer,
        "policy_id": args.policy_id,
        "title": args.title,
        "effective_date": args.effective_date,
        "version": args.policy_version,
    }
    # through the retriever, so the shipped corpus is in the index before versions are compared
    res = _resources(args, settings)
    payer_file = settings.data_path / "payers.yaml"
    report = add_documents(res.policy_index(), docs, defaults=defaults, payer_file=payer_file)
    # bumps the index version (running workers follow it) and records the new payers and
    # policies in the index's manifest (the next local draft reads it)
    res.refresh_retriever()
    print(json.dumps(report, indent=2))
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

    if not path.exists():
        raise BadInput(f"The policy file {path} does not exist.", field="path")
    try:
        if path.stat().st_size > MAX_POLICY_BYTES:  # refuse before reading it into memory
            raise InputTooLarge(f"{path.name} is larger than the policy size limit.", field="path")
        return path.read_bytes()
    except OSError as err:
        reason = (err.strerror or "unreadable").lower()
        raise BadInput(f"The policy file {path} cannot be read: {reason}.", field="path") from err


def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    for name, default, help_text in describe():
        print(f"{name} (default {default!r}): {help_text}")
    return 0


def _files_options(parser: argparse.ArgumentParser) -> None:
    """--json, --docx, --pdf and --fax-cover: how a letter leaves the command."""
    parser.add_argument(
        "--json", action="store_true", help="print the whole result as JSON instead of the letter"
    )
    parser.add_argument(
        "--docx", metavar="PATH", help="also write the released letter as a Word file to PATH"
    )
    parser.add_argument(
        "--pdf", metavar="PATH", help="also write the released letter as a PDF to PATH"
    )
    parser.add_argument(
        "--fax-cover",
        action="store_true",
        help="with --pdf: put a fax cover sheet (no clinical detail) before the letter",
    )


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="overturn", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    quiet_help = "no progress bars or status lines on stderr (for scripts); errors still print"
    parser.add_argument("-q", "--quiet", action="store_true", help=quiet_help)
    # also accepted after the command (`overturn draft --quiet ...`); SUPPRESS keeps the
    # top-level value when it is not given there
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help=quiet_help
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser(
        "serve", parents=[common], help="run the web workspace and the API under gunicorn"
    )
    serve.add_argument("--host", help="address to listen on (default OVERTURN_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default OVERTURN_PORT, 8000)")
    _draft_parser(sub, common)
    _index_parser(sub, common)
    sub.add_parser("config", parents=[common], help="list every setting with its default and help")
    from service.cli import admin as cli_admin

    cli_admin.add_parsers(sub)
    letter = sub.add_parser(
        "letter", parents=[common], help="draft a letter of medical necessity from a request file"
    )
    letter.add_argument(
        "--request",
        required=True,
        metavar="FILE",
        help="a path to the request JSON (patient, payer, service, diagnosis_codes, signer, ...), "
        "or - for stdin",
    )
    letter.add_argument(
        "--chart", metavar="FILE", help=f"the chart, overriding the request's: {FILE_HELP}"
    )
    letter.add_argument(
        "--readiness",
        action="store_true",
        help="only check which of the payer's criteria the chart documents",
    )
    _files_options(letter)
    from service.evals import cli as evals_cli

    evals_cli.add_parser(sub, parents=[common])
    return parser


def _draft_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    draft = sub.add_parser(
        "draft", parents=[common], help="draft an appeal from a denial file (and a chart file)"
    )
    draft.add_argument("--denial", required=True, metavar="FILE", help=f"the denial: {FILE_HELP}")
    draft.add_argument(
        "--chart", metavar="FILE", help=f"the chart notes or chart JSON: {FILE_HELP}"
    )
    _files_options(draft)
    draft.add_argument(
        "--no-llm-extract",
        action="store_true",
        help="with a model configured, draft with it but read the inputs with the parsers only",
    )


def _index_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    index = sub.add_parser(
        "index", parents=[common], help="build or update the policy index and report its size"
    )
    index_sub = index.add_subparsers(dest="index_command", metavar="COMMAND")
    add = index_sub.add_parser(
        "add",
        parents=[common],
        help="add a practice's policy documents (Markdown, HTML, PDF) to the index",
    )
    add.add_argument("paths", nargs="+", metavar="PATH", help="policy files, or folders of them")
    add.add_argument(
        "--payer", help="payer id or name, for documents that do not state their payer"
    )
    add.add_argument("--policy-id", help="policy id, for documents that do not state it")
    add.add_argument("--title", help="title, for documents that do not state it")
    add.add_argument("--effective-date", help="YYYY-MM-DD the policy version took effect")
    add.add_argument("--version", dest="policy_version", help="version of the policy document")


def _load_request(args: argparse.Namespace) -> Any:
    from service.intake.necessity import parse_request

    raw = _read(args.request, "request")
    if not isinstance(raw, dict):
        raise InvalidJSON(
            f"The request file {args.request} is not a JSON object (see the README).",
            field="request",
        )
    if args.chart:
        chart = _read(args.chart, "chart")
        raw["chart"] = chart.decode("utf-8", "replace") if isinstance(chart, bytes) else chart
    return raw, parse_request(raw)


def cmd_letter(args: argparse.Namespace, settings: Settings) -> int:
    from service.pipelines.necessity import check_readiness, submit_necessity

    body, request = _load_request(args)
    res = _resources(args, settings)
    if args.readiness:
        report = check_readiness(request, settings=settings, retriever=res.draft_retriever())
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
    _report(args, result)
    _write_files(args, result, settings, "")
    return EXIT_RELEASED if result.status.value == "released" else EXIT_HELD


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from service.evals import cli as evals_cli

    if args.quiet:
        args.no_progress = True
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
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    from service.cli import admin as cli_admin

    commands = {**COMMANDS, **cli_admin.COMMANDS}
    try:
        return commands[args.command](args, settings)
    except OverturnError as err:
        # one plain sentence for the person or script that ran the command, never a dump
        print(f"overturn {args.command}: {err.detail}", file=sys.stderr)
        return EXIT_BAD_INPUT if err.status < 500 else EXIT_UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
