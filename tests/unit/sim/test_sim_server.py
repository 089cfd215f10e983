"""The serving loop over an in-memory pair, driven by diagkit's own client.

Each fault mode is shown with the error a user of :class:`~diagkit.client.EcuClient` meets:
an NrcError with the ISO name, a TimerExpiredError naming P2 or P2*, an InvalidResponseError.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
import udsoncan

from diagkit import security
from diagkit.client import EcuClient, NrcError, SecuritySettings, TimerExpiredError, Timing
from diagkit.codes import Nrc
from diagkit.errors import InvalidResponseError
from diagkit.sim import Fault, Faults, RoutineOutcome, RoutineSpec, SimEcu, SimEcuSpec, fixed
from diagkit.sim.server import SimServer
from diagkit.transport.memory import MemoryTransport

Factory = Callable[..., SimEcuSpec]
Serve = Callable[..., tuple[EcuClient, SimEcu, MemoryTransport]]
h = bytes.fromhex


class XorA5:
    """The simulated ECU's key algorithm (each seed byte XOR 0xA5), as a registered algorithm."""

    def compute_key(self, level: int, seed: bytes, params: Mapping[str, object]) -> bytes:
        return bytes(b ^ 0xA5 for b in seed)


SECURITY = SecuritySettings(algorithm="test_xor_a5")


@pytest.fixture(autouse=True)
def _xor_a5_registered() -> Iterator[None]:
    security.register("test_xor_a5", XorA5(), replace=True)
    yield
    security.unregister("test_xor_a5")


CLIENT_CONFIG: dict[str, Any] = {
    "data_identifiers": {
        0xF190: udsoncan.AsciiCodec(17),
        0x0101: ">H",
        0xF18C: ">L",
    },
    "server_address_format": 32,
    "server_memorysize_format": 32,
}
TIMING = Timing(p2=0.5, p2_star=1.0, request_timeout=3.0, use_server_timing=False)


@pytest.fixture
def serve(spec_factory: Factory) -> Iterator[Serve]:
    """``serve(**spec_overrides)`` -> (diagkit client, served ECU, the ECU's transport end)."""
    started: list[tuple[SimServer, EcuClient]] = []

    def _serve(**overrides: object) -> tuple[EcuClient, SimEcu, MemoryTransport]:
        ecu = SimEcu(spec_factory(**overrides), rng_seed=3)
        tester, ecu_end = MemoryTransport.pair()
        server = SimServer(poll_interval=0.02).add(ecu, ecu_end, owned=True).start()
        client = EcuClient(
            tester,
            address="test-ecu",
            timing=TIMING,
            config=CLIENT_CONFIG,
            security_settings=SECURITY,
        )
        started.append((server, client))
        return client, ecu, ecu_end

    yield _serve
    for server, client in started:
        client.close()
        server.stop()


def test_read_and_write_dids_through_the_client(serve: Serve) -> None:
    client, ecu, _ = serve()
    assert client.read_dids([0xF190, 0x0101]) == {0xF190: "WDB1234567890ABCD", 0x0101: (0x0C80,)}
    client.change_session(3)
    client.unlock(1)
    client.write_did(0xF190, "VF1RENAULT0000001")
    assert ecu.state.dids[0xF190] == b"VF1RENAULT0000001"
    assert client.read_did(0xF190) == "VF1RENAULT0000001"


def test_download_through_the_client_lands_in_the_image(serve: Serve) -> None:
    client, ecu, _ = serve()
    client.change_session(2)
    client.unlock(0x11)
    assert client.request_download(udsoncan.MemoryLocation(0x1000, 0x300, 32, 32)) == 0x0102
    image = bytes(range(256)) * 3
    for counter in (1, 2, 3):
        client.transfer_data(counter, image[(counter - 1) * 256 : counter * 256])
    client.request_transfer_exit()
    assert ecu.state.read_memory(ecu.spec, 0x1000, 0x300) == image


def test_slow_routine_sends_pendings_then_the_answer(serve: Serve, spec_factory: Factory) -> None:
    routines = dict(spec_factory().routines)
    routines[0x1234] = RoutineSpec(fixed(b"\x10"), duration=0.5)
    client, _, ecu_end = serve(p2_star=0.2, routines=routines)
    assert client.start_routine(0x1234) == h("10")  # 0.5 s of work: 0x78 at 0, 0.1 ... 0.4 s
    assert ecu_end.sent == [h("7F 31 78")] * 5 + [h("71 01 12 34 10")]


def test_fixed_nrc_is_an_nrc_error_with_its_iso_name(serve: Serve) -> None:
    client, _, _ = serve(faults=Faults(Fault(service=0x22, did=0x0101, nrc=0x22)))
    with pytest.raises(NrcError) as caught:
        client.read_did(0x0101)
    assert caught.value.nrc is Nrc.conditionsNotCorrect
    assert str(caught.value) == (
        "ReadDataByIdentifier (0x22) [test-ecu]: negative response 0x22 conditionsNotCorrect"
    )
    assert client.read_did(0xF190) == "WDB1234567890ABCD"  # only that DID is refused


