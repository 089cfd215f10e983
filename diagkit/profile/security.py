"""The ``security:`` section: SecurityAccess (0x27) levels, their algorithm and its parameters.

The algorithm's name and parameters are checked at load against the algorithm registry
(:mod:`diagkit.security`): an unknown name is refused naming the closest known one, and the
parameters are validated with the algorithm's ``Params`` model (and kept in its normal form,
e.g. a mask as ``0x...`` text). The algorithm itself is called only when a key is computed,
through the resolver given to :func:`~diagkit.profile.compile.udsoncan_config`. Key material
can stay out of the file:
``key_env: NAME`` reads it from the environment when the key is computed, never earlier, and it
is never logged or dumped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from diagkit import security as registry
from diagkit.errors import ConfigurationError, SecurityAccessError
from diagkit.profile.problems import Path, SubfieldError, raise_findings
from diagkit.profile.uds import Session
from diagkit.profile.values import FROZEN, Byte

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

    model_config = FROZEN

    level: Byte = Field(description="requestSeed sub-function: odd, 0x01-0x7D")
    algorithm: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="registered name of the seed-to-key algorithm (diagkit.security)"
    )
    key_env: Annotated[str, Field(pattern=ENV_NAME_PATTERN)] | None = Field(
        default=None, description="environment variable holding the key material (params.key)"
    )
    params: dict[str, ParamValue] = Field(
        default_factory=dict,
        description="parameters handed to the algorithm, as its Params model declares them",
    )
    session: Session | None = Field(
        default=None, description="session in which the level is unlocked"
    )
    name: str = ""

    @field_validator("level")
    @classmethod
    def _request_seed_level(cls, level: int) -> int:
        if level % 2 == 0 or not 0x01 <= level <= 0x7D:
            raise ValueError(
                f"{level:#04x} is not a requestSeed sub-function (odd, 0x01-0x7D); "
                "give the odd level, the sendKey level is level + 1"
            )
        return level

    @field_validator("algorithm")
    @classmethod
    def _known_algorithm(cls, name: str) -> str:
        try:
            registry.get(name)
        except SecurityAccessError as exc:
            raise ValueError(str(exc)) from None
        return name

    @field_validator("params")
    @classmethod
    def _algorithm_params(
        cls, params: dict[str, ParamValue], info: ValidationInfo
    ) -> dict[str, ParamValue]:
        name = info.data.get("algorithm")
        if name is None or not params:
            return params  # the algorithm's problem, or no params: checked with the level
        return _checked_params(name, params, info.data.get("key_env") is not None, ())

    @model_validator(mode="after")
    def _check(self) -> SecurityLevel:
        findings: list[tuple[Path, str]] = []
        if self.key_env is not None and KEY_PARAM in self.params:
            findings.append(
                (("key_env",), "params.key is already set; keep key material in one place")
            )
        if not self.params:
            try:
                _checked_params(self.algorithm, self.params, self.key_env is not None, ("params",))
            except SubfieldError as exc:
                findings += exc.findings
        try:
            model = registry.params_model(self.algorithm)
        except TypeError:
            model = None  # reported at params
        if self.key_env is not None and model is not None and KEY_PARAM not in model.model_fields:
            takes = ", ".join(model.model_fields) or "none"
            findings.append(
                (
                    ("key_env",),
                    f"{self.algorithm} takes no key (its parameters: {takes}); remove key_env",
                )
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


def _checked_params(
    algorithm: str, params: dict[str, ParamValue], key_from_env: bool, under: Path
) -> dict[str, ParamValue]:
    """``params`` validated by the algorithm's ``Params`` model, in its normal form.

    SubfieldError (paths prefixed with ``under``) names each problem; values the model
    writes as plain JSON scalars replace the written ones (a mask ``0x...``, not a decimal).
    """
    try:
        model = registry.params_model(algorithm)
    except TypeError as exc:
        raise SubfieldError([(under, str(exc))]) from None
    if model is None:
        return params
    try:
        checked = model.model_validate(params, context={registry.KEY_FROM_ENV: key_from_env})
    except ValidationError as exc:
        findings = _param_findings(exc, params, model)
        raise SubfieldError([((*under, *path), message) for path, message in findings]) from None
    normal = checked.model_dump(mode="json", include=set(params))
    return {
        key: normal[key] if isinstance(normal.get(key), str | int | float | bool) else value
        for key, value in params.items()
    }


def _param_findings(
    exc: ValidationError, params: Mapping[str, object], model: type[BaseModel]
) -> list[tuple[Path, str]]:
    """The algorithm's complaints about ``params``, in profile terms (closest key named)."""
    from diagkit.profile.report import problems_from_validation  # noqa: PLC0415 (cycle)

    return [(p.path, p.message) for p in problems_from_validation(exc, "", params, None, model)]


class LevelParams(Mapping[str, Any]):
    """A level's algorithm parameters, its ``key_env`` key read when the algorithm asks for it.

    Opening a client never needs the key: only an unlock of this level does, so an unset
    variable fails then, naming itself (a :class:`~diagkit.errors.ConfigurationError`).
    """

    def __init__(self, level: SecurityLevel, environ: Mapping[str, str] | None = None) -> None:
        self._level = level
        self._environ = environ

    def _resolved(self) -> dict[str, Any]:
        return self._level.resolved_params(self._environ)

    def __getitem__(self, key: str) -> Any:
        if key == KEY_PARAM and self._level.key_env is not None:
            return self._resolved()[key]
        return self._level.params[key]

    def __iter__(self) -> Iterator[str]:
        keys = list(self._level.params)
        if self._level.key_env is not None:
            keys.append(KEY_PARAM)
        return iter(keys)

    def __len__(self) -> int:
        return len(self._level.params) + (self._level.key_env is not None)

    def __repr__(self) -> str:  # never the key itself
        shown = dict(self._level.params)
        if self._level.key_env is not None:
            shown[KEY_PARAM] = f"${self._level.key_env}"
        return f"LevelParams({shown!r})"
