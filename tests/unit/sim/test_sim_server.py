"""The serving loop over an in-memory pair, driven by a plain udsoncan Client."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
import udsoncan
from udsoncan.client import Client
from udsoncan.connections import BaseConnection
from udsoncan.exceptions import (
    InvalidResponseException,
    NegativeResponseException,
    TimeoutException,
    UnexpectedResponseException,
)
from udsoncan.typing import ClientConfig

from diagkit.sim import Fault, Faults, RoutineOutcome, RoutineSpec, SimEcu, SimEcuSpec, fixed
from diagkit.sim.server import SimServer
from diagkit.transport.base import Transport
from diagkit.transport.memory import MemoryTransport

Factory = Callable[..., SimEcuSpec]
h = bytes.fromhex


class TransportConnection(BaseConnection):
    """The smallest udsoncan connection over a diagkit transport, for these tests only."""

    def __init__(self, transport: Transport) -> None:
        super().__init__("sim-test")
        self._transport = transport
        self._open = False

    def open(self) -> TransportConnection:
        self._open = True
        return self

    def close(self) -> None:
        self._open = False

    def is_open(self) -> bool:
        return self._open

    def specific_send(self, payload: bytes, timeout: float | None = None) -> None:
        self._transport.send(payload)

    def specific_wait_frame(self, timeout: float | None = None) -> bytes | None:
        frame = self._transport.recv(1.0 if timeout is None else timeout)
        if frame is None:
            raise TimeoutException(f"nothing received within {timeout} s")  # type: ignore[no-untyped-call]
        return frame

    def empty_rxqueue(self) -> None:
        while self._transport.recv(0.0) is not None:
            pass


def xor_key(level: int, seed: bytes, params: Any = None) -> bytes:
    return bytes(b ^ 0xA5 for b in seed)


CLIENT_CONFIG: dict[str, Any] = {
    "data_identifiers": {
        0xF190: udsoncan.AsciiCodec(17),
        0x0101: ">H",
        0xF18C: ">L",
    },
    "security_algo": xor_key,
    "p2_timeout": 0.5,
    "p2_star_timeout": 1.0,
    "request_timeout": 3.0,
    "use_server_timing": False,
    "server_address_format": 32,
    "server_memorysize_format": 32,
}


@pytest.fixture
def serve(spec_factory: Factory) -> Iterator[Callable[..., tuple[Client, SimEcu, MemoryTransport]]]:
    """``serve(**spec_overrides)`` -> a udsoncan client talking to a served ECU."""
    started: list[tuple[SimServer, Client, MemoryTransport, MemoryTransport]] = []

    def _serve(**overrides: object) -> tuple[Client, SimEcu, MemoryTransport]:
        ecu = SimEcu(make(spec_factory, overrides), rng_seed=3)
        tester, ecu_end = MemoryTransport.pair()
        server = SimServer(poll_interval=0.02).add(ecu, ecu_end, owned=True).start()
        config = cast("ClientConfig", dict(CLIENT_CONFIG))
        client = Client(TransportConnection(tester), config=config)
        client.open()
        started.append((server, client, tester, ecu_end))
        return client, ecu, ecu_end

    yield _serve
    for server, client, tester, _ in started:
        client.close()
        server.stop()
        tester.close()


def make(factory: Factory, overrides: dict[str, object]) -> SimEcuSpec:
    return factory(**overrides)


def test_read_and_write_dids_through_a_udsoncan_client(serve: Callable[..., Any]) -> None:
    client, ecu, _ = serve()
    values = client.read_data_by_identifier([0xF190, 0x0101]).service_data.values
    assert values == {0xF190: "WDB1234567890ABCD", 0x0101: (0x0C80,)}
    client.change_session(3)
    client.unlock_security_access(1)
    client.write_data_by_identifier(0xF190, "VF1RENAULT0000001")
    assert ecu.state.dids[0xF190] == b"VF1RENAULT0000001"
    response = client.read_data_by_identifier(0xF190)
    assert response.service_data.values[0xF190] == "VF1RENAULT0000001"


def test_download_through_a_udsoncan_client_lands_in_the_image(serve: Callable[..., Any]) -> None:
    client, ecu, _ = serve()
    client.change_session(2)
    client.unlock_security_access(0x11)
    location = udsoncan.MemoryLocation(0x1000, 0x300, 32, 32)
    response = client.request_download(location)
    assert response.service_data.max_length == 0x0102
    image = bytes(range(256)) * 3
    for counter in (1, 2, 3):
        client.transfer_data(counter, image[(counter - 1) * 256 : counter * 256])
    client.request_transfer_exit()
    assert ecu.state.read_memory(ecu.spec, 0x1000, 0x300) == image


def test_slow_routine_sends_pendings_then_the_answer(
    serve: Callable[..., Any], spec_factory: Factory
) -> None:
    routines = dict(spec_factory().routines)
    routines[0x1234] = RoutineSpec(fixed(b"\x10"), duration=0.5)
    client, _, ecu_end = serve(p2_star=0.2, routines=routines)
    response = client.start_routine(0x1234)  # 0.5 s of work: 0x78 at 0, 0.1 ... 0.4 s
    assert response.service_data.routine_status_record == h("10")
    assert ecu_end.sent == [h("7F 31 78")] * 5 + [h("71 01 12 34 10")]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(service=0x22, nrc=0x22), NegativeResponseException),
        (Fault(service=0x22, no_answer=True), TimeoutException),
        (Fault(service=0x22, late=0.8), TimeoutException),
        (Fault(service=0x22, truncate=1), InvalidResponseException),
        (Fault(service=0x22, wrong_sid=True), UnexpectedResponseException),
    ],
    ids=["nrc", "no_answer", "late", "truncate", "wrong_sid"],
)
def test_each_fault_gives_the_client_an_error(
    serve: Callable[..., Any], fault: Fault, error: type[Exception]
) -> None:
    client, _, _ = serve(faults=Faults(fault))
    with pytest.raises(error):
        client.read_data_by_identifier(0x0101)


def test_fixed_nrc_reaches_the_client_with_its_code(serve: Callable[..., Any]) -> None:
    client, _, _ = serve(faults=Faults(Fault(service=0x22, did=0x0101, nrc=0x31)))
    with pytest.raises(NegativeResponseException) as caught:
        client.read_data_by_identifier(0x0101)
    assert caught.value.response.code == 0x31
    assert client.read_data_by_identifier(0xF190).positive


def test_pendings_and_delays_are_waited_for(serve: Callable[..., Any]) -> None:
    client, _, ecu_end = serve(
        faults=Faults(Fault(service=0x22, pending=3, pending_interval=0.05, delay=0.2)),
    )
    assert client.read_data_by_identifier(0x0101).service_data.values[0x0101] == (0x0C80,)
    assert ecu_end.sent[:3] == [h("7F 22 78")] * 3


def test_reset_in_the_middle_of_a_download(serve: Callable[..., Any]) -> None:
    client, ecu, _ = serve(faults=Faults(Fault(reset_after_blocks=1)))
    client.change_session(2)
    client.unlock_security_access(0x11)
    client.request_download(udsoncan.MemoryLocation(0x1000, 0x300, 32, 32))
    client.transfer_data(1, bytes(256))
    with pytest.raises(TimeoutException):
        client.transfer_data(2, bytes(256))
    assert ecu.state.resets == 1
    with pytest.raises(NegativeResponseException) as caught:
        client.transfer_data(2, bytes(256))
    assert caught.value.response.code == 0x7F  # back in the default session


def test_functional_requests_are_answered_on_the_physical_channel(spec_factory: Factory) -> None:
    ecu = SimEcu(spec_factory())
    tester, ecu_end = MemoryTransport.pair()
    functional_tx, functional_rx = MemoryTransport.pair()
    server = SimServer(poll_interval=0.02)
    server.add(ecu, ecu_end, functional=functional_rx, owned=True)
    with server, tester, functional_tx:
        functional_tx.send(h("22 12 34"))  # 0x31 is not sent to functional requests
        functional_tx.send(h("10 03"))
        assert tester.recv(2.0) == h("50 03 00 32 00 C8")
        assert tester.recv(0.1) is None


def test_several_ecus_at_once(spec_factory: Factory) -> None:
    first = SimEcu(spec_factory(name="first"))
    second = SimEcu(spec_factory(name="second", faults=Faults(Fault(service=0x3E, nrc=0x22))))
    a_tester, a_ecu = MemoryTransport.pair()
    b_tester, b_ecu = MemoryTransport.pair()
    server = SimServer(poll_interval=0.02).add(first, a_ecu, owned=True).add(second, b_ecu)
    with server, a_tester, b_tester, b_ecu:
        assert server.ecus == [first, second]
        a_tester.send(h("3E 00"))
        b_tester.send(h("3E 00"))
        assert a_tester.recv(2.0) == h("7E 00")
        assert b_tester.recv(2.0) == h("7F 3E 22")
    assert not server.running


def test_stop_interrupts_a_long_answer_and_leaves_no_thread(spec_factory: Factory) -> None:
    ecu = SimEcu(spec_factory(faults=Faults(Fault(late=600.0))))
    tester, ecu_end = MemoryTransport.pair()
    server = SimServer(poll_interval=0.02).add(ecu, ecu_end).start()
    with tester, ecu_end:
        tester.send(h("3E 00"))
        assert tester.recv(0.1) is None
        server.stop(timeout=5.0)
    assert not [t for t in threading.enumerate() if t.name.startswith("diagkit-sim-")]


def test_each_exchange_is_logged_once_and_security_data_never(
    serve: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    client, _, _ = serve()
    with caplog.at_level(logging.DEBUG, logger="diagkit.sim.server"):
        client.read_data_by_identifier(0x0101)
        client.change_session(3)
        client.unlock_security_access(1)
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert "test-ecu: ReadDataByIdentifier -> positive, 5 bytes" in info
    assert sum("SecurityAccess" in m for m in info) == 2
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "11 22 33 44" not in text  # the seed
    assert "B4 87 96 E1" not in text  # the key


def test_a_crashing_routine_answers_general_reject_and_keeps_serving(
    serve: Callable[..., Any], spec_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(option: bytes, spec: SimEcuSpec, state: object) -> RoutineOutcome:
        raise RuntimeError("routine bug")

    routines = dict(spec_factory().routines)
    routines[0x0999] = RoutineSpec(broken)
    client, _, _ = serve(routines=routines)
    with (
        caplog.at_level(logging.ERROR, logger="diagkit.sim.server"),
        pytest.raises(NegativeResponseException) as caught,
    ):
        client.start_routine(0x0999)
    assert caught.value.response.code == 0x10
    assert "routine bug" in caplog.text
    assert client.tester_present().positive
