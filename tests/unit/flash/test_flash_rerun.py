"""A failed flash leaves the ECU ready for the next one: flash() again writes the whole image.

Each failure strikes a block chosen by a seeded random generator; the rerun must leave the
simulated ECU's memory equal to the image, whatever the first run left behind.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator

import pytest

from diagkit.client import EcuClient
from diagkit.flash import FlashError, FlashNrcError, FlashRegion, FlashTimeoutError, flash
from diagkit.sim import PROGRAMMING_SESSION, Fault, Faults, Reply, SimEcu
from diagkit.transport.memory import MemoryTransport
from tests.unit.flash._flash_ecu import (
    APP,
    APP_SIZE,
    LEVEL,
    REGION,
    Bench,
    BenchFactory,
    make_client,
    make_spec,
)

h = bytes.fromhex
IMAGE = bytes((i * 97 + 3) & 0xFF for i in range(APP_SIZE))
SMALL_BLOCKS = 0x12
"""maxNumberOfBlockLength 0x12: 16 data bytes a block, 512 blocks (the counter wraps)."""
BLOCKS = APP_SIZE // (SMALL_BLOCKS - 2)
SEEDS = (14, 1402, 2026)

Intercept = Callable[[bytes], "list[bytes] | None"]
"""Sees each request first; a list is the ECU's answer instead of the simulation's."""


def random_block(seed: int) -> int:
    """The 1-based TransferData block a failure strikes, the same on every run."""
    return random.Random(seed).randint(1, BLOCKS)


class BlockFailure:
    """Fails TransferData block ``block`` once: ``refuse`` answers an NRC without writing it,
    else the block is written and its answer lost."""

    def __init__(self, ecu: SimEcu, block: int, refuse: bytes | None = None) -> None:
        self.ecu = ecu
        self.block = block
        self.refuse = refuse
        self.fired = False

    def __call__(self, request: bytes) -> list[bytes] | None:
        transfer = self.ecu.state.transfer
        if self.fired or request[0] != 0x36 or transfer is None:
            return None
        if transfer.blocks != self.block - 1 or request[1] != self.block & 0xFF:
            return None
        self.fired = True
        if self.refuse is not None:
            return [self.refuse]
        self.ecu.plan(request, time.monotonic())  # written, but the answer never arrives
        return []


class GoesSilent:
    """From TransferData block ``block`` on (written, its answer lost), the ECU answers
    nothing while ``silent``."""

    def __init__(self, ecu: SimEcu, block: int) -> None:
        self.trigger = BlockFailure(ecu, block)
        self.silent = False

    def __call__(self, request: bytes) -> list[bytes] | None:
        if not self.silent and self.trigger(request) is not None:
            self.silent = True
        return [] if self.silent else None


@pytest.fixture
def in_thread() -> Iterator[Callable[..., tuple[Bench, Callable[[Intercept], None]]]]:
    """``in_thread(ecu)``: ``ecu`` answering in the sending thread, and a setter for an
    interceptor that may replace its answers."""
    clients: list[EcuClient] = []

    def make(ecu: SimEcu) -> tuple[Bench, Callable[[Intercept], None]]:
        hooks: list[Intercept] = []

        def answer(request: bytes) -> list[bytes]:
            for hook in hooks:
                replaced = hook(request)
                if replaced is not None:
                    return replaced
            return [e.pdu for e in ecu.plan(request, time.monotonic())]

        tester = MemoryTransport(answer)
        client = make_client(tester)
        clients.append(client)
        return Bench(client, ecu, tester, tester), hooks.append

    yield make
    for client in clients:
        client.close()


InThread = Callable[..., tuple[Bench, Callable[[Intercept], None]]]


class KeepsDownloadAcrossSessions(SimEcu):
    """An ECU whose download survives re-entering a non-default session; only the default
    session (or a reset) ends it."""

    def handle(self, request: bytes, now: float, *, functional: bool = False) -> Reply:
        with self.lock:
            kept = self.state.transfer
            reply = super().handle(request, now, functional=functional)
            if request[:1] == b"\x10" and request[1:2] != b"\x01" and not reply.is_negative:
                self.state.transfer = kept
            return reply


class AcceptsEarlyExit(SimEcu):
    """An ECU that accepts RequestTransferExit before all data arrived and ends the download."""

    def handle(self, request: bytes, now: float, *, functional: bool = False) -> Reply:
        with self.lock:
            if request == h("37") and self.state.transfer is not None:
                self.state.transfer = None
                return Reply(h("77"))
            return super().handle(request, now, functional=functional)


def rerun(bench: Bench) -> None:
    """flash() again, as the error tells the user to, and check the whole image arrived."""
    result = flash(bench.client, REGION, IMAGE, max_block_length=SMALL_BLOCKS)
    assert result.verified and result.blocks == BLOCKS
    assert bench.memory() == IMAGE


@pytest.mark.parametrize("seed", SEEDS)
def test_an_nrc_at_a_random_block_then_flashing_again_writes_the_image(
    in_thread: InThread, seed: int
) -> None:
    block = random_block(seed)
    ecu = SimEcu(make_spec())
    bench, intercept = in_thread(ecu)
    intercept(BlockFailure(ecu, block, refuse=h("7F 36 72")))
    with pytest.raises(FlashNrcError) as caught:
        flash(bench.client, REGION, IMAGE, max_block_length=SMALL_BLOCKS)
    error = caught.value
    assert (error.block, error.nrc, error.written) == (block, 0x72, (block - 1) * 16)
    text = str(error)
    assert f"partially written ({(block - 1) * 16} of {APP_SIZE} bytes acknowledged)" in text
    assert "the download is closed" in text and "flash it again" in text
    assert ecu.state.transfer is None  # the ECU holds no download open any more
    rerun(bench)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_reset_at_a_random_block_then_flashing_again_writes_the_image(
    served: BenchFactory, seed: int
) -> None:
    block = random_block(seed) % 32 + 1  # served: the ECU's own 256-byte blocks, 32 of them
    bench = served(Faults(Fault(reset_after_blocks=block - 1, times=1)))
    with pytest.raises(FlashNrcError) as caught:
        flash(bench.client, REGION, IMAGE)
    assert (caught.value.block, caught.value.nrc) == (block, 0x7F)  # back in the default session
    assert bench.ecu.state.resets == 1
    result = flash(bench.client, REGION, IMAGE)
    assert result.verified and bench.memory() == IMAGE


@pytest.mark.parametrize("seed", SEEDS)
def test_one_lost_answer_at_a_random_block_is_repeated_and_a_rerun_still_works(
    in_thread: InThread, seed: int
) -> None:
    ecu = SimEcu(make_spec())
    bench, intercept = in_thread(ecu)
    intercept(BlockFailure(ecu, random_block(seed)))
    result = flash(bench.client, REGION, IMAGE, max_block_length=SMALL_BLOCKS)
    assert result.retries == 1 and bench.memory() == IMAGE
    bench.ecu.state.memory["app"][:] = bytes([0xFF]) * APP_SIZE
    rerun(bench)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_lost_answer_without_retries_then_flashing_again_writes_the_image(
    in_thread: InThread, seed: int
) -> None:
    block = random_block(seed)
    ecu = SimEcu(make_spec())
    bench, intercept = in_thread(ecu)
    intercept(BlockFailure(ecu, block))
    with pytest.raises(FlashTimeoutError) as caught:
        flash(bench.client, REGION, IMAGE, max_block_length=SMALL_BLOCKS, retries=0)
    assert caught.value.block == block
    assert "the download is closed" in str(caught.value)
    rerun(bench)


def test_an_ecu_accepting_an_early_transfer_exit_stays_in_its_session(
    in_thread: InThread,
) -> None:
    block = random_block(SEEDS[0])
    ecu = AcceptsEarlyExit(make_spec())
    bench, intercept = in_thread(ecu)
    intercept(BlockFailure(ecu, block, refuse=h("7F 36 72")))
    with pytest.raises(FlashNrcError) as caught:
        flash(bench.client, REGION, IMAGE, max_block_length=SMALL_BLOCKS)
    assert "RequestTransferExit accepted" in str(caught.value)
    exit_sent = bench.tester.sent.index(h("37"))
    assert bench.tester.sent[exit_sent:] == [h("37")]  # no session change was needed
    assert ecu.state.session == PROGRAMMING_SESSION
    rerun(bench)


def test_an_ecu_keeping_its_download_across_sessions_is_closed_and_asked_again(
    in_thread: InThread,
) -> None:
    # An earlier run was killed mid-download, so nothing ended it; this ECU keeps a download
    # when the programming session is requested again, so RequestDownload answers 0x22.
    ecu = KeepsDownloadAcrossSessions(make_spec())
    bench, _ = in_thread(ecu)
    bench.client.change_session(PROGRAMMING_SESSION)
    bench.client.unlock(LEVEL)
    assert bench.client.request(h("34 00 44 00 00 10 00 00 00 20 00"))[:1] == h("74")
    assert bench.client.request(h("36 01") + bytes(16)) == h("76 01")
    rerun(bench)
    download = h("34 00 44 00 00 10 00 00 00 20 00")
    assert bench.requests(0x34).count(download) == 3  # the old one, refused, asked again
    assert ecu.state.transfer is None


def test_an_open_complete_download_is_closed_and_asked_again(in_thread: InThread) -> None:
    # The region names no session (the caller chose it): flash() can still close a download
    # that has all its data with RequestTransferExit, and ask for its own.
    ecu = SimEcu(make_spec())
    bench, _ = in_thread(ecu)
    bench.client.change_session(PROGRAMMING_SESSION)
    bench.client.unlock(LEVEL)
    assert bench.client.request(h("34 00 44 00 00 10 00 00 00 00 10"))[:1] == h("74")
    assert bench.client.request(h("36 01") + bytes(16)) == h("76 01")  # 16 of 16 bytes
    region = FlashRegion(
        address=APP,
        size=APP_SIZE,
        name="app",
        erase_routine=REGION.erase_routine,
        check_routine=REGION.check_routine,
        security_level=LEVEL,
        address_bits=32,
        size_bits=32,
    )
    result = flash(bench.client, region, IMAGE, max_block_length=SMALL_BLOCKS)
    assert result.verified and bench.memory() == IMAGE


def test_an_open_incomplete_download_without_a_session_says_how_to_end_it(
    in_thread: InThread,
) -> None:
    ecu = SimEcu(make_spec())
    bench, _ = in_thread(ecu)
    bench.client.change_session(PROGRAMMING_SESSION)
    bench.client.unlock(LEVEL)
    assert bench.client.request(h("34 00 44 00 00 10 00 00 00 00 20"))[:1] == h("74")
    assert bench.client.request(h("36 01") + bytes(16)) == h("76 01")  # 16 of 32 bytes
    region = FlashRegion(address=APP, size=APP_SIZE, name="app", security_level=LEVEL)
    with pytest.raises(FlashError) as caught:
        flash(bench.client, region, IMAGE, erase=False, verify=False)
    assert caught.value.nrc == 0x22 and not caught.value.changed
    assert "end it with a session change or an ECU reset" in str(caught.value)
    bench.client.change_session(PROGRAMMING_SESSION)  # what the error says works
    flash(bench.client, region, IMAGE, erase=False, verify=False)
    assert bench.memory() == IMAGE


def test_an_ecu_silent_after_a_random_block_is_flashed_again_once_it_answers(
    in_thread: InThread,
) -> None:
    block = random_block(SEEDS[1])
    ecu = SimEcu(make_spec())
    bench, intercept = in_thread(ecu)
    ecu_goes = GoesSilent(ecu, block)
    intercept(ecu_goes)
    with pytest.raises(FlashTimeoutError) as caught:
        flash(bench.client, REGION, IMAGE, max_block_length=SMALL_BLOCKS, retries=0)
    text = str(caught.value)
    assert "the download may still be open" in text
    assert "flash it again once the ECU answers" in text
    assert ecu.state.transfer is not None  # nothing could end it
    ecu_goes.silent = False  # the ECU answers again
    rerun(bench)
