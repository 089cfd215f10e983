"""What a command prints: one JSON document with ``--json``, else lines (a table on a terminal).

With ``--json`` nothing but the document goes to stdout: values decoded (with their units) and
raw in hex, timings, the ECU, and on failure the error with its exit code, the NRC by number and
ISO name, or the timer that expired. Without it, output is for people: a table when stdout is a
terminal, ``name = value`` lines when piped, errors as ``error: ...`` on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from diagkit.cli.exitcodes import ExitCode, exit_code


class Output:
    """Collects a command's results and prints them once, in the form the caller asked for."""

    def __init__(
        self, command: str, *, json_mode: bool, verbose: int = 0, stream: TextIO | None = None
    ) -> None:
        self.command = command
        self.json_mode = json_mode
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.document: dict[str, Any] = {"command": command, "ok": True}
        self._rows: list[tuple[str, ...]] = []
        self._columns: tuple[str, ...] = ()
        self._lines: list[str] = []
        self._start = time.monotonic()

    # -- what commands report ----------------------------------------------------------------

    def set(self, key: str, value: Any) -> None:
        """A top-level field of the JSON document (``ecu``, ``steps``...)."""
        self.document[key] = value

    def add(self, key: str, item: Any) -> None:
        """Append ``item`` to the JSON list ``key`` (``results``, ``dtcs``...)."""
        self.document.setdefault(key, []).append(item)

    def columns(self, *names: str) -> None:
        """The table's columns for people (JSON output ignores the table)."""
        self._columns = names

    def row(self, *cells: str) -> None:
        """A table row for people; piped, it prints as a ``first = rest`` line."""
        self._rows.append(cells)

    def line(self, text: str) -> None:
        """A line for people (JSON output ignores it)."""
        self._lines.append(text)

    def step(self, text: str) -> None:
        """A step taken to reach a precondition: in JSON ``steps``, and with ``-v`` on stderr."""
        self.add("steps", text)
        if self.verbose and not self.json_mode:
            print(f"step: {text}", file=sys.stderr)

    # -- the end -------------------------------------------------------------------------------

    def fail(self, exc: BaseException) -> ExitCode:
        """Record ``exc`` as the command's failure; returns its exit code."""
        code = exit_code(exc)
        self.document["ok"] = False
        self.document["error"] = describe_error(exc, code)
        if not self.json_mode:
            print(f"error: {exc}", file=sys.stderr)
        return code

    def check_failed(self, reason: str) -> ExitCode:
        """A check (``--fail-on``) did not pass: exit code 1, the reason in ``error``."""
        self.document["ok"] = False
        self.document["error"] = {
            "type": "CheckFailed",
            "message": reason,
            "exit_code": int(ExitCode.CHECK_FAILED),
        }
        if not self.json_mode:
            print(f"check failed: {reason}", file=sys.stderr)
        return ExitCode.CHECK_FAILED

    def finish(self) -> None:
        """Print everything collected, once."""
        self.document["elapsed_ms"] = round((time.monotonic() - self._start) * 1000.0, 1)
        if self.json_mode:
            json.dump(self.document, self.stream, indent=2, default=_json_default)
            self.stream.write("\n")
            self.stream.flush()
            return
        if self._rows:
            self._print_rows(self._rows)
        for text in self._lines:
            print(text, file=self.stream)

    def _print_rows(self, rows: Sequence[tuple[str, ...]]) -> None:
        if self.stream.isatty():
            from rich.console import Console  # noqa: PLC0415 (only on a terminal)
            from rich.table import Table  # noqa: PLC0415

            table = Table()
            for name in self._columns or tuple(f"{i}" for i in range(len(rows[0]))):
                table.add_column(name)
            for cells in rows:
                table.add_row(*cells)
            Console(file=self.stream, highlight=False).print(table)
            return
        for cells in rows:
            first, *rest = cells
            print(f"{first} = {' '.join(c for c in rest if c)}", file=self.stream)


def reported(
    args: argparse.Namespace, command: str, body: Callable[[Output], ExitCode | None]
) -> int:
    """Run ``body`` with the command's :class:`Output`, print it once; errors become exit codes.

    A diagkit error or Ctrl-C is recorded in the output (``--debug`` re-raises diagkit errors
    with their traceback); what ``body`` returns is the exit code (None: success).
    """
    from diagkit.errors import DiagkitError  # noqa: PLC0415

    out = Output(command, json_mode=args.json, verbose=args.verbose)
    code: ExitCode | None
    try:
        code = body(out)
    except DiagkitError as exc:
        if args.debug:
            raise
        code = out.fail(exc)
    except KeyboardInterrupt as exc:
        code = out.fail(exc)
    out.finish()
    return int(code or ExitCode.OK)


def describe_error(exc: BaseException, code: ExitCode) -> dict[str, Any]:
    """The JSON form of an error: type, message, exit code, and the NRC or timer if any."""
    error: dict[str, Any] = {
        "type": type(exc).__name__,
        "message": str(exc),
        "exit_code": int(code),
    }
    service = getattr(exc, "service", None)
    if isinstance(service, int):
        error["service"] = service
        name = getattr(exc, "service_name", None)
        if isinstance(name, str):
            error["service_name"] = name
    nrc = getattr(exc, "nrc", None)
    if isinstance(nrc, int):
        error["nrc"] = int(nrc)
        error["nrc_hex"] = f"0x{int(nrc):02X}"
        name = getattr(exc, "nrc_name", None)
        if isinstance(name, str):
            error["nrc_name"] = name
    timer = getattr(exc, "timer", None)
    if isinstance(timer, str):
        error["timer"] = timer
        timeout = getattr(exc, "timeout", None)
        if isinstance(timeout, int | float):
            error["timeout_s"] = timeout
    errno = getattr(exc, "errno", None)
    if isinstance(errno, int) and errno:
        error["errno"] = errno
    return error


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex(" ")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)
