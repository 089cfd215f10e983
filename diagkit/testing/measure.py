"""Measured values checked against limits and recorded with them, as a test report shows them.

``measure("engine_speed", 812.5, min=600, max=1000, unit="rpm")`` records four JUnit properties
(``engine_speed``, ``engine_speed.min``, ``engine_speed.max``, ``engine_speed.unit``) and then
fails with an ``AssertionError`` when the value is outside the limits (both inclusive): the test
failed, it did not break.
"""

from __future__ import annotations

import math
from collections.abc import Callable

Record = Callable[[str, object], None]
"""``(name, value)`` -> None: where properties go (the test item's ``user_properties``)."""


def _shown(value: float, unit: str | None) -> str:
    return f"{value:g} {unit}" if unit else f"{value:g}"


class Measure:
    """Checks measured values against limits and records value and limits for the report."""

    def __init__(self, record: Record) -> None:
        self._record = record

    def __call__(
        self,
        name: str,
        value: float,
        *,
        min: float | None = None,
        max: float | None = None,
        unit: str | None = None,
    ) -> float:
        """Record ``value`` with its limits under ``name``; raise when it is outside them.

        Returns ``value``, so a test can go on using it. A value that is not a number (or is
        NaN) fails too: it cannot be within any limits.
        """
        __tracebackhide__ = True  # a failure points at the test's line, not at this one
        if not name:
            raise ValueError("a measurement needs a name")
        if min is not None and max is not None and min > max:
            raise ValueError(f"{name}: min {min} is above max {max}")
        self._record(name, value)
        if min is not None:
            self._record(f"{name}.min", min)
        if max is not None:
            self._record(f"{name}.max", max)
        if unit:
            self._record(f"{name}.unit", unit)
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise AssertionError(f"{name} = {value!r} is not a number")
        low = min is not None and value < min
        high = max is not None and value > max
        if low or high:
            limits = f"[{'-inf' if min is None else _shown(min, unit)}, "
            limits += f"{'inf' if max is None else _shown(max, unit)}]"
            side = "below" if low else "above"
            raise AssertionError(f"{name} = {_shown(value, unit)} is {side} its limits {limits}")
        return value
