"""What ``diagkit run`` shows while it runs: a live table per ECU on a terminal, lines when piped.

The table (rich) has a row per ECU: the step it is on, how many passed and failed, and a bar
while it flashes. Piped, each finished step is one line ``ECU [n/N] step: verdict measured``.
Both are fed by the runner's threads and lock themselves.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, TextIO

from diagkit.sequence.result import EcuResult, StepResult


def _short(step: StepResult) -> str:
    shown = "" if step.measured is None else f" {step.measured}"
    unit = f" {step.unit}" if step.unit and step.measured is not None else ""
    text = f"{shown}{unit}"
    if step.verdict == "failed":
        text += f" ({step.message})"
    return text if len(text) <= 120 else text[:117] + "..."


class LineDisplay:
    """One line per finished step and per finished ECU, for logs and pipes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def _print(self, text: str) -> None:
        with self.lock:
            print(text, file=self.stream, flush=True)

    def ecu_started(self, ecu: str, steps: int) -> None:
        self.counts[ecu] = steps

    def step_started(self, ecu: str, index: int, step: StepResult) -> None:
        pass

    def progress(self, ecu: str, done: int, total: int) -> None:
        pass

    def step_finished(self, ecu: str, index: int, step: StepResult) -> None:
        total = self.counts.get(ecu, 0)
        self._print(f"{ecu} [{index + 1}/{total}] {step.name}: {step.verdict}{_short(step)}")

    def ecu_finished(self, ecu: str, result: EcuResult) -> None:
        if result.error is not None:
            self._print(f"{ecu}: error: {result.error.get('message', '')}")
        verdict = "PASSED" if result.passed else "FAILED"
        failed = ", ".join(s.name for s in result.failed)
        self._print(
            f"{ecu}: {verdict} in {result.duration:.2f} s" + (f" ({failed})" if failed else "")
        )

    def __enter__(self) -> LineDisplay:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        pass


class LiveDisplay:
    """A live rich table, a row per ECU, redrawn a few times a second."""

    def __init__(self, stream: TextIO, ecus: list[str]) -> None:
        from rich.console import Console  # noqa: PLC0415 (only on a terminal)
        from rich.live import Live  # noqa: PLC0415

        self.lock = threading.Lock()
        self.rows: dict[str, dict[str, Any]] = {
            ecu: {"steps": 0, "at": 0, "step": "waiting", "passed": 0, "failed": 0, "bar": None}
            for ecu in ecus
        }
        self.console = Console(file=stream)
        self.live = Live(self._table(), console=self.console, refresh_per_second=8)

    def _table(self) -> Any:
        from rich.progress_bar import ProgressBar  # noqa: PLC0415
        from rich.table import Table  # noqa: PLC0415

        table = Table(expand=False)
        for column in ("ECU", "step", "now", "passed", "failed", "flash"):
            table.add_column(column)
        with self.lock:
            for ecu, row in self.rows.items():
                bar = row["bar"]
                table.add_row(
                    ecu,
                    f"{row['at']}/{row['steps']}",
                    str(row["step"]),
                    str(row["passed"]),
                    f"[red]{row['failed']}[/red]" if row["failed"] else "0",
                    ProgressBar(total=bar[1], completed=bar[0], width=20) if bar else "",
                )
        return table

    def _update(self) -> None:
        self.live.update(self._table())

    def ecu_started(self, ecu: str, steps: int) -> None:
        with self.lock:
            self.rows[ecu]["steps"] = steps
            self.rows[ecu]["step"] = "opening"
        self._update()

    def step_started(self, ecu: str, index: int, step: StepResult) -> None:
        with self.lock:
            self.rows[ecu].update(at=index + 1, step=step.name, bar=None)
        self._update()

    def progress(self, ecu: str, done: int, total: int) -> None:
        with self.lock:
            self.rows[ecu]["bar"] = (done, total)
        self._update()

    def step_finished(self, ecu: str, index: int, step: StepResult) -> None:
        with self.lock:
            row = self.rows[ecu]
            if step.verdict in ("passed", "failed"):
                row[step.verdict] += 1
        if step.verdict == "failed":
            self.live.console.print(f"[red]{ecu}[/red] {step.name}: failed{_short(step)}")
        self._update()

    def ecu_finished(self, ecu: str, result: EcuResult) -> None:
        with self.lock:
            self.rows[ecu]["step"] = (
                "[green]PASSED[/green]" if result.passed else "[red]FAILED[/red]"
            )
            self.rows[ecu]["bar"] = None
        self._update()

    def __enter__(self) -> LiveDisplay:
        self.live.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._update()
        self.live.stop()
