"""The services/DIDs scan over a transport: safe requests, NRCs named, 0x78 waited out."""

from __future__ import annotations

import pytest

from diagkit.scan import Pacer, scan_dids, scan_services
from diagkit.scan.services import exchange
from diagkit.transport.memory import MemoryTransport

h = bytes.fromhex
FAST = Pacer(rate=1e6)


def ecu(request: bytes) -> list[bytes]:
    """An ECU written from ISO 14229-1: TesterPresent and DSC answered, 0x27 only in another
    session, 0x11 refused as too short, VIN readable, 0xF18C needing security, others absent."""
    if request == h("3E 00"):
        return [h("7E 00")]
    if request == h("10 01"):
        return [h("50 01 00 32 01 F4")]
    if request == h("11"):
        return [h("7F 11 13")]
    if request == h("27"):
        return [h("7F 27 7F")]
    if request[:1] == h("22"):
        if request == h("22 F1 90"):
            return [h("7F 22 78"), h("62 F1 90") + b"WVWZZZ1JZXW000001"]
        if request == h("22 F1 8C"):
            return [h("7F 22 33")]
        return [h("7F 22 31")]
    return [bytes((0x7F, request[0], 0x11))]


def test_services_are_probed_with_requests_that_change_nothing() -> None:
    transport = MemoryTransport(ecu)
    found = scan_services(transport, [0x10, 0x11, 0x14, 0x27, 0x31, 0x3E], pacer=FAST)
    # read-only forms where ISO 14229-1 has one; the bare SID (refused as too short) otherwise
    assert transport.sent == [h("10 01"), h("11"), h("14"), h("27"), h("31"), h("3E 00")]
    status = {f.id: (f.status, f.answer.nrc) for f in found.services}
    assert status == {
        0x10: ("supported", None),
        0x11: ("refused", 0x13),
        0x14: ("absent", 0x11),
        0x27: ("refused", 0x7F),
        0x31: ("absent", 0x11),
        0x3E: ("supported", None),
    }
    reset = next(f for f in found.services if f.id == 0x11).as_dict()
    assert reset["name"] == "ECUReset"
    assert reset["nrc_name"] == "incorrectMessageLengthOrInvalidFormat"
    session = next(f for f in found.services if f.id == 0x27).as_dict()
    assert session["nrc_name"] == "serviceNotSupportedInActiveSession"


def test_dids_found_with_their_length_and_refusals_named() -> None:
    transport = MemoryTransport(ecu)
    found = scan_dids(transport, [0xF18C, 0xF190, 0xF191], pacer=FAST)
    assert transport.sent == [h("22 F1 8C"), h("22 F1 90"), h("22 F1 91")]
    vin, serial, absent = (
        next(f for f in found.dids if f.id == i) for i in (0xF190, 0xF18C, 0xF191)
    )
    assert vin.status == "supported" and vin.data == b"WVWZZZ1JZXW000001"  # after 0x78
    assert vin.as_dict()["length"] == 17
    assert serial.status == "refused" and serial.present
    assert serial.as_dict()["nrc_name"] == "securityAccessDenied"
    assert absent.status == "absent" and not absent.present


def test_a_positive_answer_for_another_did_is_not_taken() -> None:
    transport = MemoryTransport(lambda request: [h("62 F1 91 00")])
    found = scan_dids(transport, [0xF190], timeout=0.01, pacer=FAST)
    assert found.dids[0].status == "no answer"


def test_silence_is_no_answer_not_absence() -> None:
    found = scan_services(MemoryTransport(lambda request: []), [0x3E], timeout=0.01, pacer=FAST)
    assert found.services[0].status == "no answer" and not found.answered


def test_an_answer_to_an_earlier_request_is_skipped() -> None:
    transport = MemoryTransport(lambda request: [h("7F 10 11"), h("7E 00")])
    assert exchange(transport, h("3E 00"), timeout=1.0).response == h("7E 00")


@pytest.mark.parametrize("count", [1, 3])
def test_scans_stop_at_the_time_bound(count: int) -> None:
    readings = iter(range(0, 1000, 10))  # each reading of the clock is 10 s later
    pacer = Pacer(rate=1e6, max_time=10.0 * count, clock=lambda: float(next(readings)))
    found = scan_services(MemoryTransport(ecu), [0x10, 0x11, 0x14, 0x27, 0x3E], pacer=pacer)
    assert found.stopped == "time limit"
    assert 0 < len(found.services) < 5
