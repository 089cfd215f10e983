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


# RFC 4493 section 4 test vectors: K = 2b7e1516 28aed2a6 abf71588 09cf4f3c
RFC4493_KEY = "2b7e151628aed2a6abf7158809cf4f3c"


@pytest.mark.parametrize(
    ("message", "tag"),
    [
        ("", "bb1d6929e95937287fa37d129b756746"),
        ("6bc1bee22e409f96e93d7e117393172a", "070a16b46b4d4144f79bdd9dd04a287c"),
    ],
)
def test_aes128_cmac_matches_rfc4493_vectors(message: str, tag: str) -> None:
    algorithm = security.get("aes128_cmac")
    key = algorithm.compute_key(0x11, bytes.fromhex(message), {"key": RFC4493_KEY})
    assert key == bytes.fromhex(tag)


def test_aes128_cmac_truncates_and_reads_a_hidden_key() -> None:
    class Hidden:
        def reveal(self) -> str:
            return RFC4493_KEY

    algorithm = security.get("aes128_cmac")
    key = algorithm.compute_key(0x11, b"", {"key": Hidden(), "key_length": 4})
    assert key == bytes.fromhex("bb1d6929")


def test_aes128_cmac_refuses_a_key_of_the_wrong_size() -> None:
    with pytest.raises(SecurityAccessError, match="16-byte key"):
        security.get("aes128_cmac").compute_key(0x11, b"\x01", {"key": "00112233"})
