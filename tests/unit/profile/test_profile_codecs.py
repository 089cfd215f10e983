"""DID codecs: bytes as ISO 14229 ReadDataByIdentifier carries them, shared with udsoncan."""

from __future__ import annotations

import pytest
from udsoncan.Response import Response
from udsoncan.services.ReadDataByIdentifier import ReadDataByIdentifier
from udsoncan.services.WriteDataByIdentifier import WriteDataByIdentifier

from diagkit.errors import ConfigurationError, InvalidResponseError
from diagkit.profile import parse_profile, udsoncan_config
from diagkit.profile.codecs import AnyCodec
from tests.unit.profile._profile_helpers import MINIMAL

CODECS = """
dids:
  - {id: 0xF190, name: vin, codec: {type: ascii, length: 17}}
  - {id: 0xF18C, name: serial, codec: {type: ascii, length: 10, pad: 0x20}}
  - {id: 0xF197, name: system_name, codec: {type: utf8, length: 8, pad: 0x00}}
  - {id: 0x0110, name: idle_target, codec: {type: uint, size: 2}}
  - {id: 0x0111, name: counter_le, codec: {type: uint, size: 4, byteorder: little}}
  - {id: 0x0112, name: offset, codec: {type: int, size: 1}}
  - {id: 0xF40C, name: rpm, codec: {type: scaled, size: 2, factor: 0.25, unit: rpm}}
  - {id: 0xF405, name: coolant, codec: {type: scaled, size: 1, offset: -40, unit: degC}}
  - {id: 0x4A11, name: current, codec: {type: scaled, size: 2, signed: true, factor: 0.05}}
  - {id: 0x0120, name: mode, codec: {type: enum, size: 1, values: {0: sequential, 1: batch}}}
  - {id: 0xF18B, name: date, codec: {type: bcd, length: 3}}
  - {id: 0xF195, name: sw, codec: {type: hex, length: 4}}
  - {id: 0xFD10, name: blob, codec: {type: bytes, length: 3}}
"""
PROFILE = parse_profile(MINIMAL + CODECS)


def codec(name: str) -> AnyCodec:
    return PROFILE.did(name).codec


@pytest.mark.parametrize(
    ("name", "value", "data"),
    [
        ("vin", "WVWZZZ1JZXW000001", b"WVWZZZ1JZXW000001"),
        ("serial", "SN4711", b"SN4711\x20\x20\x20\x20"),
        ("system_name", "Motor", b"Motor\x00\x00\x00"),
        ("idle_target", 0x1234, b"\x12\x34"),
        ("counter_le", 0x01020304, b"\x04\x03\x02\x01"),
        ("offset", -40, b"\xd8"),
        ("rpm", 2000.0, b"\x1f\x40"),  # 2000 / 0.25 = 8000 = 0x1F40
        ("coolant", 90.0, b"\x82"),  # 90 + 40 = 130 = 0x82
        ("current", -1.5, b"\xff\xe2"),  # -1.5 / 0.05 = -30 = 0xFFE2
        ("mode", "batch", b"\x01"),
        ("date", "240131", b"\x24\x01\x31"),
        ("sw", "01020304", b"\x01\x02\x03\x04"),
        ("blob", b"\x00\xff\x10", b"\x00\xff\x10"),
    ],
)
def test_codecs_encode_and_decode_the_bytes_on_the_wire(
    name: str, value: object, data: bytes
) -> None:
    assert codec(name).encode(value) == data
    assert codec(name).decode(data) == value


def test_enum_decodes_unnamed_raw_values_to_the_int() -> None:
    assert codec("mode").decode(b"\x05") == 5


def test_bytes_codec_takes_hex_text_as_profiles_write_it() -> None:
    assert codec("blob").encode("00 FF 10") == b"\x00\xff\x10"


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("vin", "SHORT", "'SHORT' is 5 byte(s); 17-byte ascii needs 17 (set pad:"),
        ("vin", 17, "must be a string"),
        ("vin", "Ü" * 17, "is not ascii text"),
        ("serial", "X" * 11, "is 11 byte(s)"),
        ("idle_target", 0x10000, "does not fit uint16 big-endian (raw range 0..65535)"),
        ("idle_target", True, "must be an int"),
        ("offset", 128, "raw range -128..127"),
        ("rpm", "fast", "must be a number"),
        ("coolant", 300, "does not fit scaled uint8"),
        ("mode", "turbo", "'turbo' is not one of sequential, batch"),
        ("date", "2401", "has 4 digit(s); 3-byte bcd needs 6"),
        ("date", "24013A", "string of digits"),
        ("sw", "zz", "is not hex text"),
        ("blob", b"\x00", "expected 3 byte(s), got 1"),
    ],
)
def test_encoding_a_bad_value_says_why(name: str, value: object, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        codec(name).encode(value)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("vin", b"WVW", "expected 17 byte(s) for a 17-byte ascii value, got 3: 57 56 57"),
        ("idle_target", b"\x01", "expected 2 byte(s)"),
        ("date", b"\x24\x0a\x31", "is not BCD"),
        ("blob", b"", "got 0: (empty)"),
    ],
)
def test_decoding_bytes_of_the_wrong_shape_is_an_invalid_response(
    name: str, data: bytes, fragment: str
) -> None:
    with pytest.raises(InvalidResponseError) as caught:
        codec(name).decode(data)
    assert fragment in str(caught.value)


def test_text_decoding_keeps_going_on_unprogrammed_bytes() -> None:
    assert codec("vin").decode(b"\xff" * 17) == "\ufffd" * 17


def test_udsoncan_reads_several_dids_from_one_answer_with_profile_codecs() -> None:
    config = udsoncan_config(PROFILE)
    # ISO 14229-1 ReadDataByIdentifier positive response: 0x62, then DID + data, repeated.
    payload = b"\x62" + b"\x01\x10" + b"\x03\x20" + b"\xf4\x0c" + b"\x1f\x40"
    response = ReadDataByIdentifier.interpret_response(
        Response.from_payload(payload),
        didlist=[0x0110, 0xF40C],
        didconfig=config["data_identifiers"],
    )
    assert response.service_data.values == {0x0110: 800, 0xF40C: 2000.0}


def test_udsoncan_writes_a_did_with_the_profile_codec() -> None:
    config = udsoncan_config(PROFILE)
    request = WriteDataByIdentifier.make_request(0x0110, 800, didconfig=config["data_identifiers"])
    # ISO 14229-1 WriteDataByIdentifier request: 0x2E, DID, data record.
    assert request.get_payload() == b"\x2e\x01\x10\x03\x20"
