"""Functional requests: one send, every answer within P2 (P2* after a pending), per responder."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path

import pytest

from diagkit.client import FunctionalGroup, Timing
from diagkit.client.factory import open_functional_group
from diagkit.errors import ConfigurationError
from diagkit.profile import load_bench
from diagkit.sim import run_bench
from diagkit.transport.memory import Delayed, MemoryTransport

PROFILES = Path(__file__).resolve().parents[3] / "profiles"
READ_VIN = b"\x22\xf1\x90"  # ReadDataByIdentifier VIN, sent to the functional address (0x7DF)


def bus(
    answers: Mapping[str, list[bytes | Delayed]],
) -> tuple[MemoryTransport, dict[str, MemoryTransport]]:
    """A functional sender whose request reaches every ECU; each ECU answers on its own receiver."""
    receivers = {name: MemoryTransport() for name in answers}

    def deliver(pdu: bytes) -> list[bytes | Delayed]:
        for name, items in answers.items():
            for item in items:
                if isinstance(item, Delayed):
                    receivers[name].inject(item.pdu, delay=item.delay)
                else:
                    receivers[name].inject(item)
        return []

    return MemoryTransport(deliver), receivers


def test_three_responders_are_gathered_and_the_silent_one_is_absent() -> None:
    sender, receivers = bus(
        {
            "engine": [b"\x62\xf1\x90ENGINE"],
            # two pendings, then the answer long after P2 but within P2* of the last pending
            "gateway": [
                Delayed(0.01, b"\x7f\x22\x78"),
                Delayed(0.06, b"\x7f\x22\x78"),
                Delayed(0.12, b"\x62\xf1\x90GATEWAY"),
            ],
            "abs": [Delayed(0.02, b"\x7f\x22\x31")],  # requestOutOfRange: a final answer too
            "radio": [],
        }
    )
    with FunctionalGroup(sender, receivers, Timing(p2=0.05, p2_star=0.08)) as group:
        answers = group.request(READ_VIN)
    assert answers == {
        "engine": b"\x62\xf1\x90ENGINE",
        "gateway": b"\x62\xf1\x90GATEWAY",
        "abs": b"\x7f\x22\x31",
    }
    assert sender.sent == [READ_VIN]
    assert all(r.closed for r in receivers.values()) and sender.closed


def test_an_answer_after_p2_without_a_pending_is_not_gathered() -> None:
    sender, receivers = bus(
        {"engine": [b"\x62\xf1\x90E"], "late": [Delayed(0.1, b"\x62\xf1\x90L")]}
    )
    with FunctionalGroup(sender, receivers, Timing(p2=0.03, p2_star=1.0)) as group:
        assert group.request(READ_VIN) == {"engine": b"\x62\xf1\x90E"}


def test_only_the_first_final_answer_of_an_ecu_counts() -> None:
    sender, receivers = bus({"engine": [b"\x62\xf1\x90A", b"\x62\xf1\x90B"]})
    with FunctionalGroup(sender, receivers, Timing(p2=0.03)) as group:
        assert group.request(READ_VIN) == {"engine": b"\x62\xf1\x90A"}
        # the second answer was left over; the next request drops it before sending
        assert group.request(READ_VIN) == {"engine": b"\x62\xf1\x90A"}


def test_an_explicit_overall_timeout_ends_the_gathering() -> None:
    # the engine's pendings keep it within P2* until its answer at 0.3 s, after the 0.1 s limit
    engine: list[bytes | Delayed] = [Delayed(0.02 * i, b"\x7f\x22\x78") for i in range(15)]
    engine.append(Delayed(0.3, b"\x62\xf1\x90E"))
    answers: dict[str, list[bytes | Delayed]] = {"engine": engine, "abs": [b"\x62\xf1\x90A"]}
    sender, receivers = bus(answers)
    with FunctionalGroup(sender, receivers, Timing(p2=0.05, p2_star=0.05)) as group:
        assert group.request(READ_VIN) == {"abs": b"\x62\xf1\x90A", "engine": b"\x62\xf1\x90E"}
    sender, receivers = bus(answers)
    timing = Timing(p2=0.05, p2_star=0.05, request_timeout=0.1)
    with FunctionalGroup(sender, receivers, timing) as group:
        assert group.request(READ_VIN) == {"abs": b"\x62\xf1\x90A"}


def test_a_group_needs_receivers() -> None:
    with pytest.raises(ConfigurationError):
        FunctionalGroup(MemoryTransport(), {})


def test_a_bench_of_three_simulated_ecus_answers_one_functional_request(tmp_path: Path) -> None:
    """End to end on python-can's virtual bus: open_functional_group, run_bench, userspace ISO-TP.

    Three copies of the engine profile at 0x7E0/0x7E8, 0x7E1/0x7E9 and 0x7E2/0x7EA share the
    functional id 0x7DF; each simulated ECU answers on its own response id, in several frames.
    """
    engine = PROFILES / "engine_userspace.yaml"
    serials = {"ecu0": "SN0", "ecu1": "SN1", "ecu2": "SN2"}
    for index, (name, serial) in enumerate(serials.items()):
        (tmp_path / f"{name}.yaml").write_text(
            f"extends: {engine}\nname: {name}\n"
            f"addressing: {{txid: 0x{0x7E0 + index:X}, rxid: 0x{0x7E8 + index:X}}}\n"
            f"simulation: {{dids: {{ecu_serial_number: {serial}}}}}\nuds: {{p2: 1s}}\n",
            encoding="utf-8",
        )
    bench = tmp_path / "bench.yaml"
    bench.write_text(
        f"name: three\ndefaults: {{interface: functional-{uuid.uuid4().hex[:8]}}}\n"
        "ecus: {ecu0: ecu0.yaml, ecu1: ecu1.yaml, ecu2: ecu2.yaml}\n",
        encoding="utf-8",
    )
    with run_bench(load_bench(bench)), open_functional_group(bench) as group:
        answers = group.request(b"\x22\xf1\x8c")  # ReadDataByIdentifier ECU serial number
        present = group.request(b"\x3e\x00")  # TesterPresent, answer not suppressed
    # ISO 14229-1 11.2: 62 F1 8C and the 10-character serial (0x20-padded, as profiled)
    assert answers == {
        "ecu0": b"\x62\xf1\x8cSN0       ",
        "ecu1": b"\x62\xf1\x8cSN1       ",
        "ecu2": b"\x62\xf1\x8cSN2       ",
    }
    assert present == dict.fromkeys(serials, b"\x7e\x00")
