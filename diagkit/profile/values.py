"""Human-friendly scalar values of profiles: times with units, hex or decimal integers, STmin.

Times are written with a unit (``50ms``): a bare number would be ambiguous (``p2: 50`` meant
50 ms but read as 50 s), so it is refused, except ``0``, which is zero in any unit. They are
stored as float seconds, parsed through :class:`~decimal.Decimal` so that ``500us`` is exactly
what ISO 15765-2 and the kernel get, and printed back in the largest unit that keeps them whole
(``0.05`` -> ``50ms``), which makes a dump load back to an equal value.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

FROZEN = ConfigDict(frozen=True, extra="forbid", defer_build=True)
"""Every profile model's config: immutable, unknown keys refused. Validators are built on the
first validation rather than at import: a command validates one profile, not every model."""

_UNITS: dict[str, Decimal] = {
    "ns": Decimal("1e-9"),
    "us": Decimal("1e-6"),
    "µs": Decimal("1e-6"),
    "ms": Decimal("1e-3"),
    "s": Decimal(1),
}
_TIME_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ns|us|µs|ms|s)?\s*$")
_ZERO_RE = re.compile(r"^\s*0+(?:\.0+)?\s*$")
_HEX_RE = re.compile(r"^\s*0[xX][0-9a-fA-F]+(?:_?[0-9a-fA-F]+)*\s*$")
_DEC_RE = re.compile(r"^\s*[+-]?[0-9]+\s*$")

INTERFACE_PATTERN = r"^[^\s]+$"
TIME_PATTERN = r"^\s*([0-9]+(\.[0-9]+)?\s*(ns|us|µs|ms|s)|0+(\.0+)?)\s*$"
HEX_PATTERN = r"^\s*(0[xX][0-9a-fA-F_]+|[+-]?[0-9]+)\s*$"


def _exact(seconds: float) -> Decimal:
    """The decimal a float of seconds was written as (``repr`` is the shortest round-trip)."""
    return Decimal(repr(seconds))


def parse_seconds(value: object) -> float:
    """Turn ``50ms``, ``500us`` or ``5s`` into float seconds; refuse bare numbers other than 0."""
    if isinstance(value, bool):
        raise ValueError(f"expected a time such as 50ms, 500us or 5s, got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite time, got {value!r}")
        if value < 0:
            raise ValueError(f"a time cannot be negative, got {value!r}")
        if value == 0:
            return 0.0
        raise ValueError(_bare(repr(value)))
    if isinstance(value, str):
        match = _TIME_RE.match(value)
        if match is None:
            raise ValueError(
                f"{value!r} is not a time; write a number with a unit (ns, us, ms, s), "
                "e.g. 500us, 50ms, 5s"
            )
        number, unit = match.groups()
        if unit is None:
            if _ZERO_RE.match(value):
                return 0.0
            raise ValueError(_bare(number))
        return float(Decimal(number) * _UNITS[unit])
    raise ValueError(f"expected a time such as 50ms, 500us or 5s, got {type(value).__name__}")


def _bare(number: str) -> str:
    return (
        f"{number} has no unit, and a bare number is ambiguous; write {number}ms or {number}s "
        "(units: ns, us, ms, s)"
    )


def format_seconds(seconds: float) -> str:
    """Render seconds in the largest unit they reach, exactly (``0.0105`` -> ``10.5ms``)."""
    exact = _exact(seconds)
    if exact == 0:
        return "0s"
    for unit in ("s", "ms", "us", "ns"):
        scaled = exact / _UNITS[unit]
        if scaled >= 1 or unit == "ns":
            return f"{scaled.normalize():f}{unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def nanoseconds(seconds: float) -> int:
    """Exact whole nanoseconds of ``seconds``; ValueError when it has a finer resolution."""
    nanos = _exact(seconds) * 1_000_000_000
    if nanos != nanos.to_integral_value():
        raise ValueError(f"{format_seconds(seconds)} has a resolution finer than 1ns")
    return int(nanos)


def parse_int(value: object) -> int:
    """Accept an int, ``"0x7E0"`` or ``"2016"``; refuse booleans, floats and bare hex digits."""
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"expected an integer, got {value!r}")
    if isinstance(value, str):
        if _HEX_RE.match(value):
            return int(value.strip().replace("_", ""), 16)
        if _DEC_RE.match(value):
            return int(value.strip())
        if re.fullmatch(r"\s*[0-9a-fA-F]+\s*", value):
            raise ValueError(f"{value!r} is not a number; write hexadecimal as 0x{value.strip()}")
        raise ValueError(f"{value!r} is not an integer; write e.g. 0x7E0 or 2016")
    raise ValueError(f"expected an integer, got {type(value).__name__}")


def hex_text(value: int, width: int = 0) -> str:
    """``0x7E0`` style text for messages and dumps (upper-case digits, at least ``width``)."""
    return f"0x{value:0{width}X}"


def _int_schema(minimum: int | None, maximum: int | None) -> dict[str, Any]:
    integer: dict[str, Any] = {"type": "integer"}
    if minimum is not None:
        integer["minimum"] = minimum
    if maximum is not None:
        integer["maximum"] = maximum
    return {"anyOf": [integer, {"type": "string", "pattern": HEX_PATTERN}]}


_TIME_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"const": 0},
        {"type": "string", "pattern": TIME_PATTERN},
    ],
    "description": "a time with its unit: 500us, 50ms, 5s (a bare number only for 0)",
}

Seconds = Annotated[
    float,
    BeforeValidator(parse_seconds),
    PlainSerializer(format_seconds, return_type=str, when_used="json-unless-none"),
    WithJsonSchema(_TIME_SCHEMA),
]
"""A duration in seconds, written with its unit (``50ms``); only ``0`` may go without."""


def _hex(width: int) -> PlainSerializer:
    return PlainSerializer(lambda v: hex_text(v, width), return_type=str, when_used="json")


Byte = Annotated[
    int,
    BeforeValidator(parse_int),
    Field(ge=0, le=0xFF),
    _hex(2),
    WithJsonSchema(_int_schema(0, 0xFF)),
]
"""One byte, 0x00..0xFF."""
Word = Annotated[
    int,
    BeforeValidator(parse_int),
    Field(ge=0, le=0xFFFF),
    _hex(4),
    WithJsonSchema(_int_schema(0, 0xFFFF)),
]
"""A 16-bit value such as a DID or routine id."""
CanId = Annotated[
    int,
    BeforeValidator(parse_int),
    Field(ge=0, le=0x1FFFFFFF),
    _hex(3),
    WithJsonSchema(_int_schema(0, 0x1FFFFFFF)),
]
"""A bare CAN identifier (11 or 29 bit; which one is checked against the addressing mode)."""
MemoryInt = Annotated[
    int,
    BeforeValidator(parse_int),
    Field(ge=0, le=0xFF_FFFF_FFFF),
    _hex(8),
    WithJsonSchema(_int_schema(0, 0xFF_FFFF_FFFF)),
]
"""A memory address or size (up to 40 bits, the largest ISO 14229 addressAndLengthFormat)."""
DtcNumber = Annotated[
    int,
    BeforeValidator(parse_int),
    Field(ge=0, le=0xFFFFFF),
    _hex(6),
    WithJsonSchema(_int_schema(0, 0xFFFFFF)),
]
"""A 3-byte DTC number."""
Count = Annotated[int, BeforeValidator(parse_int), WithJsonSchema(_int_schema(0, None))]
"""A plain count (range given on the field), written in decimal or hex."""


# STmin as ISO 15765-2 encodes it: 0..127 ms in 1 ms steps (0x00..0x7F) and 100..900 us in
# 100 us steps (0xF1..0xF9); every other value would be rounded by someone.
_LEGAL_STMIN_US: tuple[int, ...] = tuple(
    sorted({ms * 1000 for ms in range(128)} | {us * 100 for us in range(1, 10)})
)


def check_stmin(seconds: float) -> float:
    """Return ``seconds`` when ISO 15765-2 can encode it as STmin, else explain the nearest ones."""
    try:
        micro = _exact(seconds) * 1_000_000
    except InvalidOperation as exc:  # pragma: no cover - parse_seconds gives finite floats
        raise ValueError(f"{seconds!r} is not a time") from exc
    if micro == micro.to_integral_value() and int(micro) in _LEGAL_STMIN_US:
        return seconds
    shown = format_seconds(seconds)
    if micro > _LEGAL_STMIN_US[-1]:
        raise ValueError(f"{shown} is above the largest STmin ISO 15765-2 can encode (127ms)")
    lower = max(us for us in _LEGAL_STMIN_US if us < micro)
    upper = min(us for us in _LEGAL_STMIN_US if us > micro)
    raise ValueError(
        f"{shown} cannot be encoded as an ISO 15765-2 STmin (0-127ms in 1ms steps or "
        f"100-900us in 100us steps); nearest legal values: "
        f"{format_seconds(lower / 1e6)}, {format_seconds(upper / 1e6)}"
    )
