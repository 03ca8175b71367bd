"""Command line: ``tracefix debug FILE [--json]``, ``tracefix serve``, ``tracefix doctor``.

Exit codes (DESIGN.md §2): 0 all tests pass, 1 failures found, 2 usage or input error
(one line on stderr), 5 no tests exercise the file (as pytest's "no tests collected").
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from tracefix import __version__
from tracefix import settings_schema as schema


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, as the contract says
        self.exit(2, f"tracefix: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tracefix", description="Trace your tests block by block, find the bug, propose a checked fix.")
    parser.add_argument("--version", action="version", version=f"tracefix {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    debug = sub.add_parser("debug", help="debug one Python file")
    debug.add_argument("file")
    debug.add_argument("--test", help="debug only this pytest node id, relative to the project root or the "
                                       "current folder (e.g. tests/test_stats.py::test_mean)")
    debug.add_argument("--tests", action="append", default=None, metavar="GLOB",
                       help="where the project's tests are (relative to the project root; repeatable; "
                            "default: pytest's own configuration)")
    debug.add_argument("--max-tests", type=int, default=None,
                       help=f"tests run per debug run ({schema.summary('maxTests')})")
    debug.add_argument("--python", default="",
                       help="interpreter that runs the code (default: the project's .venv/venv, else this one)")
    debug.add_argument("--timeout", type=float, default=None,
                       help=f"seconds for one test run ({schema.summary('timeoutSeconds')})")
    debug.add_argument("--precision", type=float, default=None,
                       help=f"higher shows fewer, surer fixes ({schema.summary('precision')})")
    debug.add_argument("--no-repair", action="store_true", help="trace and localize only")
    debug.add_argument("--repair-seconds", type=float, default=None,
                       help=f"time budget for the fix search ({schema.summary('repairSeconds')})")
    debug.add_argument("--all", action="store_true", help="also print suggestions that would be held back")
    debug.add_argument("--json", action="store_true", help="print the schema-1 JSON report")
    debug.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    llm = debug.add_argument_group("LLM (optional; code is sent to the endpoint you name)")
    llm.add_argument("--llm", action="store_true", help="also ask an OpenAI-compatible model")
    llm.add_argument("--base-url", default=None, help="endpoint (default $TRACEFIX_LLM_BASE_URL)")
    llm.add_argument("--model", default=None, help="model name (default $TRACEFIX_LLM_MODEL)")
    llm.add_argument("--api-key-env", default=None,
                     help=f"name of the env var holding the key ({schema.summary('llm.apiKeyEnvVar')})")

    serve = sub.add_parser("serve", help="run the language server (stdio by default)", add_help=False)
    serve.add_argument("rest", nargs=argparse.REMAINDER)

    doctor = sub.add_parser("doctor", help="print interpreter, tracer backend and sandbox protections")
    doctor.add_argument("file", nargs="?", default="", help="also show the project this file belongs to")
    doctor.add_argument("--python", default="", help="interpreter to check (default: the project's, else this one)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        from tracefix.lsp.serve import main as serve_main

        return serve_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "doctor":
        from tracefix.doctor import main as doctor_main

        return doctor_main(args.file, args.python)
    return run_debug(args)


def settings_from_args(args: argparse.Namespace):
    from dataclasses import replace

    from tracefix.config import LLMSettings, Settings

    values = {"python": args.python}
    for key, value in (("timeout", args.timeout), ("precision", args.precision),
                       ("repair_seconds", args.repair_seconds), ("max_tests", args.max_tests), ("tests", args.tests)):
        if value is not None:
            values[key] = value
    if args.no_repair:
        values["repair"] = False
    settings, problems = Settings.from_mapping(values)
    llm = LLMSettings.from_env(base_url=args.base_url, model=args.model, api_key_env=args.api_key_env)
    if args.llm:
        if not llm.base_url or not llm.model:
            problems.append("--llm needs --base-url and --model (or TRACEFIX_LLM_BASE_URL / TRACEFIX_LLM_MODEL)")
        llm = replace(llm, enabled=True)
    return replace(settings, llm=llm), problems


def run_debug(args: argparse.Namespace) -> int:
    from tracefix import engine, render
    from tracefix.model import to_json

    if not os.path.isfile(args.file):
        print(f"tracefix: no such file: {args.file}", file=sys.stderr)
        return 2
    settings, problems = settings_from_args(args)
    if problems:
        print(f"tracefix: {problems[0]}", file=sys.stderr)
        return 2
    try:
        text = engine.read_source(args.file)
    except OSError as exc:
        print(f"tracefix: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    progress = render.progress_printer(sys.stderr) if not args.json and sys.stderr.isatty() else None
    report = engine.debug(engine.Request(path=args.file, text=text, test=args.test, settings=settings),
                          progress=progress)
    if progress is not None:
        sys.stderr.write("\r\033[K")
    if report.no_tests:
        print(f"tracefix: {report.error}", file=sys.stderr)
        if args.json:
            json.dump(to_json(report), sys.stdout, indent=2)
            sys.stdout.write("\n")
        return 5
    if report.error and not report.tests:
        print(f"tracefix: {report.error}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(to_json(report), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
        sys.stdout.write(render.human(report, color=color, show_all=args.all))
    return 1 if report.failing else 0


if __name__ == "__main__":
    raise SystemExit(main())
