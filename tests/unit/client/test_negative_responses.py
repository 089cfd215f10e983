"""Negative responses raise errors carrying the service and the NRC with its ISO 14229-1 name."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import pytest
from udsoncan import AsciiCodec

from diagkit.client import EcuClient, NrcError, SecurityRefusedError, SecuritySettings
from diagkit.client.errors import TimerExpiredError, negative_response_error
from diagkit.codes import Nrc
from diagkit.errors import (
    InvalidResponseError,
    NegativeResponseError,
    ResponseTimeoutError,
    SecurityAccessError,
)
from diagkit.transport.memory import MemoryTransport
from tests.unit.client._scripted_ecu import ScriptedEcu

CONFIG: dict[str, Any] = {"data_identifiers": {0xF190: AsciiCodec(17)}}

FINAL_NRCS = [n for n in Nrc if n != Nrc.requestCorrectlyReceivedResponsePending]


@pytest.mark.parametrize("nrc", FINAL_NRCS, ids=lambda n: f"0x{int(n):02X}")
def test_every_iso_nrc_on_the_fast_path(nrc: Nrc) -> None:
    ecu = ScriptedEcu({b"\x22\xf1\x90": [bytes([0x7F, 0x22, nrc])]})
    with (
        EcuClient(MemoryTransport(ecu), address="engine", config=CONFIG) as client,
        pytest.raises(NegativeResponseError) as info,
    ):
        client.read_did(0xF190)
    error = info.value
    assert isinstance(error, NrcError)
    assert error.nrc is nrc
    assert error.nrc_name == nrc.name
    assert error.service == 0x22
    assert error.address == "engine"
    assert error.response == bytes([0x7F, 0x22, nrc])
    assert str(error) == (
        f"ReadDataByIdentifier (0x22) [engine]: negative response 0x{int(nrc):02X} {nrc.name}"
    )


@pytest.mark.parametrize("nrc", FINAL_NRCS, ids=lambda n: f"0x{int(n):02X}")
def test_every_iso_nrc_through_udsoncan_services(nrc: Nrc) -> None:
    ecu = ScriptedEcu({b"\x31\x01\xff\x00": [bytes([0x7F, 0x31, nrc])]})
    with EcuClient(MemoryTransport(ecu)) as client, pytest.raises(NrcError) as info:
        client.start_routine(0xFF00)
    assert info.value.nrc is nrc
    assert info.value.service == 0x31
    assert info.value.service_name == "RoutineControl"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (0x38, "reservedByExtendedDataLinkSecurityDocument"),
        (0xA0, "reservedForSpecificConditionsNotCorrect"),
        (0xF3, "vehicleManufacturerSpecificConditionsNotCorrect"),
        (0x00, "positiveResponse"),  # not an NRC an ECU may send; still its ISO name
    ],
)
def test_nrcs_outside_the_enum_keep_their_byte_and_range_name(code: int, name: str) -> None:
    ecu = ScriptedEcu({b"\x11\x01": [bytes([0x7F, 0x11, code])]})
    with EcuClient(MemoryTransport(ecu)) as client, pytest.raises(NrcError) as info:
        client.ecu_reset(0x01)
    assert info.value.nrc == code
    assert not isinstance(info.value.nrc, Nrc)
    assert info.value.nrc_name == name


@pytest.mark.parametrize(
    ("step", "script"),
    [
        ("seed refused", {b"\x27\x01": [b"\x7f\x27\x37"]}),
        (
            "key refused",
            {b"\x27\x01": [b"\x67\x01\x12\x34"], b"\x27\x02\xb7\x91": [b"\x7f\x27\x35"]},
        ),
    ],
)
def test_security_refusals_are_both_nrc_and_security_errors(
    step: str, script: dict[bytes, list[bytes]]
) -> None:
    settings = SecuritySettings(algorithm="xor_mask", params={"mask": "A5"})
    with (
        EcuClient(MemoryTransport(ScriptedEcu(script)), security_settings=settings) as client,
        pytest.raises(SecurityRefusedError) as info,
    ):
        client.unlock(0x01)
    assert isinstance(info.value, SecurityAccessError)
    assert isinstance(info.value, NegativeResponseError)
    assert info.value.nrc in (Nrc.invalidKey, Nrc.requiredTimeDelayNotExpired)


def test_unknown_security_algorithm_lists_the_known_ones_before_any_request() -> None:
    transport = MemoryTransport(ScriptedEcu({b"\x27\x01": [b"\x67\x01\x12\x34"]}))
    with (
        EcuClient(transport, security_settings=SecuritySettings(algorithm="nope")) as client,
        pytest.raises(SecurityAccessError, match=r"'nope'.*add_constant.*xor_mask"),
    ):
        client.unlock(0x01)
    assert transport.sent == []


def test_no_algorithm_configured_is_a_security_error_before_any_request() -> None:
    transport = MemoryTransport(ScriptedEcu({}))
    with (
        EcuClient(transport) as client,
        pytest.raises(SecurityAccessError, match="no security algorithm configured"),
    ):
        client.unlock(0x01)
    assert transport.sent == []


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (b"\x7f\x2e\x31", "got 7f 2e 31"),  # a negative response for another service
        (b"\x50\x03", "got 50 03"),  # a positive response for another service
        (b"\x7f\x22", "got 7f 22"),  # a negative response without its NRC
    ],
)
def test_answers_that_are_not_for_the_request_are_invalid(response: bytes, reason: str) -> None:
    ecu = ScriptedEcu({b"\x22\xf1\x90": [response]})
    with (
        EcuClient(MemoryTransport(ecu), config=CONFIG) as client,
        pytest.raises(InvalidResponseError, match=reason),
    ):
        client.read_did(0xF190)


def test_a_stray_tester_present_answer_is_skipped() -> None:
    vin = b"WVWZZZ1JZXW000001"
    ecu = ScriptedEcu({b"\x22\xf1\x90": [b"\x7e\x00", b"\x62\xf1\x90" + vin]})
    with EcuClient(MemoryTransport(ecu), config=CONFIG) as client:
        assert client.read_did(0xF190) == vin.decode()


@pytest.mark.parametrize(
    "make",
    [
        lambda: NrcError(0x22, 0x31, "engine", b"\x7f\x22\x31"),
        lambda: SecurityRefusedError(0x27, 0x35, "engine", b"\x7f\x27\x35"),
    ],
)
def test_nrc_errors_survive_pickling(make: Callable[[], NrcError]) -> None:
    error = make()
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (copy.service, copy.nrc, copy.address, str(copy)) == (
        error.service,
        error.nrc,
        error.address,
        str(error),
    )


def test_the_error_trees_base_classes_carry_the_fields() -> None:
    # Code that catches the base classes reads the NRC and the timer without knowing ours.
    error: NegativeResponseError = negative_response_error(bytes([0x7F, 0x34, 0x70]), "ecu")
    assert (error.service, error.nrc) == (0x34, 0x70)
    assert (error.service_name, error.nrc_name) == ("RequestDownload", "uploadDownloadNotAccepted")
    timeout: ResponseTimeoutError = TimerExpiredError(0x31, "P2*", 5.0, "ecu", pendings=3)
    assert (timeout.timer, timeout.timeout) == ("P2*", 5.0)
