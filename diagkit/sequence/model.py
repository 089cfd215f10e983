"""What a sequence file says, as frozen pydantic models: variables and named steps of one action.

A step is ``{name: ..., ACTION: ...}`` with exactly one action key (:data:`ACTIONS`) and
optional ``expect``, ``timeout``, ``retries``, ``retry_delay``, ``continue_on_failure`` and
``only``. Which ``expect`` keys an action takes is checked here; whether the names exist in an
ECU's profile is checked by :func:`diagkit.sequence.check.check_against` before anything is sent.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from diagkit.profile.catalogue import Name, Reference
from diagkit.profile.problems import Path, raise_findings
from diagkit.profile.values import Byte, Count, Seconds

Scalar = str | int | float | bool
Limit = Annotated[
    int | float | str,
    Field(description="a number, optionally with the DID's unit: 800, 800rpm, 13.5 V"),
]
VARIABLE = re.compile(r"\$\{([^}]*)\}")
"""``${name}`` in any text of a step is replaced by the variable's value."""

ACTIONS = (
    "session",
    "unlock",
    "read",
    "write",
    "routine",
    "dtc",
    "wait",
    "flash",
    "send",
    "reset",
)
EXPECTS: dict[str, frozenset[str]] = {
    "read": frozenset({"equals", "regex", "min", "max"}),
    "routine": frozenset({"result"}),
    "send": frozenset({"response"}),
}
"""The ``expect`` keys each action takes; the other actions take none."""

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Expect(BaseModel):
    """What a step's measured value must be; a step without one passes when the ECU answers."""

    model_config = _FROZEN

    equals: Scalar | None = Field(default=None, description="the decoded value, exactly")
    regex: str | None = Field(
        default=None, description="a regular expression the value's text must contain"
    )
    min: Limit | None = Field(default=None, description="lowest value allowed (inclusive)")
    max: Limit | None = Field(default=None, description="highest value allowed (inclusive)")
    result: str | None = Field(
        default=None, description="the routine's status record, as hex (00 or 01 A2)"
    )
    response: str | None = Field(
        default=None,
        description="regular expression the whole answer must match, as spaced hex: 62 F1 90 .*",
    )

    @model_validator(mode="after")
    def _check(self) -> Expect:
        findings: list[tuple[Path, str]] = []
        for key in ("regex", "response"):
            pattern = getattr(self, key)
            if pattern is not None:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    findings.append(((key,), f"not a regular expression: {exc}"))
        if not self.given():
            findings.append(((), "says nothing: give equals, regex, min, max, result or response"))
        raise_findings(findings)
        return self

    def given(self) -> list[str]:
        """The keys set, in the order of the fields."""
        return [key for key in type(self).model_fields if getattr(self, key) is not None]


class RoutineAction(BaseModel):
    """RoutineControl (0x31) of a routine the profile names (or an id)."""

    model_config = _FROZEN

    id: Reference = Field(description="routine name from the profile, or its id")
    action: Literal["start", "stop", "result"] = "start"
    data: str = Field(default="", description="routineControlOptionRecord as hex")


class DtcAction(BaseModel):
    """ReadDTCInformation 0x19 0x02; ``fail_on`` makes stored DTCs of that kind a failure."""

    model_config = _FROZEN

    fail_on: Literal["confirmed", "pending", "any"] | None = None
    mask: Byte | None = Field(default=None, description="status mask (default: the profile's)")
    clear: bool = Field(default=False, description="clear all DTCs afterwards (0x14)")


class FlashAction(BaseModel):
    """Download a firmware file into a region the profile names."""

    model_config = _FROZEN

    file: str = Field(min_length=1, description="firmware file, relative to the sequence file")
    region: str = Field(min_length=1, description="the profile's memory region")
    format: Literal["bin", "ihex", "srec"] | None = None
    erase: bool = True
    verify: bool = True
    fill: Byte | None = Field(default=None, description="pad to the region's end with this byte")