@pytest.mark.parametrize(
    "fault",
    [Fault(service=0x22, no_answer=True), Fault(service=0x22, late=0.8)],
    ids=["no_answer", "late"],
)
def test_silence_and_late_answers_are_p2_timeouts(serve: Serve, fault: Fault) -> None:
    client, _, _ = serve(faults=Faults(fault))
    with pytest.raises(TimerExpiredError) as caught:
        client.read_did(0x0101)
    assert (caught.value.timer, caught.value.timeout, caught.value.pendings) == ("P2", 0.5, 0)
    assert "ReadDataByIdentifier (0x22) [test-ecu]: no response, P2 of 0.500 s" in str(caught.value)


def test_pendings_further_apart_than_p2_star_are_a_p2_star_timeout(serve: Serve) -> None:
    # one 0x78 at once, the next 1.5 s later: the client's P2* (1 s) runs out in between
    client, _, _ = serve(faults=Faults(Fault(service=0x22, pending=2, pending_interval=1.5)))
    with pytest.raises(TimerExpiredError) as caught:
        client.read_did(0x0101)
    assert (caught.value.timer, caught.value.timeout, caught.value.pendings) == ("P2*", 1.0, 1)
    assert "P2* of 1.000 s expired after 1 response-pending (0x78)" in str(caught.value)


def test_truncated_answer_is_an_invalid_response(serve: Serve) -> None:
    client, _, _ = serve(faults=Faults(Fault(service=0x22, truncate=1)))
    with pytest.raises(InvalidResponseError, match="DID 0x0101 needs 2 data bytes, got 1"):
        client.read_did(0x0101)


def test_wrong_sid_answer_is_an_invalid_response(serve: Serve) -> None:
    client, _, _ = serve(faults=Faults(Fault(service=0x22, wrong_sid=True)))
    with pytest.raises(InvalidResponseError, match="expected a response starting 0x62 or 7F 22"):
        client.read_did(0x0101)


def test_pendings_and_delays_are_waited_for(serve: Serve) -> None:
    client, _, ecu_end = serve(
        faults=Faults(Fault(service=0x22, pending=3, pending_interval=0.05, delay=0.2)),
    )
    assert client.read_did(0x0101) == (0x0C80,)
    assert ecu_end.sent == [h("7F 22 78")] * 3 + [h("62 01 01 0C 80")]


def test_delay_beyond_p2_is_covered_by_pendings(serve: Serve) -> None:
    client, _, ecu_end = serve(p2_star=0.4, faults=Faults(Fault(service=0x22, delay=0.7)))
    assert client.read_did(0x0101) == (0x0C80,)  # 0.7 s > P2 0.5 s: 0x78 at 0, 0.2, 0.4, 0.6
    assert ecu_end.sent == [h("7F 22 78")] * 4 + [h("62 01 01 0C 80")]


def test_reset_in_the_middle_of_a_download(serve: Serve) -> None:
    client, ecu, _ = serve(faults=Faults(Fault(reset_after_blocks=1)))
    client.change_session(2)
    client.unlock(0x11)
    client.request_download(udsoncan.MemoryLocation(0x1000, 0x300, 32, 32))
    client.transfer_data(1, bytes(256))
    with pytest.raises(TimerExpiredError) as silent:
        client.transfer_data(2, bytes(256))
    assert silent.value.timer == "P2"
    assert ecu.state.resets == 1
    with pytest.raises(NrcError) as caught:
        client.transfer_data(2, bytes(256))
    assert caught.value.nrc is Nrc.serviceNotSupportedInActiveSession  # back in default


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
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    client, _, _ = serve()
    with caplog.at_level(logging.DEBUG, logger="diagkit.sim.server"):
        client.read_did(0x0101)
        client.change_session(3)
        client.unlock(1)
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert "test-ecu: ReadDataByIdentifier -> positive, 5 bytes" in info
    assert sum("SecurityAccess" in m for m in info) == 2
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "11 22 33 44" not in text  # the seed
    assert "B4 87 96 E1" not in text  # the key


def test_a_crashing_routine_answers_general_reject_and_keeps_serving(
    serve: Serve, spec_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(option: bytes, spec: SimEcuSpec, state: object) -> RoutineOutcome:
        raise RuntimeError("routine bug")

    routines = dict(spec_factory().routines)
    routines[0x0999] = RoutineSpec(broken)
    client, _, _ = serve(routines=routines)
    with (
        caplog.at_level(logging.ERROR, logger="diagkit.sim.server"),
        pytest.raises(NrcError) as caught,
    ):
        client.start_routine(0x0999)
    assert caught.value.nrc is Nrc.generalReject
    assert "routine bug" in caplog.text
    client.tester_present()
