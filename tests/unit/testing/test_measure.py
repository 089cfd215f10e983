"""measure(): value and limits recorded for the report, a failure naming value, limits and unit."""

from __future__ import annotations

import math

import pytest

from diagkit.testing import Measure


@pytest.fixture
def recorded() -> list[tuple[str, object]]:
    return []


@pytest.fixture
def measure(recorded: list[tuple[str, object]]) -> Measure:
    return Measure(lambda name, value: recorded.append((name, value)))


def test_a_value_within_limits_is_recorded_with_them(
    measure: Measure, recorded: list[tuple[str, object]]
) -> None:
    assert measure("supply_voltage", 12.6, min=11.0, max=14.5, unit="V") == 12.6
    assert recorded == [
        ("supply_voltage", 12.6),
        ("supply_voltage.min", 11.0),
        ("supply_voltage.max", 14.5),
        ("supply_voltage.unit", "V"),
    ]


def test_limits_are_inclusive(measure: Measure) -> None:
    measure("speed", 1000, min=600, max=1000)
    measure("speed", 600, min=600, max=1000)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (14.9, "supply_voltage = 14.9 V is above its limits [11 V, 14.5 V]"),
        (10.5, "supply_voltage = 10.5 V is below its limits [11 V, 14.5 V]"),
    ],
)
def test_a_value_outside_fails_naming_value_limits_and_unit(
    measure: Measure, recorded: list[tuple[str, object]], value: float, message: str
) -> None:
    with pytest.raises(AssertionError) as failed:
        measure("supply_voltage", value, min=11, max=14.5, unit="V")
    assert str(failed.value) == message
    assert ("supply_voltage", value) in recorded  # recorded even though it failed


def test_one_sided_limits(measure: Measure, recorded: list[tuple[str, object]]) -> None:
    measure("current", -3.0, max=0.0)
    assert recorded == [("current", -3.0), ("current.max", 0.0)]
    with pytest.raises(AssertionError, match=r"current = 2 is above its limits \[-inf, 0\]"):
        measure("current", 2, max=0.0)


@pytest.mark.parametrize("value", [None, "12 V", math.nan, True])
def test_a_value_that_is_not_a_number_fails(measure: Measure, value: object) -> None:
    with pytest.raises(AssertionError, match="is not a number"):
        measure("supply_voltage", value, min=11, max=14.5)  # type: ignore[arg-type]


def test_limits_the_wrong_way_round_are_a_mistake_of_the_test(measure: Measure) -> None:
    with pytest.raises(ValueError, match="min 5 is above max 1"):
        measure("x", 3, min=5, max=1)
