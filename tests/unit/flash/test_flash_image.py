"""Firmware files: raw binary, Intel HEX and Motorola S-record records written out by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from diagkit.errors import ConfigurationError
from diagkit.flash import load_image


def ihex_record(kind: int, address: int, data: bytes) -> str:
    """``:LLAAAATT<data>CC`` with CC the two's complement of the byte sum (Intel HEX)."""
    body = bytes([len(data)]) + address.to_bytes(2, "big") + bytes([kind]) + data
    return ":" + (body + bytes([-sum(body) & 0xFF])).hex().upper()


def srec_record(kind: int, address: int, data: bytes, address_len: int) -> str:
    """``S<t><count><address><data><cc>``, cc the ones' complement of the byte sum."""
    body = address.to_bytes(address_len, "big") + data
    body = bytes([len(body) + 1]) + body
    return f"S{kind}" + (body + bytes([~sum(body) & 0xFF])).hex().upper()


def test_raw_binary_has_no_address(tmp_path: Path) -> None:
    path = tmp_path / "app.bin"
    path.write_bytes(b"\x00\x01\xff")
    image = load_image(path)
    assert (image.data, image.address, image.format) == (b"\x00\x01\xff", None, "bin")


def test_hand_written_checksum_matches_the_standard_example() -> None:
    # The Intel HEX specification's example data record and the end-of-file record.
    assert ihex_record(0x00, 0x0010, b"address gap") == ":0B0010006164647265737320676170A7"
    assert ihex_record(0x01, 0, b"") == ":00000001FF"


def test_intel_hex_with_extended_linear_address_and_a_gap(tmp_path: Path) -> None:
    path = tmp_path / "app.hex"
    lines = [
        ihex_record(0x04, 0, b"\x08\x00"),  # upper 16 address bits: 0x0800xxxx
        ihex_record(0x00, 0x4000, b"\x11\x22\x33\x44"),
        ihex_record(0x00, 0x4006, b"\x55\x66"),  # 2-byte gap at 0x08004004
        ihex_record(0x01, 0, b""),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    image = load_image(path)
    assert image.address == 0x08004000
    assert image.data == bytes.fromhex("11 22 33 44 FF FF 55 66")
    assert (image.format, image.segments) == ("ihex", 2)
    assert load_image(path, padding=0x00).data[4:6] == b"\x00\x00"


def test_motorola_s3_records(tmp_path: Path) -> None:
    path = tmp_path / "app.s37"
    lines = [
        srec_record(0, 0, b"app", 2),
        srec_record(3, 0x08004000, b"\xde\xad\xbe\xef", 4),
        srec_record(3, 0x08004004, b"\x01", 4),
        srec_record(7, 0x08004000, b"", 4),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    image = load_image(path)
    assert (image.address, image.data, image.format) == (
        0x08004000,
        bytes.fromhex("DE AD BE EF 01"),
        "srec",
    )


def test_format_given_explicitly_overrides_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "app.txt"
    path.write_text(ihex_record(0, 0x10, b"\xaa") + "\n" + ihex_record(1, 0, b"") + "\n")
    assert load_image(path, format="ihex").data == b"\xaa"
    assert load_image(path).format == "bin"


def test_a_bad_checksum_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.hex"
    path.write_text(":0100000011EF\n:00000001FF\n", encoding="ascii")  # sum should be EE
    with pytest.raises(ConfigurationError, match=r"bad\.hex: not a valid Intel HEX file"):
        load_image(path)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"cannot read firmware file .*No such file"):
        load_image(tmp_path / "missing.bin")


def test_a_record_file_without_data(tmp_path: Path) -> None:
    path = tmp_path / "empty.hex"
    path.write_text(":00000001FF\n", encoding="ascii")
    with pytest.raises(ConfigurationError, match="holds no data"):
        load_image(path)


def test_without_bincopy_the_error_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "bincopy", None)  # makes `import bincopy` fail
    path = tmp_path / "app.hex"
    path.write_text(":00000001FF\n", encoding="ascii")
    with pytest.raises(
        ConfigurationError, match=r"dependency of diagkit.*pip install 'bincopy>=20'"
    ):
        load_image(path)
