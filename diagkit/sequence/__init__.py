"""End-of-line and bench sequences: named steps run on many ECUs at once, with reports.

:func:`load_sequence` validates a sequence file (every problem at once, with file:line);
:func:`run_sequence` runs it on a profile's ECU or a bench's ECUs in parallel and returns a
:class:`SequenceResult`; :mod:`diagkit.sequence.reports` writes JUnit XML and JSON.
"""

from __future__ import annotations

from diagkit.sequence.loader import (
    InvalidSequenceError,
    LoadedSequence,
    load_sequence,
    parse_sequence,
)
from diagkit.sequence.model import Expect, Sequence, Step
from diagkit.sequence.result import EcuResult, SequenceResult, StepResult
from diagkit.sequence.runner import Observer, run_sequence

__all__ = [
    "EcuResult",
    "Expect",
    "InvalidSequenceError",
    "LoadedSequence",
    "Observer",
    "Sequence",
    "SequenceResult",
    "Step",
    "StepResult",
    "load_sequence",
    "parse_sequence",
    "run_sequence",
]
