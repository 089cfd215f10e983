"""The built-in seed/key algorithms compute what their documentation promises."""

from __future__ import annotations

import pytest

from diagkit import security
from diagkit.errors import SecurityAccessError


@pytest.mark.parametrize(
    ("seed", "params", "key"),
    [
        (b"\x12\x34", {"mask": "A5"}, b"\xb7\x91"),  # 12^A5=B7, 34^A5=91
        (b"\x12\x34\x56", {"mask": "A55A"}, b"\xb7\x6e\xf3"),  # mask repeats: A5 5A A5
        (b"\x00\xff", {"mask": b"\x0f\xf0"}, b"\x0f\x0f"),
        (b"\x01", {"mask": "0xFF"}, b"\xfe"),
        (b"\x11\x22\x33\x44", {"mask": 0x5A5AA5A5}, b"\x4b\x78\x96\xe1"),  # as in a profile
        (b"\x11\x22", {"mask": 0x0F}, b"\x1e\x2d"),  # an integer takes the bytes it needs
    ],
)
def test_xor(seed: bytes, params: dict[str, object], key: bytes) -> None:
    assert security.compute_key("xor_mask", 0x01, seed, params) == key


@pytest.mark.parametrize(
    ("seed", "params", "key"),
    [
        (b"\x12\x34", {"constant": 1}, b"\x12\x35"),
        (b"\x00\xff", {"constant": 1}, b"\x01\x00"),  # carry into the high byte
        (b"\xff\xff", {"constant": 2}, b"\x00\x01"),  # wraps modulo 2**16, length kept
        (b"\x00\x00\x00\x01", {"constant": "0x10"}, b"\x00\x00\x00\x11"),
    ],
)
def test_add_constant(seed: bytes, params: dict[str, object], key: bytes) -> None:
    assert security.compute_key("add_constant", 0x01, seed, params) == key


@pytest.mark.parametrize(
    ("name", "seed", "params", "reason"),
    [
        ("xor_mask", b"\x01", {}, "needs parameter 'mask'"),
        ("xor_mask", b"\x01", {"mask": "zz"}, "not a hex string"),
        ("xor_mask", b"\x01", {"mask": ""}, "is empty"),
        ("xor_mask", b"\x01", {"mask": -1}, "non-negative integer"),
        ("add_constant", b"\x01", {"constant": -1}, "non-negative integer"),
        ("add_constant", b"\x01", {"constant": "ten"}, "not an integer"),
        ("add_constant", b"", {"constant": 1}, "seed of one byte or more"),
    ],
)
def test_bad_parameters_are_security_errors(
    name: str, seed: bytes, params: dict[str, object], reason: str
) -> None:
    with pytest.raises(SecurityAccessError, match=reason):
        security.compute_key(name, 0x01, seed, params)
