"""The client on every backend (``make_pair``): the client at one end, a scripted ECU at the other.

Timings are generous: the kernel parameters run in the kernel VM (see ``tests/conftest.py``).
"""

from __future__ import annotations

import threading
import time

import pytest
from udsoncan import MemoryLocation

from diagkit.client import KeepAlive, NrcError, SecuritySettings, TimerExpiredError
from diagkit.client import Timing as ClientTiming
from diagkit.codes import Nrc
from diagkit.transport.memory import Delayed, Response
from tests.backends import MakePair
from tests.unit.client._ecu_peer import TP_SUPPRESSED, VIN, Script, finish, run


def test_read_vin_in_a_multi_frame_answer(make_pair: MakePair) -> None:
    client, peer = run(make_pair, {b"\x22\xf1\x90": [b"\x62\xf1\x90" + VIN]})
    try:
        assert client.read_did(0xF190) == VIN.decode()
    finally:
        finish(client, peer)
    assert peer.received == [b"\x22\xf1\x90"]


def test_long_pdus_both_ways_are_never_truncated(make_pair: MakePair) -> None:
    block = bytes(i & 0xFF for i in range(4000))
    # ReadMemoryByAddress, ALFID 0x24: 2-byte size 0x0FA0, 4-byte address 0x00001234
    read = b"\x23\x24\x00\x00\x12\x34\x0f\xa0"
    script: Script = {b"\x36\x01" + block: [b"\x76\x01"], read: [b"\x63" + block]}
    client, peer = run(make_pair, script)
    try:
        assert client.transfer_data(0x01, block) == b""
        assert client.read_memory(MemoryLocation(0x1234, 4000, 32, 16)) == block
    finally:
        finish(client, peer)


def test_pending_chain_longer_than_any_overall_timeout_succeeds(make_pair: MakePair) -> None:
    # eight pendings 150 ms apart: 1.2 s in all, more than P2 (0.5 s) and P2* (0.6 s)
    chain: list[Response] = [Delayed(0.15 * i, b"\x7f\x31\x78") for i in range(8)]
    chain.append(Delayed(1.2, b"\x71\x01\xff\x00\x00"))
    timing = ClientTiming(p2=0.5, p2_star=0.6)
    client, peer = run(make_pair, {b"\x31\x01\xff\x00": chain}, timing=timing)
    try:
        assert client.start_routine(0xFF00) == b"\x00"
    finally:
        finish(client, peer)


def test_negative_response_names_the_nrc(make_pair: MakePair) -> None:
    client, peer = run(make_pair, {b"\x22\xf1\x90": [b"\x7f\x22\x31"]})
    try:
        with pytest.raises(NrcError) as info:
            client.read_did(0xF190)
    finally:
        finish(client, peer)
    assert info.value.nrc is Nrc.requestOutOfRange


def test_silent_ecu_is_a_p2_timeout_naming_the_address(make_pair: MakePair) -> None:
    client, peer = run(make_pair, {}, timing=ClientTiming(p2=0.3))
    try:
        with pytest.raises(TimerExpiredError) as info:
            client.read_did(0xF190)
    finally:
        finish(client, peer)
    assert (info.value.timer, info.value.timeout, info.value.address) == ("P2", 0.3, "ecu")


def test_unlock_over_the_wire(make_pair: MakePair) -> None:
    script: Script = {b"\x27\x01": [b"\x67\x01\x12\x34"], b"\x27\x02\xb7\x91": [b"\x67\x02"]}
    settings = SecuritySettings(algorithm="xor_mask", params={"mask": "A5"})
    client, peer = run(make_pair, script, security_settings=settings)
    try:
        client.unlock(0x01)
    finally:
        finish(client, peer)
    assert peer.received == [b"\x27\x01", b"\x27\x02\xb7\x91"]


def test_tester_present_never_lands_inside_an_exchange(make_pair: MakePair) -> None:
    # every read is answered with a pending, then the value 50 ms later
    script: Script = {
        b"\x10\x03": [b"\x50\x03\x00\x32\x01\xf4"],
        b"\x22\x01\x00": [b"\x7f\x22\x78", Delayed(0.05, b"\x62\x01\x00\x12\x34")],
    }
    timing = ClientTiming(p2=1.0, p2_star=2.0, use_server_timing=False)
    keep = KeepAlive(interval=0.02)
    client, peer = run(make_pair, script, timing=timing, keep_alive=keep)
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(6):
                assert client.read_did(0x0100) == (0x1234,)
                time.sleep(0.05)  # idle: tester present may go out now
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    try:
        client.change_session(0x03)
        threads = [threading.Thread(target=reader) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30.0)
        assert client.keeper.error is None
    finally:
        finish(client, peer)
    assert not errors
    assert TP_SUPPRESSED in peer.received, "no tester present was sent: the test proves nothing"
    assert peer.interleaved == []
