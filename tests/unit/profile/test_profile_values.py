"""Times with units, hex integers and the STmin values ISO 15765-2 can encode."""

from __future__ import annotations

import pytest

from diagkit.profile.values import (
    check_stmin,
    format_seconds,
    nanoseconds,
    parse_int,
    parse_seconds,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500us", 0.0005),
        ("500µs", 0.0005),
        ("50ms", 0.05),
        ("5s", 5.0),
        ("1.5ms", 0.0015),
        ("250ns", 250e-9),
        (" 2 s ", 2.0),
        (0, 0.0),
        ("0", 0.0),
    ],
)
def test_times_accept_units_and_a_bare_zero(text: object, seconds: float) -> None:
    assert parse_seconds(text) == seconds


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("50 msec", "is not a time"),
        ("fast", "is not a time"),
        (-1, "cannot be negative"),
        (50, "50 has no unit, and a bare number is ambiguous; write 50ms or 50s"),
        (0.05, "write 0.05ms or 0.05s"),
        ("50", "write 50ms or 50s"),
        (True, "expected a time"),
        (float("inf"), "finite"),
        ([1], "expected a time"),
    ],
)
def test_times_refuse_what_is_not_a_time(value: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_seconds(value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0005, "500us"),
        (0.05, "50ms"),
        (5.0, "5s"),
        (0.0105, "10.5ms"),
        (0.0, "0s"),
        (1e-9, "1ns"),
    ],
)
def test_times_print_in_the_largest_whole_unit_and_read_back_equal(
    seconds: float, text: str
) -> None:
    assert format_seconds(seconds) == text
    assert parse_seconds(text) == seconds


def test_nanoseconds_are_exact_and_refuse_finer_resolution() -> None:
    assert nanoseconds(parse_seconds("500us")) == 500_000
    assert nanoseconds(parse_seconds("4.294967295s")) == 0xFFFFFFFF
    with pytest.raises(ValueError, match="finer than 1ns"):
        nanoseconds(parse_seconds("0.5ns"))


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (0x7E0, 0x7E0),
        ("0x7E0", 0x7E0),
        ("0X7e0", 0x7E0),
        ("2016", 2016),
        ("0x18DA_F1_10", 0x18DAF110),
    ],
)
def test_integers_accept_hex_text_and_ints(value: object, number: int) -> None:
    assert parse_int(value) == number


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("7E0", "write hexadecimal as 0x7E0"),
        ("0x", "not an integer"),
        (True, "expected an integer"),
        (1.5, "expected an integer"),
        (None, "expected an integer"),
    ],
)
def test_integers_refuse_ambiguous_values(value: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_int(value)


# ISO 15765-2:2016 table 20: STmin 0x00-0x7F = 0-127 ms, 0xF1-0xF9 = 100-900 us.
@pytest.mark.parametrize("text", ["0ms", "1ms", "127ms", "100us", "500us", "900us", "0.001s"])
def test_stmin_accepts_every_encodable_value(text: str) -> None:
    assert check_stmin(parse_seconds(text)) == parse_seconds(text)


@pytest.mark.parametrize(
    ("text", "nearest"),
    [
        ("950us", "nearest legal values: 900us, 1ms"),
        ("50us", "nearest legal values: 0s, 100us"),
        ("150us", "nearest legal values: 100us, 200us"),
        ("10.5ms", "nearest legal values: 10ms, 11ms"),
    ],
)
def test_stmin_that_would_be_rounded_names_the_nearest_legal_values(
    text: str, nearest: str
) -> None:
    with pytest.raises(ValueError, match=nearest):
        check_stmin(parse_seconds(text))


def test_stmin_above_127ms_is_refused() -> None:
    with pytest.raises(ValueError, match=r"200ms is above the largest STmin .* \(127ms\)"):
        check_stmin(parse_seconds("200ms"))
