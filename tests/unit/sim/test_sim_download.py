"""RequestDownload / TransferData / RequestTransferExit into the memory image, with NRCs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from diagkit.sim import SimEcu, SimEcuSpec

Ask = Callable[..., bytes | None]
h = bytes.fromhex
# 34 dataFormatIdentifier(00) ALFID(44: 4-byte size, 4-byte address) address size
DOWNLOAD_0x300_AT_0x1000 = "34 00 44 00 00 10 00 00 00 03 00"


@pytest.fixture
def unlocked(ask: Ask) -> Ask:
    """The test ECU in the programming session with level 0x11 unlocked."""
    ask("10 02")
    ask("27 11")
    assert ask("27 12 A4 A7") == h("67 12")
    return ask


def test_full_download_writes_the_image(unlocked: Ask, ecu: SimEcu) -> None:
    image = bytes(range(256)) * 3
    # lengthFormatIdentifier 0x20: maxNumberOfBlockLength in 2 bytes, 0x0102 = 2 + 256 data
    assert unlocked(DOWNLOAD_0x300_AT_0x1000) == h("74 20 01 02")
    for counter in (1, 2, 3):
        block = image[(counter - 1) * 256 : counter * 256]
        assert unlocked(f"36 {counter:02X} " + block.hex()) == bytes([0x76, counter])
    assert unlocked("37") == h("77")
    assert ecu.state.read_memory(ecu.spec, 0x1000, 0x300) == image
    assert ecu.state.read_memory(ecu.spec, 0x1300, 2) == h("FF FF")
    assert ecu.state.transfer is None


def test_a_repeated_block_is_acknowledged_and_not_written_twice(unlocked: Ask, ecu: SimEcu) -> None:
    unlocked(DOWNLOAD_0x300_AT_0x1000)
    assert unlocked("36 01 AA BB") == h("76 01")
    assert unlocked("36 01 AA BB") == h("76 01")
    assert unlocked("36 02 CC") == h("76 02")
    assert ecu.state.read_memory(ecu.spec, 0x1000, 4) == h("AA BB CC FF")


def test_transfer_nrcs(unlocked: Ask) -> None:
    assert unlocked("36 01 00") == h("7F 36 24")  # no download active
    assert unlocked("37") == h("7F 37 24")
    unlocked(DOWNLOAD_0x300_AT_0x1000)
    assert unlocked("36") == h("7F 36 13")
    assert unlocked("36 02 00") == h("7F 36 73")
    assert unlocked("36 00 00") == h("7F 36 73")  # the first block is 0x01
    assert unlocked("36 01 " + "00" * 257) == h("7F 36 13")  # 259 > 0x0102
    assert unlocked("36 01 00") == h("76 01")
    assert unlocked("37") == h("7F 37 24")  # 1 of 0x300 bytes received
    assert unlocked("36 02 00") == h("76 02")  # the refused exit left the download open


@pytest.mark.parametrize("session", ["02", "03"])
def test_a_session_change_ends_an_active_download(unlocked: Ask, ecu: SimEcu, session: str) -> None:
    # programming again or extended: each is a session transition that locks security again
    unlocked(DOWNLOAD_0x300_AT_0x1000)
    assert unlocked("36 01 AA") == h("76 01")
    answer = unlocked(f"10 {session}")
    assert answer is not None and answer[:2] == h(f"50 {session}")
    assert ecu.state.transfer is None
    unlocked("10 02")
    assert unlocked("36 02 BB") == h("7F 36 24")  # no download active any more
    unlocked("27 11")
    assert unlocked("27 12 A4 A7") == h("67 12")
    assert unlocked(DOWNLOAD_0x300_AT_0x1000) == h("74 20 01 02")  # not 7F 34 22
    assert unlocked("36 01 CC") == h("76 01")
    assert ecu.state.read_memory(ecu.spec, 0x1000, 2) == h("CC FF")


def test_more_data_than_announced_suspends_the_transfer(unlocked: Ask) -> None:
    assert unlocked("34 00 12 10 00 02") == h("74 20 01 02")  # 2 bytes at 0x1000
    assert unlocked("36 01 01 02 03") == h("7F 36 71")
    assert unlocked("36 01 01 02") == h("7F 36 24")  # aborted


def test_request_download_nrcs(unlocked: Ask, ask: Ask) -> None:
    assert unlocked("34 00 44 00 00") == h("7F 34 13")
    assert unlocked("34 00 44 00 00 10 00 00 00 03") == h("7F 34 13")
    assert unlocked("34 11 44 00 00 10 00 00 00 03 00") == h("7F 34 31")  # compressed
    assert unlocked("34 00 05 00 00 10 00 00") == h("7F 34 31")  # size length 0
    assert unlocked("34 00 44 00 00 30 00 00 00 00 10") == h("7F 34 31")  # no region
    assert unlocked("34 00 44 00 00 10 00 00 00 00 00") == h("7F 34 31")  # empty
    assert unlocked("34 00 44 00 00 00 00 00 00 00 10") == h("7F 34 70")  # read-only boot
    assert unlocked(DOWNLOAD_0x300_AT_0x1000) == h("74 20 01 02")
    assert unlocked(DOWNLOAD_0x300_AT_0x1000) == h("7F 34 22")  # already active


def test_download_needs_programming_session_and_security(ask: Ask) -> None:
    assert ask(DOWNLOAD_0x300_AT_0x1000) == h("7F 34 7F")
    assert ask("36 01 00") == h("7F 36 7F")
    ask("10 02")
    assert ask(DOWNLOAD_0x300_AT_0x1000) == h("7F 34 33")


def test_block_counter_wraps_from_ff_to_00(spec_factory: Callable[..., SimEcuSpec]) -> None:
    ecu = SimEcu(spec_factory(max_block_length=3))
    for request in ("10 02", "27 11", "27 12 A4 A7"):
        ecu.handle(h(request), 0.0)
    assert ecu.handle(h("34 00 22 10 00 01 01"), 0.0).response == h("74 20 00 03")
    counters = [*range(1, 256), 0x00, 0x01]
    for index, counter in enumerate(counters):
        answer = ecu.handle(bytes([0x36, counter, index & 0xFF]), 0.0).response
        assert answer == bytes([0x76, counter])
    assert ecu.handle(h("37"), 0.0).response == h("77")
    image = ecu.state.read_memory(ecu.spec, 0x1000, 0x101)
    assert image == bytes(i & 0xFF for i in range(0x101))
