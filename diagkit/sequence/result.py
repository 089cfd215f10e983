"""What a run found: a verdict per step of every ECU, with measured values, limits and timings.

Verdicts: ``passed``; ``failed`` (an expectation not met, a negative response, no answer, a
broken channel); ``skipped`` (``only:`` leaves the ECU out, or an earlier step failed);
``unfinished`` (the run was stopped before or during the step). A step's measured value is
recorded whether or not it has an expectation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["passed", "failed", "skipped", "unfinished"]


@dataclass
class StepResult:
    """One step on one ECU."""

    name: str
    action: str
    verdict: Verdict = "unfinished"
    started: str | None = None
    """UTC start time, ISO 8601; None when the step never started."""
    duration: float = 0.0
    measured: Any = None
    """The decoded value (hex text for bytes), or None when nothing was measured."""
    raw: str | None = None
    """The bytes behind ``measured`` as spaced hex."""
    unit: str = ""
    expected: dict[str, Any] = field(default_factory=dict)
    """The step's expectation with variables and units resolved (``min``/``max`` as numbers)."""
    message: str = ""
    """Why the step failed, was skipped or is unfinished."""
    error: dict[str, Any] | None = None
    """The error that failed it: type, message, and the NRC by number and name, or the timer."""
    attempts: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    """What else the step did: preconditions reached, a flash's blocks and throughput."""
    applies: bool = True
    """False when ``only:`` leaves this ECU out (left out of the JUnit report)."""

    @property
    def finished(self) -> bool:
        """True when the step ran to a verdict of its own (passed or failed)."""
        return self.verdict in ("passed", "failed")


@dataclass
class EcuResult:
    """Every step of the sequence on one ECU, in order."""

    name: str
    ecu: dict[str, Any]
    steps: list[StepResult]
    profile_sha256: str
    started: str | None = None
    duration: float = 0.0
    error: dict[str, Any] | None = None
    """Why the ECU could not be reached at all (its steps are then failed or unfinished)."""

    @property
    def passed(self) -> bool:
        """True when no step failed and none is unfinished."""
        return all(s.verdict in ("passed", "skipped") for s in self.steps) and self.error is None

    @property
    def failed(self) -> list[StepResult]:
        """The steps that failed."""
        return [s for s in self.steps if s.verdict == "failed"]


@dataclass
class SequenceResult:
    """A whole run: the sequence, what it ran on, the variables, and a result per ECU."""

    sequence: str
    sequence_source: str
    sequence_sha256: str
    profile_source: str
    profile_sha256: str
    variables: dict[str, Any]
    tool_version: str
    started: str
    duration: float = 0.0
    ecus: list[EcuResult] = field(default_factory=list)
    interrupted: bool = False
    simulated: bool = False

    @property
    def passed(self) -> bool:
        """True when every step of every ECU passed (or was left out by ``only:``)."""
        return not self.interrupted and all(ecu.passed for ecu in self.ecus)

    @property
    def exit_code(self) -> int:
        """0 all passed, 1 a step failed, 130 interrupted (the command line's codes)."""
        from diagkit.cli.exitcodes import ExitCode  # noqa: PLC0415

        if self.interrupted:
            return int(ExitCode.INTERRUPTED)
        return int(ExitCode.OK if self.passed else ExitCode.CHECK_FAILED)
