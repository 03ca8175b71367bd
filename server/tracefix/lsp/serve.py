"""The tracefix language server (DESIGN.md §1 step 8).

``main(argv)`` is what ``tracefix serve`` calls with its remaining arguments. The
server speaks LSP over stdio by default (``--tcp HOST:PORT`` for debugging clients
that connect over a socket). Heavy imports wait until the server actually starts so
that ``tracefix --help`` stays fast.
"""
from __future__ import annotations

import argparse
import logging
import sys


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tracefix serve", description="Run the tracefix language server.")
    p.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (the default)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead of stdio")
    p.add_argument("--log-file", metavar="PATH", help="write the server's own log to PATH")
    p.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                   help="level of the server's own log (default WARNING)")
    return p


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--tcp expects HOST:PORT (for example 127.0.0.1:2087), got {value!r}")
    return host, int(port)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # argparse already printed its one-line message
        return int(exc.code or 0) and 2
    address = None
    if args.tcp:
        try:
            address = _host_port(args.tcp)
        except ValueError as exc:
            print(f"tracefix serve: {exc}", file=sys.stderr)
            return 2
    if args.log_file:
        try:
            logging.basicConfig(filename=args.log_file, level=args.log_level,
                                format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        except OSError as exc:
            print(f"tracefix serve: cannot open log file: {exc}", file=sys.stderr)
            return 2
    else:
        # stdout is the protocol channel: the log may only ever go to stderr.
        logging.basicConfig(stream=sys.stderr, level=args.log_level, format="tracefix: %(levelname)s %(message)s")

    from tracefix.lsp.server import build_server

    server = build_server()
    if address:
        server.start_tcp(*address)
    else:
        server.start_io()
    return 0