class Step(BaseModel):
    """One named step: one action, what to expect of it, and how to retry it."""

    model_config = _FROZEN

    name: str = Field(min_length=1, max_length=200)
    session: str | int | None = Field(
        default=None, description="enter a session: default, extended, programming or 0x.."
    )
    unlock: str | int | None = Field(
        default=None, description="unlock a security level by number or the profile's name"
    )
    read: Reference | None = Field(default=None, description="read a DID by name or id")
    write: dict[Reference, Scalar] | None = Field(
        default=None, description="write DIDs: {name: value}, values as the codec reads them"
    )
    routine: RoutineAction | None = None
    dtc: DtcAction | None = None
    wait: Seconds | None = Field(default=None, description="pause, e.g. 500ms")
    flash: FlashAction | None = None
    send: str | None = Field(default=None, description="a raw request as hex: 22 F1 90")
    reset: str | int | None = Field(
        default=None, description="ECUReset: hard, soft, key_off_on or 0x.."
    )
    expect: Expect | None = None
    timeout: Seconds | None = Field(
        default=None, description="bounds each request of the step, 0x78 pendings included"
    )
    retries: Count = Field(default=0, ge=0, le=100, description="tries after a failed one")
    retry_delay: Seconds = Field(default=0.0, description="pause before each retry")
    continue_on_failure: bool = Field(
        default=False, description="run the next steps even when this one failed"
    )
    only: tuple[Name, ...] | None = Field(
        default=None, description="run this step on these ECUs only (by the bench's names)"
    )

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        given = [key for key in ACTIONS if getattr(self, key) is not None]
        findings: list[tuple[Path, str]] = []
        if len(given) != 1:
            shown = ", ".join(given) if given else "none"
            findings.append(
                ((), f"a step needs exactly one action of {', '.join(ACTIONS)} (has: {shown})")
            )
        elif self.expect is not None:
            allowed = EXPECTS.get(given[0], frozenset())
            for key in self.expect.given():
                if key not in allowed:
                    takes = ", ".join(sorted(allowed)) if allowed else "no expect"
                    findings.append(
                        (("expect", key), f"a {given[0]} step takes {takes}, not {key}")
                    )
        if self.write is not None and not self.write:
            findings.append((("write",), "names no DID: write {did: value}"))
        raise_findings(findings)
        return self

    @property
    def action(self) -> str:
        """The action's key (``read``, ``flash``...)."""
        return next(key for key in ACTIONS if getattr(self, key) is not None)

    @property
    def argument(self) -> Any:
        """The action's value as written."""
        return getattr(self, self.action)


class Sequence(BaseModel):
    """A sequence file: a name, variables (``null`` = must be given when run) and its steps."""

    model_config = _FROZEN

    name: Name
    description: str = ""
    variables: dict[Name, Scalar | None] = Field(
        default_factory=dict, description="values for ${name}; null: required when run"
    )
    # at least one, checked below: pydantic's min_length would also fire when items failed
    steps: tuple[Step, ...] = Field(json_schema_extra={"minItems": 1})

    @model_validator(mode="after")
    def _check(self) -> Sequence:
        findings: list[tuple[Path, str]] = []
        if not self.steps:
            findings.append((("steps",), "has no step: a sequence needs at least one"))
        for index, step in enumerate(self.steps):
            for path, text in _texts(step.model_dump(exclude_none=True)):
                for used in VARIABLE.findall(text):
                    if used not in self.variables:
                        known = ", ".join(self.variables) or "none declared"
                        findings.append(
                            (
                                ("steps", index, *path),
                                f"${{{used}}} is not a variable of the sequence ({known})",
                            )
                        )
        names: dict[str, int] = {}
        for index, step in enumerate(self.steps):
            if step.name in names:
                findings.append(
                    (
                        ("steps", index, "name"),
                        f"{step.name!r} is also the name of step {names[step.name] + 1}; "
                        "reports need each name once",
                    )
                )
            names.setdefault(step.name, index)
        raise_findings(findings)
        return self


def _texts(data: Any, path: Path = ()) -> list[tuple[Path, str]]:
    """Every string in ``data`` (keys of mappings too) with its path."""
    found: list[tuple[Path, str]] = []
    if isinstance(data, str):
        found.append((path, data))
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str):
                found.append(((*path, key), key))
            found.extend(_texts(value, (*path, key)))
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            found.extend(_texts(value, (*path, index)))
    return found
