"""What is wrong with a profile, as data: one :class:`Problem` per finding, all raised together."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from diagkit.errors import ProfileError

Path = tuple[str | int, ...]


def path_text(path: Path) -> str:
    """``("dids", 2, "codec")`` -> ``dids[2].codec`` (how a user finds it in the file)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


class Spot(NamedTuple):
    """Where a value was written: file, 1-based line, and an integer's text when given in hex."""

    file: str
    line: int
    text: str | None = None


@dataclass(frozen=True)
class Problem:
    """One finding: where (file, 1-based line when known, field path) and what, in user terms."""

    file: str
    line: int | None
    path: Path
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = path_text(self.path)
        return f"{where} {field}: {self.message}" if field else f"{where}: {self.message}"


class InvalidProfileError(ProfileError):
    """A profile is invalid; ``problems`` lists every finding, the message shows them one a line."""

    problems: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=_order))
        super().__init__(listing("profile", self.problems))


def listing(kind: str, problems: tuple[Problem, ...]) -> str:
    """``invalid KIND FILES (N problems):``, then each problem on a line of its own."""
    head = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
    files = sorted({p.file for p in problems})
    return f"invalid {kind} {', '.join(files)} ({head}):\n" + "\n".join(f"  {p}" for p in problems)


def _order(problem: Problem) -> tuple[str, int, str]:
    return (problem.file, problem.line or 0, path_text(problem.path))


class SubfieldError(ValueError):
    """Raised inside a model validator to report findings on several sub-fields at once."""

    def __init__(self, findings: Sequence[tuple[Path, str]]) -> None:
        self.findings = tuple(findings)
        super().__init__("; ".join(f"{path_text(p)}: {m}" for p, m in self.findings))


def raise_findings(findings: Sequence[tuple[Path, str]]) -> None:
    """Raise :class:`SubfieldError` when ``findings`` is not empty."""
    if findings:
        raise SubfieldError(findings)
