"""Every service the client exposes puts the ISO 14229-1 request on the wire and decodes the answer.

Requests and responses are written out byte by byte from ISO 14229-1:2020 (the clause of each
service is named); the ECU is a table answering exactly those requests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from udsoncan import AsciiCodec, DidCodec, MemoryLocation

from diagkit.client import EcuClient, KeepAlive, SecuritySettings, Timing
from diagkit.errors import ConfigurationError, InvalidResponseError
from diagkit.transport.memory import MemoryTransport
from tests.unit.client._scripted_ecu import ScriptedEcu

VIN = b"WVWZZZ1JZXW000001"

# Answers to other requests are dropped until P2 expires: keep that wait short.
SHORT_P2 = Timing(p2=0.05)
CONFIG: dict[str, Any] = {
    "data_identifiers": {
        0xF190: AsciiCodec(17),  # VIN, ISO 14229-1 annex C.1
        0xF18C: AsciiCodec(4),  # ECU serial number (4 chars on this ECU)
        0x0101: ">H",  # a 16-bit big-endian value, decoded as a 1-tuple by struct
    },
    "input_output": {0x4321: ">H"},
}

Call = Callable[[EcuClient], Any]

# (call, request on the wire, response of the ECU, what the call returns)
CASES: list[tuple[str, Call, bytes, bytes, Any]] = [
    # 10.2 DiagnosticSessionControl: extended session; P2 = 0x0032 ms, P2* = 0x01F4 x 10 ms
    (
        "change_session",
        lambda c: c.change_session(0x03).service_data.session_echo,
        b"\x10\x03",
        b"\x50\x03\x00\x32\x01\xf4",
        0x03,
    ),
    # 10.3 ECUReset hardReset
    (
        "ecu_reset",
        lambda c: c.ecu_reset(0x01).service_data.reset_type_echo,
        b"\x11\x01",
        b"\x51\x01",
        0x01,
    ),
    # 10.7 TesterPresent, zeroSubFunction
    ("tester_present", lambda c: c.tester_present(), b"\x3e\x00", b"\x7e\x00", None),
    # 10.4 SecurityAccess requestSeed level 1: seed 0x1234
    ("request_seed", lambda c: c.request_seed(0x01), b"\x27\x01", b"\x67\x01\x12\x34", b"\x12\x34"),
    # 10.4 SecurityAccess sendKey level 2
    ("send_key", lambda c: c.send_key(0x02, b"\xb7\x91"), b"\x27\x02\xb7\x91", b"\x67\x02", None),
    # 11.2 ReadDataByIdentifier, one DID
    (
        "read_did",
        lambda c: c.read_did(0xF190),
        b"\x22\xf1\x90",
        b"\x62\xf1\x90" + VIN,
        VIN.decode(),
    ),
    # 11.2 ReadDataByIdentifier, two DIDs in one request
    (
        "read_dids",
        lambda c: c.read_dids([0xF190, 0x0101]),
        b"\x22\xf1\x90\x01\x01",
        b"\x62\xf1\x90" + VIN + b"\x01\x01\x12\x34",
        {0xF190: VIN.decode(), 0x0101: (0x1234,)},
    ),
    # 11.7 WriteDataByIdentifier
    (
        "write_did",
        lambda c: c.write_did(0xF18C, "A1B2"),
        b"\x2e\xf1\x8c" + b"A1B2",
        b"\x6e\xf1\x8c",
        None,
    ),
    # 11.3 ReadMemoryByAddress, addressAndLengthFormatIdentifier 0x12 (1-byte size, 2-byte address)
    (
        "read_memory",
        lambda c: c.read_memory(MemoryLocation(0x1234, 4, address_format=16, memorysize_format=8)),
        b"\x23\x12\x12\x34\x04",
        b"\x63\xde\xad\xbe\xef",
        b"\xde\xad\xbe\xef",
    ),
    # 11.8 WriteMemoryByAddress
    (
        "write_memory",
        lambda c: c.write_memory(
            MemoryLocation(0x1234, 2, address_format=16, memorysize_format=8), b"\xca\xfe"
        ),
        b"\x3d\x12\x12\x34\x02\xca\xfe",
        b"\x7d\x12\x12\x34\x02",
        None,
    ),
    # 12.2 ClearDiagnosticInformation, all groups
    ("clear_dtcs", lambda c: c.clear_dtcs(), b"\x14\xff\xff\xff", b"\x54", None),
    # 12.3 ReadDTCInformation reportDTCByStatusMask: availability mask 0xFF, DTC 0x123456 st 0x09
    (
        "read_dtcs",
        lambda c: [(d.id, d.status.get_byte_as_int()) for d in c.read_dtcs(0x09)],
        b"\x19\x02\x09",
        b"\x59\x02\xff\x12\x34\x56\x09\xab\xcd\xef\x08",
        [(0x123456, 0x09), (0xABCDEF, 0x08)],
    ),
    # 10.6 ControlDTCSetting off
    ("control_dtc_setting", lambda c: c.control_dtc_setting(0x02), b"\x85\x02", b"\xc5\x02", None),
    # 13.2 RoutineControl start / stop / results of routine 0xFF00 (erase memory)
    (
        "start_routine",
        lambda c: c.start_routine(0xFF00, b"\x01"),
        b"\x31\x01\xff\x00\x01",
        b"\x71\x01\xff\x00\x00",
        b"\x00",
    ),
    (
        "stop_routine",
        lambda c: c.stop_routine(0xFF00),
        b"\x31\x02\xff\x00",
        b"\x71\x02\xff\x00\x00",
        b"\x00",
    ),
    (
        "routine_result",
        lambda c: c.routine_result(0xFF00),
        b"\x31\x03\xff\x00",
        b"\x71\x03\xff\x00\x00\x2a",
        b"\x00\x2a",
    ),
    # 12.? InputOutputControlByIdentifier shortTermAdjustment (0x03) of DID 0x4321 to 0x0100
    (
        "io_control",
        lambda c: c.io_control(0x4321, 0x03, [0x0100]),
        b"\x2f\x43\x21\x03\x01\x00",
        b"\x6f\x43\x21\x03\x01\x00",
        (0x0100,),
    ),
    # 10.5 CommunicationControl enableRxAndTx (0x00), normalCommunicationMessages (0x01)
    (
        "communication_control",
        lambda c: c.communication_control(0x00, 0x01),
        b"\x28\x00\x01",
        b"\x68\x00",
        None,
    ),
    # 14.2 RequestDownload: dataFormatIdentifier 0x00, ALFID 0x44, address, size; answer
    # lengthFormatIdentifier 0x20 -> 2-byte maxNumberOfBlockLength 0x0FFF
    (
        "request_download",
        lambda c: c.request_download(MemoryLocation(0x00010000, 0x400, 32, 32)),
        b"\x34\x00\x44\x00\x01\x00\x00\x00\x00\x04\x00",
        b"\x74\x20\x0f\xff",
        0x0FFF,
    ),
    # 14.3 RequestUpload
    (
        "request_upload",
        lambda c: c.request_upload(MemoryLocation(0x00010000, 0x400, 32, 32)),
        b"\x35\x00\x44\x00\x01\x00\x00\x00\x00\x04\x00",
        b"\x75\x20\x01\x02",
        0x0102,
    ),
    # 14.4 TransferData block 1
    (
        "transfer_data",
        lambda c: c.transfer_data(0x01, b"\xaa\xbb"),
        b"\x36\x01\xaa\xbb",
        b"\x76\x01",
        b"",
    ),
    # 14.5 RequestTransferExit with a record echoed back
    (
        "request_transfer_exit",
        lambda c: c.request_transfer_exit(b"\x12"),
        b"\x37\x12",
        b"\x77\x34",
        b"\x34",
    ),
    # any request, raw
    (
        "request",
        lambda c: c.request(b"\x22\xf1\x8c"),
        b"\x22\xf1\x8c",
        b"\x62\xf1\x8cA1B2",
        b"\x62\xf1\x8cA1B2",
    ),
]


@pytest.mark.parametrize(
    ("call", "wire_request", "response", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_service_request_and_decoded_answer(
    call: Call, wire_request: bytes, response: bytes, expected: Any
) -> None:
    ecu = ScriptedEcu({wire_request: [response]})
    transport = MemoryTransport(ecu)
    with EcuClient(transport, config=CONFIG, keep_alive=KeepAlive(enabled=False)) as client:
        assert call(client) == expected
    assert transport.sent == [wire_request]
    assert ecu.unexpected == []


def test_send_puts_the_request_on_the_wire_and_waits_for_nothing() -> None:
    transport = MemoryTransport(ScriptedEcu({}))
    with EcuClient(transport) as client:
        client.send(b"\x3e\x80")
    assert transport.sent == [b"\x3e\x80"]


def test_session_change_adopts_the_ecu_p2_and_p2_star_plus_margin() -> None:
    ecu = ScriptedEcu({b"\x10\x03": [b"\x50\x03\x00\x32\x01\xf4"]})
    timing = Timing(p2=1.0, p2_star=5.0, margin=0.02)
    with EcuClient(
        MemoryTransport(ecu), timing=timing, keep_alive=KeepAlive(enabled=False)
    ) as client:
        client.change_session(0x03)
        assert client.timing.p2 == pytest.approx(0.050 + 0.02)
        assert client.timing.p2_star == pytest.approx(5.0 + 0.02)


def test_session_timing_is_ignored_when_the_profile_says_so() -> None:
    ecu = ScriptedEcu({b"\x10\x03": [b"\x50\x03\x00\x32\x01\xf4"]})
    timing = Timing(p2=0.7, p2_star=3.0, use_server_timing=False)
    with EcuClient(
        MemoryTransport(ecu), timing=timing, keep_alive=KeepAlive(enabled=False)
    ) as client:
        client.change_session(0x03)
        assert client.timing == timing


def test_unlock_sends_the_key_of_the_configured_algorithm() -> None:
    # xor with mask A5 5A: seed 12 34 -> key B7 6E
    ecu = ScriptedEcu({b"\x27\x03": [b"\x67\x03\x12\x34"], b"\x27\x04\xb7\x6e": [b"\x67\x04"]})
    transport = MemoryTransport(ecu)
    settings = SecuritySettings(algorithm="xor_mask", params={"mask": "A55A"})
    with EcuClient(transport, security_settings=settings) as client:
        client.unlock(0x03)
    assert transport.sent == [b"\x27\x03", b"\x27\x04\xb7\x6e"]


def test_unlock_uses_the_level_specific_algorithm() -> None:
    # add_constant 1 on seed 00 FF -> 01 00
    ecu = ScriptedEcu({b"\x27\x11": [b"\x67\x11\x00\xff"], b"\x27\x12\x01\x00": [b"\x67\x12"]})
    transport = MemoryTransport(ecu)
    settings = SecuritySettings(
        algorithm="xor_mask",
        params={"mask": "FF"},
        levels={0x11: ("add_constant", {"constant": 1})},
    )
    with EcuClient(transport, security_settings=settings) as client:
        client.unlock(0x12)  # the even SendKey level names the same pair
    assert transport.sent == [b"\x27\x11", b"\x27\x12\x01\x00"]


def test_unlock_with_an_all_zero_seed_sends_no_key() -> None:
    ecu = ScriptedEcu({b"\x27\x01": [b"\x67\x01\x00\x00"]})
    transport = MemoryTransport(ecu)
    with EcuClient(transport, security_settings=SecuritySettings(algorithm="xor_mask")) as client:
        client.unlock(0x01)
    assert transport.sent == [b"\x27\x01"]


def test_read_did_tolerates_zero_padding_but_not_other_trailing_bytes() -> None:
    ecu = ScriptedEcu(
        {
            b"\x22\xf1\x8c": [b"\x62\xf1\x8cA1B2\x00\x00"],
            b"\x22\x01\x01": [b"\x62\x01\x01\x12\x34\x56"],
        }
    )
    with EcuClient(MemoryTransport(ecu), config=CONFIG) as client:
        assert client.read_did(0xF18C) == "A1B2"
        with pytest.raises(InvalidResponseError, match="unexpected bytes"):
            client.read_did(0x0101)


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        # another DID echoed: an answer to another request, dropped; P2 then expires
        (b"\x62\xf1\x8d" + b"A1B2", "only 1 to other requests.*f1 8c not echoed in 62 f1 8d"),
        (b"\x62\xf1\x8cA1", "needs 4 data bytes"),  # too short for the codec
        (b"\x62\xf1", "asked for DID 0xF18C"),  # truncated echo
    ],
)
def test_read_did_refuses_a_malformed_answer(response: bytes, reason: str) -> None:
    ecu = ScriptedEcu({b"\x22\xf1\x8c": [response]})
    with (
        EcuClient(MemoryTransport(ecu), config=CONFIG, timing=SHORT_P2) as client,
        pytest.raises(InvalidResponseError, match=reason),
    ):
        client.read_did(0xF18C)


class Sequenced:
    """Answers each request with the next answer scripted for it (a DID read twice may differ)."""

    def __init__(self, script: dict[bytes, list[bytes]]) -> None:
        self.script = script

    def __call__(self, pdu: bytes) -> list[bytes]:
        return [self.script[pdu].pop(0)]


@pytest.mark.parametrize(
    "read", [lambda c: c.read_did(0xF18C), lambda c: c.read_dids([0xF18C])], ids=["did", "dids"]
)
@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (b"\x62\xf1\x8d" + b"A1B2", "f1 8c not echoed in 62 f1 8d"),  # another DID: dropped
        (b"\x62\xf1\x8cA1", "needs 4 data bytes"),  # too short for the codec
        (b"\x62\xf1", "asked for DID 0xF18C"),  # truncated echo
        (b"\x62\xf1\x8cA1B2\x00\x01", "2 unexpected bytes"),  # not zero padding
    ],
)
def test_a_malformed_answer_is_refused_after_good_reads_of_the_same_did(
    read: Callable[[EcuClient], Any], response: bytes, reason: str
) -> None:
    ecu = Sequenced({b"\x22\xf1\x8c": [b"\x62\xf1\x8cA1B2", b"\x62\xf1\x8cC3D4\x00", response]})
    with EcuClient(MemoryTransport(ecu), config=CONFIG, timing=SHORT_P2) as client:
        first, padded = read(client), read(client)
        with pytest.raises(InvalidResponseError, match=reason):
            read(client)
    assert first in ("A1B2", {0xF18C: "A1B2"})
    assert padded in ("C3D4", {0xF18C: "C3D4"})


def test_a_did_reading_all_remaining_data_gets_all_of_it_every_time() -> None:
    class Raw(DidCodec):
        def decode(self, did_payload: bytes) -> Any:
            return did_payload

        def __len__(self) -> int:
            raise DidCodec.ReadAllRemainingData

    ecu = Sequenced(
        {b"\x22\x12\x34": [b"\x62\x12\x34\x01", b"\x62\x12\x34\x02\x03", b"\x62\x12\x35"]}
    )
    config = {"data_identifiers": {0x1234: Raw}}
    with EcuClient(MemoryTransport(ecu), config=config, timing=SHORT_P2) as client:
        assert client.read_did(0x1234) == b"\x01"
        assert client.read_did(0x1234) == b"\x02\x03"
        with pytest.raises(InvalidResponseError, match="12 34 not echoed in 62 12 35"):
            client.read_did(0x1234)


def test_read_did_without_a_codec_is_refused_before_sending() -> None:
    transport = MemoryTransport(ScriptedEcu({}))
    with (
        EcuClient(transport, config=CONFIG) as client,
        pytest.raises(ConfigurationError, match=r"no codec for DID 0x1234.*0xF190"),
    ):
        client.read_did(0x1234)
    assert transport.sent == []


def test_default_codec_reads_any_did() -> None:
    class Raw(DidCodec):
        def decode(self, did_payload: bytes) -> Any:
            return did_payload

        def __len__(self) -> int:
            raise DidCodec.ReadAllRemainingData

    ecu = ScriptedEcu({b"\x22\x12\x34": [b"\x62\x12\x34\x01\x02\x03"]})
    with EcuClient(MemoryTransport(ecu), config={"data_identifiers": {"default": Raw}}) as c:
        assert c.read_did(0x1234) == b"\x01\x02\x03"


def test_write_did_refuses_a_value_its_codec_cannot_encode() -> None:
    transport = MemoryTransport(ScriptedEcu({}))
    with (
        EcuClient(transport, config=CONFIG) as client,
        pytest.raises(ConfigurationError, match="DID 0xF18C: cannot encode"),
    ):
        client.write_did(0xF18C, "too long for four")
    assert transport.sent == []


def test_write_did_refuses_an_echo_of_another_did() -> None:
    ecu = ScriptedEcu({b"\x2e\xf1\x8cA1B2": [b"\x6e\xf1\x90"]})
    with (
        EcuClient(MemoryTransport(ecu), config=CONFIG, timing=SHORT_P2) as client,
        pytest.raises(InvalidResponseError, match="f1 8c not echoed in 6e f1 90"),
    ):
        client.write_did(0xF18C, "A1B2")


@pytest.mark.parametrize(
    ("call", "wire_request", "response", "echoed"),
    [
        # 14.2: the answer echoes routineControlType and routineIdentifier
        (lambda c: c.start_routine(0xFF00), b"\x31\x01\xff\x00", b"\x71\x02\xff\x00", "01 ff 00"),
        (lambda c: c.routine_result(0xFF00), b"\x31\x03\xff\x00", b"\x71\x03\xff\x01", "03 ff 00"),
        (lambda c: c.start_routine(0xFF00), b"\x31\x01\xff\x00", b"\x71\x01", "01 ff 00"),
        # 15.4: the answer echoes blockSequenceCounter
        (lambda c: c.transfer_data(0x02, b"\xaa"), b"\x36\x02\xaa", b"\x76\x01", "02"),
        (lambda c: c.transfer_data(0x02, b"\xaa"), b"\x36\x02\xaa", b"\x76", "02"),
        # 10.7: the answer echoes the zeroSubFunction
        (lambda c: c.tester_present(), b"\x3e\x00", b"\x7e\x01", "00"),
    ],
)
def test_answers_that_do_not_echo_the_request_are_invalid(
    call: Call, wire_request: bytes, response: bytes, echoed: str
) -> None:
    ecu = ScriptedEcu({wire_request: [response]})
    with (
        EcuClient(
            MemoryTransport(ecu), keep_alive=KeepAlive(enabled=False), timing=SHORT_P2
        ) as client,
        pytest.raises(InvalidResponseError, match=f"{echoed} not echoed in {response.hex(' ')}$"),
    ):
        call(client)
    assert ecu.unexpected == []


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        # only one of the two DIDs answered
        (b"\x62\xf1\x8cA1B2", r"asked for DID 0x0101, 0xF18C, got 0xF18C:"),
        # a DID that was not asked for (0xF190)
        (b"\x62\xf1\x8cA1B2\xf1\x90" + VIN, r"asked for DID 0x0101, 0xF18C, got 62"),
        # the second record is cut short
        (b"\x62\xf1\x8cA1B2\x01\x01\x12", "DID 0x0101 needs 2 data bytes, got 1"),
        # something other than zero padding after the last record
        (b"\x62\xf1\x8cA1B2\x01\x01\x12\x34\x01", "1 unexpected bytes after the last DID"),
    ],
)
def test_read_dids_refuses_an_answer_that_is_not_exactly_what_was_asked(
    response: bytes, reason: str
) -> None:
    ecu = ScriptedEcu({b"\x22\xf1\x8c\x01\x01": [response]})
    with (
        EcuClient(MemoryTransport(ecu), config=CONFIG) as client,
        pytest.raises(InvalidResponseError, match=reason),
    ):
        client.read_dids([0xF18C, 0x0101])
    assert ecu.unexpected == []


def test_read_dids_in_any_order_with_zero_padding_and_a_did_named_twice() -> None:
    # ISO 14229-1 11.2: records in the answer; padding (e.g. CAN frame fill) tolerated after
    ecu = ScriptedEcu({b"\x22\xf1\x8c\x01\x01": [b"\x62\x01\x01\x12\x34\xf1\x8cA1B2\x00\x00"]})
    transport = MemoryTransport(ecu)
    with EcuClient(transport, config=CONFIG) as client:
        assert client.read_dids([0xF18C, 0x0101, 0xF18C]) == {0xF18C: "A1B2", 0x0101: (0x1234,)}
    assert transport.sent == [b"\x22\xf1\x8c\x01\x01"]


def test_read_dids_refuses_a_did_reading_all_data_before_another_and_sends_nothing() -> None:
    class Raw(DidCodec):
        def decode(self, did_payload: bytes) -> Any:
            return did_payload

        def __len__(self) -> int:
            raise DidCodec.ReadAllRemainingData

    transport = MemoryTransport(ScriptedEcu({}))
    config = {"data_identifiers": {0x1234: Raw, 0x0101: ">H"}}
    with EcuClient(transport, config=config) as client:
        with pytest.raises(ConfigurationError, match="0x1234 reads all remaining data"):
            client.read_dids([0x1234, 0x0101])
        with pytest.raises(ConfigurationError, match="no codec for DID 0x0202"):
            client.read_dids([0x0101, 0x0202])
        with pytest.raises(ConfigurationError, match="at least one DID"):
            client.read_dids([])
    assert transport.sent == []


def test_udsoncan_echo_checks_become_invalid_response_errors() -> None:
    # the ECU echoes session 0x02 to a request for 0x03
    ecu = ScriptedEcu({b"\x10\x03": [b"\x50\x02\x00\x32\x01\xf4"]})
    with (
        EcuClient(MemoryTransport(ecu)) as client,
        pytest.raises(InvalidResponseError, match="does not match"),
    ):
        client.change_session(0x03)


def test_bad_arguments_to_a_udsoncan_service_are_configuration_errors() -> None:
    transport = MemoryTransport(ScriptedEcu({}))
    with EcuClient(transport) as client, pytest.raises(ConfigurationError):
        client.ecu_reset(0x100)  # a reset type is one byte
    assert transport.sent == []


def test_udsoncans_security_algo_is_refused_for_the_one_way_by_name() -> None:
    def algo(level: int, seed: bytes, params: object) -> bytes:
        return seed

    transport = MemoryTransport(ScriptedEcu({}))
    with pytest.raises(ConfigurationError, match="security_settings=SecuritySettings"):
        EcuClient(transport, config={"security_algo": algo})
    assert transport.closed  # the client owned it, even failing to start


def test_a_client_that_cannot_start_closes_its_transports() -> None:
    transport, functional = MemoryTransport(), MemoryTransport()
    with pytest.raises(ConfigurationError, match="standard versions"):
        EcuClient(transport, config={"standard_version": 1999}, functional=functional)
    assert transport.closed and functional.closed
    transport = MemoryTransport()
    with pytest.raises(ConfigurationError, match="needs a functional sender"):
        EcuClient(transport, keep_alive=KeepAlive(functional=True))
    assert transport.closed
