"""RoutineControl and CommunicationControl: layouts, sequence and access rules."""

from __future__ import annotations

import zlib
from collections.abc import Callable

from diagkit.sim import SimEcu

Ask = Callable[..., bytes | None]
h = bytes.fromhex


def test_start_then_results(ask: Ask) -> None:
    assert ask("31 03 02 03") == h("7F 31 24")
    assert ask("31 01 02 03") == h("71 01 02 03 00")
    assert ask("31 03 02 03") == h("71 03 02 03 00 2A")


def test_stop_needs_a_running_stoppable_routine(ask: Ask) -> None:
    assert ask("31 02 02 03") == h("7F 31 12")  # 0x0203 cannot be stopped
    assert ask("31 02 12 34") == h("7F 31 24")
    ask("31 01 12 34")
    assert ask("31 02 12 34") == h("71 02 12 34")
    assert ask("31 02 12 34") == h("7F 31 24")


def test_routine_nrcs(ask: Ask) -> None:
    assert ask("31 04 02 03") == h("7F 31 12")
    assert ask("31 01 02") == h("7F 31 13")
    assert ask("31 01 99 99") == h("7F 31 31")
    assert ask("31 01 FF 00") == h("7F 31 31")  # erase: programming session only
    ask("10 02")
    assert ask("31 01 FF 00") == h("7F 31 33")


def test_erase_and_checksum_routines_work_on_the_memory_image(ask: Ask, ecu: SimEcu) -> None:
    ecu.state.memory["app"][0:4] = b"\x01\x02\x03\x04"
    ask("10 02")
    ask("27 11")
    assert ask("27 12 A4 A7") == h("67 12")  # seed 01 02 XOR A5
    assert ask("31 01 FF 00 44 00 00 10 00 00 00 00 02") == h("71 01 FF 00 00")
    assert ecu.state.read_memory(ecu.spec, 0x1000, 4) == h("FF FF 03 04")
    assert ask("31 01 FF 00 44 00 00 00 00 00 00 00 02") == h("7F 31 31")  # read-only boot
    assert ask("31 01 FF 00") == h("71 01 FF 00 00")
    crc = zlib.crc32(b"\xff" * 0x2000).to_bytes(4, "big")
    assert ask("31 01 02 02 " + crc.hex()) == h("71 01 02 02 00")
    assert ask("31 01 02 02 00 00 00 00") == h("71 01 02 02 01")
    assert ask("31 01 02 02") == h("7F 31 13")


def test_a_slow_routine_is_covered_by_pendings(ecu: SimEcu) -> None:
    plan = ecu.plan(h("31 01 12 34"), 0.0)
    # P2* = 2 s: 0x78 at 0, 1 and 2 s, the answer when the routine is done at 3 s
    assert [(e.at, e.pdu) for e in plan] == [
        (0.0, h("7F 31 78")),
        (1.0, h("7F 31 78")),
        (2.0, h("7F 31 78")),
        (3.0, h("71 01 12 34 10")),
    ]


def test_communication_control(ask: Ask, ecu: SimEcu) -> None:
    assert ask("28 03 01") == h("7F 28 7F")
    ask("10 03")
    assert ask("28 03 01") == h("68 03")
    assert ecu.state.communication == (0x03, 0x01)
    assert ask("28 00 00") == h("7F 28 31")
    assert ask("28 07 01") == h("7F 28 12")
    assert ask("28 03") == h("7F 28 13")
    assert ask("28 81 03") is None
    assert ecu.state.communication == (0x01, 0x03)
    ask("10 01")
    assert ecu.state.communication == (0x00, 0x03)
