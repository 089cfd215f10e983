"""Discovery against a scripted bus: frames on the wire as ISO 15765-2 lays them out, answers
attributed to the probe that drew them, pacing and the time bound, partial results on Ctrl-C."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from diagkit.errors import ConfigurationError
from diagkit.scan import (
    Discovery,
    DiscoveryPlan,
    Pacer,
    RawFrame,
    discover,
    frame_payload,
    parse_ids,
    single_frame,
)

h = bytes.fromhex
Handler = Callable[[RawFrame], list[RawFrame]]


class ScriptedBus:
    """A raw bus whose peers are a function: each sent frame may draw answer frames."""

    def __init__(self, handler: Handler, *, interrupt_after: int | None = None) -> None:
        self.handler = handler
        self.sent: list[RawFrame] = []
        self.inbox: list[RawFrame] = []
        self.interrupt_after = interrupt_after

    def send(self, frame: RawFrame) -> None:
        if self.interrupt_after is not None and len(self.sent) == self.interrupt_after:
            raise KeyboardInterrupt
        self.sent.append(frame)
        self.inbox += self.handler(frame)

    def recv(self, timeout: float) -> RawFrame | None:
        return self.inbox.pop(0) if self.inbox else None

    def close(self) -> None:
        pass


def bench(frame: RawFrame) -> list[RawFrame]:
    """An engine on 0x7E0/0x7E8, a camera on 0x74A answering on 0x7CA (not tx+8), an inverter
    at TA 0x0B (29-bit normal fixed), and unrelated traffic after every request."""
    noise = [RawFrame(0x123, h("0102030405060708"))]
    tp = h("02 3E 00")
    if frame.data[:3] != tp:
        return noise
    if frame.can_id in (0x7E0, 0x7DF) and not frame.extended:
        noise.append(RawFrame(0x7E8, h("02 7E 00 CC CC CC CC CC")))
    if frame.can_id in (0x74A, 0x7DF) and not frame.extended:
        noise.append(RawFrame(0x7CA, h("03 7F 3E 22 CC CC CC CC")))  # refuses: still there
    if frame.can_id in (0x18DA0BF1, 0x18DB33F1) and frame.extended:
        noise.append(RawFrame(0x18DAF10B, h("02 7E 00 AA AA AA AA AA"), extended=True))
    return noise


def fast_plan(**changes: object) -> DiscoveryPlan:
    values: dict[str, object] = {
        "ids": parse_ids("0x748-0x74B,0x7DF,0x7E0-0x7E1", high=0x7FF),
        "targets": parse_ids("0x0A-0x0B,0xF1", high=0xFF),
        "timeout": 0.001,
    }
    values.update(changes)
    return DiscoveryPlan(**values)  # type: ignore[arg-type]


def test_single_frame_is_pci_length_then_payload_padded_to_eight() -> None:
    # ISO 15765-2 SF: first byte 0x0L (L = payload length), then the payload, then padding
    assert single_frame(h("3E 00"), padding=0xCC) == h("02 3E 00 CC CC CC CC CC")
    assert single_frame(h("10 01"), padding=None) == h("02 10 01")
    with pytest.raises(ConfigurationError):
        single_frame(bytes(8), padding=0)


def test_frame_payload_reads_single_frames_fd_escapes_and_first_frames() -> None:
    assert frame_payload(h("02 7E 00 CC CC CC CC CC")) == h("7E 00")
    assert frame_payload(h("00 0A") + bytes(range(10)) + bytes(4)) == bytes(range(10))  # FD SF
    assert frame_payload(h("10 14 62 F1 90 57 56 57")) == h("62 F1 90 57 56 57")  # FF, 20 bytes
    assert frame_payload(h("21 5A 5A 5A")) is None  # a consecutive frame names no service


def test_discovery_finds_each_ecu_on_whatever_id_it_answers() -> None:
    bus = ScriptedBus(bench)
    found = discover(bus, fast_plan(), pacer=Pacer(rate=1e6))
    assert found.complete
    physical = {(r.kind, r.tx_id, r.rx_id) for r in found.responders if r.kind != "functional"}
    assert physical == {
        ("11bit", 0x7E0, 0x7E8),
        ("11bit", 0x74A, 0x7CA),
        ("29bit", 0x18DA0BF1, 0x18DAF10B),
    }
    functional = {r.rx_id for r in found.responders if r.kind == "functional"}
    assert functional == {0x7E8, 0x7CA, 0x18DAF10B}
    camera = next(r for r in found.responders if r.rx_id == 0x7CA)
    assert (camera.positive, camera.nrc) == (False, 0x22)
    assert camera.as_dict()["nrc_name"] == "conditionsNotCorrect"
    ecus = {e["rx_id"]: e for e in found.ecus()}
    assert set(ecus) == {"0x7E8", "0x7CA", "0x18DAF10B"}
    assert ecus["0x7E8"]["tx_id"] == "0x7E0" and ecus["0x7E8"]["functional"] is True
    assert ecus["0x18DAF10B"]["target_address"] == "0x0B"


def test_probes_on_the_wire_skip_the_functional_id_and_our_own_address() -> None:
    bus = ScriptedBus(bench)
    plan = fast_plan(ids=(0x7DF, 0x7E0), targets=(0x0B, 0xF1), padding=0x55)
    found = discover(bus, plan, pacer=Pacer(rate=1e6))
    sent = [(f.can_id, f.extended, f.data) for f in bus.sent]
    frame = h("02 3E 00 55 55 55 55 55")
    assert sent == [
        (0x7DF, False, frame),  # functional 11-bit (ISO 15765-4)
        (0x18DB33F1, True, frame),  # functional 29-bit: 0x18DB, TA 0x33, SA 0xF1
        (0x7E0, False, frame),
        (0x18DA0BF1, True, frame),  # physical 29-bit: 0x18DA, TA 0x0B, SA 0xF1
    ]
    assert found.probes_sent == plan.probe_count == 4


def test_both_frame_formats_probe_each_candidate_twice() -> None:
    bus = ScriptedBus(bench)
    plan = fast_plan(ids=(0x7E0,), targets=(), functional=False, frames=(False, True))
    discover(bus, plan, pacer=Pacer(rate=1e6))
    assert [(f.can_id, f.fd) for f in bus.sent] == [(0x7E0, False), (0x7E0, True)]


def test_session_probe_and_answers_to_other_services_are_not_taken() -> None:
    def ecu(frame: RawFrame) -> list[RawFrame]:
        if frame.can_id != 0x7E0:
            return []
        return [
            RawFrame(0x7E8, h("02 7E 00 00 00 00 00 00")),  # TesterPresent: not our probe
            RawFrame(0x7E8, h("06 50 01 00 32 01 F4 00")),  # ISO 14229-1: P2 50 ms, P2* 5 s
        ]

    found = discover(
        ScriptedBus(ecu),
        fast_plan(ids=(0x7E0,), targets=(), functional=False, request=h("10 01")),
        pacer=Pacer(rate=1e6),
    )
    assert [r.response for r in found.responders] == [h("50 01 00 32 01 F4")]


def test_an_interrupted_scan_keeps_what_it_found() -> None:
    bus = ScriptedBus(bench, interrupt_after=3)
    result = Discovery()
    with pytest.raises(KeyboardInterrupt):
        discover(bus, fast_plan(), pacer=Pacer(rate=1e6), result=result)
    assert result.probes_sent == 3
    assert {r.rx_id for r in result.responders} == {0x7E8, 0x7CA, 0x18DAF10B}  # functional


class FakeClock:
    """A clock that only moves when slept on (or by a fixed step per reading)."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 100.0
        self.step = step
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        self.now += self.step
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_pacer_spaces_requests_one_over_rate_apart() -> None:
    clock = FakeClock()
    pacer = Pacer(rate=50.0, max_time=None, clock=clock, sleep=clock.sleep)
    for _ in range(4):
        pacer.wait_turn()
    assert clock.sleeps == pytest.approx([0.02, 0.02, 0.02])


