"""The tester-present keeper: runs in non-default sessions, never interleaves, stops cleanly."""

from __future__ import annotations

import errno
import itertools
import random
import threading
import time

import pytest

from diagkit.client import EcuClient, KeepAlive, Timing, tester_present
from diagkit.client.exchange import Exchange
from diagkit.connection import TransportConnection
from diagkit.errors import ConfigurationError, TransferError
from diagkit.transport.memory import Delayed, MemoryTransport, Response
from tests.unit.client._scripted_ecu import ScriptedEcu

EXTENDED = {b"\x10\x03": [b"\x50\x03\x00\x32\x01\xf4"], b"\x10\x01": [b"\x50\x01\x00\x32\x01\xf4"]}
TP_SUPPRESSED = b"\x3e\x80"  # ISO 14229-1 10.7: zeroSubFunction with suppressPosRspMsgIndicationBit


def wait_until(condition: object, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.005)
    return False


def test_keeper_runs_only_in_a_non_default_session() -> None:
    transport = MemoryTransport(ScriptedEcu(EXTENDED))
    with EcuClient(transport, keep_alive=KeepAlive(interval=0.02)) as client:
        time.sleep(0.06)
        assert TP_SUPPRESSED not in transport.sent  # default session: nothing to keep alive
        client.change_session(0x03)
        assert wait_until(lambda: transport.sent.count(TP_SUPPRESSED) >= 2)
        client.change_session(0x01)
        assert not client.keeper.running
        count = transport.sent.count(TP_SUPPRESSED)
        time.sleep(0.06)
        assert transport.sent.count(TP_SUPPRESSED) == count


def test_keeper_stops_after_an_ecu_reset_and_on_close() -> None:
    script = dict(EXTENDED)
    script[b"\x11\x01"] = [b"\x51\x01"]
    with EcuClient(
        MemoryTransport(ScriptedEcu(script)), keep_alive=KeepAlive(interval=0.02)
    ) as client:
        client.change_session(0x03)
        assert client.keeper.running
        client.ecu_reset(0x01)
        assert not client.keeper.running
        client.change_session(0x03)
        assert client.keeper.running
    assert not client.keeper.running
    assert client.closed


def test_keeper_is_not_started_when_disabled() -> None:
    with EcuClient(
        MemoryTransport(ScriptedEcu(EXTENDED)), keep_alive=KeepAlive(enabled=False)
    ) as c:
        c.change_session(0x03)
        assert not c.keeper.running


def test_tester_present_never_lands_inside_another_exchange() -> None:
    """Four threads issue slow requests (with pendings) while the keeper runs.

    The ECU notes when each request arrives and when its final answer is due; a TesterPresent
    arriving before the previous request's final answer was due would have interleaved.
    """
    log: list[tuple[float, bytes, float]] = []  # (arrival, request, final answer due)
    log_lock = threading.Lock()

    def ecu(pdu: bytes) -> list[Response]:
        now = time.monotonic()
        if pdu == TP_SUPPRESSED:
            answers: list[Response] = []
            due = now
        elif pdu[0] == 0x10:
            answers, due = [b"\x50\x03\x00\x32\x01\xf4"], now
        else:  # 22 hi lo: a pending, then the value (the DID's low byte twice) after a while
            delay = random.uniform(0.0, 0.02)
            answers = [b"\x7f\x22\x78", Delayed(delay, b"\x62" + pdu[1:3] + pdu[2:3] * 2)]
            due = now + delay
        with log_lock:
            log.append((now, pdu, due))
        return answers

    errors: list[BaseException] = []
    with EcuClient(
        MemoryTransport(ecu),
        timing=Timing(p2=0.5, p2_star=0.5),
        config={"data_identifiers": {"default": ">BB"}},
        keep_alive=KeepAlive(interval=0.01),
    ) as client:
        client.change_session(0x03)

        def worker(did_low: int) -> None:
            try:
                for _ in range(15):
                    assert client.read_did(0x0100 | did_low) == (did_low, did_low)
                    time.sleep(random.uniform(0.0, 0.03))  # idle gaps let tester present in
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10.0)
        assert client.keeper.error is None
    assert not errors
    tester_presents = [t for t, pdu, _ in log if pdu == TP_SUPPRESSED]
    assert tester_presents, "the keeper never sent: the test proves nothing"
    log.sort()
    for (_, pdu, due), (arrival, _, _) in itertools.pairwise(log):
        assert arrival >= due, f"a request arrived before the final answer to {pdu.hex()}"


def test_keeper_stops_on_a_transport_error_and_keeps_it() -> None:
    class Broken(MemoryTransport):
        def send(self, pdu: bytes, timeout: float | None = None) -> None:
            if pdu == TP_SUPPRESSED:
                raise TransferError(errno.ECOMM, "ECOMM on the bus")
            super().send(pdu, timeout)

    with EcuClient(Broken(ScriptedEcu(EXTENDED)), keep_alive=KeepAlive(interval=0.01)) as client:
        client.change_session(0x03)
        assert wait_until(lambda: client.keeper.error is not None)
        assert isinstance(client.keeper.error, TransferError)
        assert wait_until(lambda: not client.keeper.running)


def test_functional_keeper_sends_3e_80_on_the_functional_sender_only() -> None:
    functional = MemoryTransport(ScriptedEcu({}))
    physical = MemoryTransport(ScriptedEcu(EXTENDED))
    keep = KeepAlive(interval=0.01, suppress=False, functional=True)
    with EcuClient(physical, keep_alive=keep, functional=functional) as client:
        client.change_session(0x03)
        assert wait_until(lambda: len(functional.sent) >= 2)
    assert set(functional.sent) == {TP_SUPPRESSED}  # always suppressed when functional
    assert TP_SUPPRESSED not in physical.sent
    assert functional.closed


def test_unsuppressed_keeper_checks_the_answer() -> None:
    script = dict(EXTENDED)
    script[b"\x3e\x00"] = [b"\x7e\x00"]
    transport = MemoryTransport(ScriptedEcu(script))
    keep = KeepAlive(interval=0.01, suppress=False)
    with EcuClient(transport, keep_alive=keep) as client:
        client.change_session(0x03)
        assert wait_until(lambda: client.keeper.sent >= 2)
        assert client.keeper.error is None


def test_keeper_refuses_a_non_positive_interval() -> None:
    exchange = Exchange(TransportConnection(MemoryTransport()).open(), "ecu", Timing())
    with pytest.raises(ConfigurationError):
        tester_present.TesterPresentKeeper(exchange, interval=0.0)
    exchange.connection.close()
