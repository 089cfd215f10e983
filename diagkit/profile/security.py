"""The ``security:`` section: SecurityAccess (0x27) levels, their algorithm and its parameters.

The profile only names the algorithm; it is looked up when used, through the resolver given to
:func:`~diagkit.profile.compile.udsoncan_config`. Key material can stay out of the file:
``key_env: NAME`` reads it from the environment when the key is computed, never earlier, and it
is never logged or dumped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from diagkit.errors import ConfigurationError, SecurityAccessError
from diagkit.profile.problems import raise_findings
from diagkit.profile.uds import Session
from diagkit.profile.values import Byte

ParamValue = str | int | float | bool
ENV_NAME_PATTERN = r"^[^=\s]+$"
KEY_PARAM = "key"


class Secret:
    """A string that never shows itself in ``repr``/``str`` (so logs and tracebacks stay clean)."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        self._value = value
        self.source = source

    def reveal(self) -> str:
        """The secret text; call only where the key is computed."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret(from {self.source}, hidden)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class SecurityLevel(BaseModel):
    """One security level: ``level`` is the odd requestSeed sub-function (sendKey is level + 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: Byte = Field(description="requestSeed sub-function: odd, 0x01-0x7D")
    algorithm: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="registered name of the seed-to-key algorithm"
    )
    params: dict[str, ParamValue] = Field(
        default_factory=dict, description="parameters handed to the algorithm"
    )
    key_env: Annotated[str, Field(pattern=ENV_NAME_PATTERN)] | None = Field(
        default=None, description="environment variable holding the key material (params.key)"
    )
    session: Session | None = Field(
        default=None, description="session in which the level is unlocked"
    )
    name: str = ""

    @model_validator(mode="after")
    def _check(self) -> SecurityLevel:
        findings: list[tuple[tuple[str | int, ...], str]] = []
        if self.level % 2 == 0 or not 0x01 <= self.level <= 0x7D:
            findings.append(
                (
                    ("level",),
                    f"{self.level:#04x} is not a requestSeed sub-function (odd, 0x01-0x7D); "
                    "give the odd level, the sendKey level is level + 1",
                )
            )
        if self.key_env is not None and KEY_PARAM in self.params:
            findings.append(
                (("key_env",), "params.key is already set; keep key material in one place")
            )
        raise_findings(findings)
        return self

    def resolved_params(self, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The algorithm's parameters, with ``key`` as a :class:`Secret` read from ``key_env``."""
        params: dict[str, Any] = dict(self.params)
        if self.key_env is not None:
            env = os.environ if environ is None else environ
            value = env.get(self.key_env)
            if value is None or value == "":
                raise ConfigurationError(
                    f"security level {self.level:#04x} takes its key from the environment "
                    f"variable {self.key_env}, which is not set; export {self.key_env}=... "
                    "before running"
                )
            params[KEY_PARAM] = Secret(value, f"${self.key_env}")
        return params


SecurityAlgorithm = Callable[[int, bytes, Mapping[str, Any]], bytes]
"""``algorithm(level, seed, params) -> key`` (the order udsoncan uses)."""
AlgorithmResolver = Callable[[str], SecurityAlgorithm]
"""Looks an algorithm up by its registered name."""


class SecurityDispatcher:
    """udsoncan's ``security_algo``: picks the profile's level, resolves its algorithm and key.

    udsoncan calls it with keyword arguments ``level``, ``seed`` and ``params``; the level may
    be the odd (requestSeed) or even (sendKey) one. ``params`` other than None (a caller's
    override for one unlock) replace the level's own. Resolution happens on each call, so an
    unset key variable or unknown algorithm fails at unlock time with a clear message.
    """

    def __init__(
        self,
        levels: tuple[SecurityLevel, ...],
        resolver: AlgorithmResolver | None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._levels = {level.level: level for level in levels}
        self._resolver = resolver
        self._environ = environ

    def __call__(self, level: int, seed: bytes, params: Any = None) -> bytes:
        odd = level if level % 2 else level - 1
        entry = self._levels.get(odd)
        if entry is None:
            known = ", ".join(f"{lv:#04x}" for lv in sorted(self._levels)) or "none"
            raise SecurityAccessError(
                f"security level {level:#04x} is not in the profile (levels: {known})"
            )
        if self._resolver is None:
            raise SecurityAccessError(
                f"no algorithm resolver was given to look up {entry.algorithm!r} "
                f"(security level {odd:#04x})"
            )
        algorithm = self._resolver(entry.algorithm)
        if params is None:
            params = entry.resolved_params(self._environ)
        return algorithm(odd, bytes(seed), params)

    def __repr__(self) -> str:
        levels = ", ".join(f"{lv:#04x}" for lv in sorted(self._levels))
        return f"SecurityDispatcher(levels=[{levels}])"