def test_the_time_bound_stops_discovery_with_partial_results() -> None:
    clock = FakeClock(step=1.0)  # each reading of the clock is a second later
    pacer = Pacer(rate=1e6, max_time=5.0, clock=clock, sleep=clock.sleep)
    found = discover(ScriptedBus(bench), fast_plan(), pacer=pacer)
    assert found.stopped == "time limit" and not found.complete
    assert 0 < found.probes_sent < fast_plan().probe_count


def test_id_lists_are_ranges_and_single_ids() -> None:
    assert parse_ids("0x7E0-0x7E2,0x74A", high=0x7FF) == (0x7E0, 0x7E1, 0x7E2, 0x74A)
    assert parse_ids("none", high=0x7FF) == ()
    with pytest.raises(ConfigurationError, match="ascending within 0x0-0x7FF"):
        parse_ids("0x700-0x800", high=0x7FF)
    with pytest.raises(ConfigurationError, match="not a DID list"):
        parse_ids("F190", high=0xFFFF, what="DID")


def test_late_answers_go_to_the_probe_they_answer() -> None:
    def slow(frame: RawFrame) -> list[RawFrame]:
        # each ECU's answer comes only while the next id is probed (longer than the timeout)
        if frame.can_id == 0x7E1:
            return [RawFrame(0x7E8, h("02 7E 00 CC CC CC CC CC"))]  # the 0x7E0 ECU, late
        if frame.can_id == 0x18DA0CF1:
            return [RawFrame(0x18DAF10B, h("02 7E 00 AA AA AA AA AA"), extended=True)]
        return []

    plan = fast_plan(ids=(0x7E0, 0x7E1), targets=(0x0B, 0x0C), functional=False)
    found = discover(ScriptedBus(slow), plan, pacer=Pacer(rate=1e6))
    assert [(r.kind, r.tx_id, r.rx_id) for r in found.responders] == [
        ("11bit", 0x7E0, 0x7E8),  # tx+8 of the earlier probe, not of 0x7E1
        ("29bit", 0x18DA0BF1, 0x18DAF10B),  # the answer names TA 0x0B as its sender
    ]
