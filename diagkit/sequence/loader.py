"""Reading sequence files: YAML or JSON, validated like profiles, every problem at once.

Problems come as ``file:line key: reason`` (:class:`InvalidSequenceError`, a
:class:`~diagkit.errors.ProfileError`, so the command line exits 2); the file's SHA-256 and
where each key was written are kept, for the reports and for problems found later against an
ECU's profile.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from pydantic import ValidationError

from diagkit.errors import ProfileError
from diagkit.profile.loader import parse_text, read_document
from diagkit.profile.problems import Path, Problem, Spot, listing
from diagkit.profile.report import problems_at, problems_from_validation
from diagkit.sequence.model import Sequence


class InvalidSequenceError(ProfileError):
    """A sequence file is invalid (or does not fit an ECU); ``problems`` lists every finding."""

    problems: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: (p.file, p.line or 0, str(p))))
        super().__init__(listing("sequence", self.problems))


@dataclass(frozen=True)
class LoadedSequence:
    """A validated sequence, the file it came from, its SHA-256, and where each key was written."""

    sequence: Sequence
    source: str
    sha256: str
    directory: FilePath
    locations: Mapping[Path, Spot] = field(default_factory=dict)

    def problems(self, findings: list[tuple[Path, str]]) -> list[Problem]:
        """``(path, message)`` findings as problems at the lines their paths were written."""
        return problems_at(findings, self.source, self.locations)


def load_sequence(path: str | FilePath) -> LoadedSequence:
    """Load and validate one sequence file; :class:`InvalidSequenceError` names every problem."""
    from diagkit.profile.problems import InvalidProfileError  # noqa: PLC0415

    file = FilePath(path)
    shown = str(path)
    try:
        document = read_document(file, shown)
    except InvalidProfileError as exc:
        raise InvalidSequenceError(exc.problems) from None
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    return _validate(document.data, document.locations, shown, digest, file.resolve().parent)


def parse_sequence(
    text: str, *, source: str = "<sequence>", json_format: bool = False
) -> LoadedSequence:
    """Validate a sequence given as YAML or JSON text (files it names are relative to the cwd)."""
    from diagkit.profile.problems import InvalidProfileError  # noqa: PLC0415

    try:
        document = parse_text(text, source, json_format=json_format)
    except InvalidProfileError as exc:
        raise InvalidSequenceError(exc.problems) from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return _validate(document.data, document.locations, source, digest, FilePath.cwd())


def _validate(
    data: Any, locations: Mapping[Path, Spot], shown: str, digest: str, directory: FilePath
) -> LoadedSequence:
    if not isinstance(data, Mapping):
        what = "empty" if data is None else f"a {type(data).__name__}"
        raise InvalidSequenceError(
            [Problem(shown, None, (), f"a sequence must be a mapping of keys, this is {what}")]
        )
    try:
        sequence = Sequence.model_validate(data)
    except ValidationError as exc:
        raise InvalidSequenceError(
            problems_from_validation(exc, shown, data, locations, Sequence)
        ) from None
    except RecursionError:
        raise InvalidSequenceError([Problem(shown, None, (), "nested too deeply")]) from None
    return LoadedSequence(sequence, shown, digest, directory, dict(locations))
