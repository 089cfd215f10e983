"""The region's ``checksum`` setting: the client sends, and the simulated ECU checks, the same.

One profile drives both ends (``FlashRegion.from_profile`` and ``spec_from_profile``), as on a
bench. Option records are written out by hand: RoutineControl ``31 01 <RID>``, then the
ALFID / memoryAddress / memorySize of ISO 14229-1 where the layout has them, then the
checksum big-endian. CRC values are the catalogue check values of ``123456789``
(CRC-32/ISO-HDLC ``CB F4 39 26``, CRC-16/CCITT-FALSE ``29 B1``) or written in the test.
"""

from __future__ import annotations

import binascii
import time
import zlib
from collections.abc import Callable, Iterator

import pytest

from diagkit.client import EcuClient
from diagkit.client.factory import open_client
from diagkit.errors import NegativeResponseError, ProfileError
from diagkit.flash import FlashRegion, FlashVerifyError, flash
from diagkit.profile import EcuProfile, parse_profile
from diagkit.sim import SimEcu, spec_from_profile
from diagkit.transport.memory import MemoryTransport

PROFILE = """
name: body
backend: memory
addressing: {{mode: normal_11bit, txid: 0x7E0, rxid: 0x7E8}}
uds: {{p2: 200ms, p2_star: 2s, server_address_format: 32, server_memorysize_format: 16}}
security:
  - {{level: 0x05, algorithm: xor_mask, params: {{mask: 0xA5}}, session: programming}}
routines:
  - {{id: 0xFF00, name: erase, session: programming, security_level: 0x05}}
  - {{id: 0x0202, name: check}}
memory:
  - {{name: app, address: 0x20000, size: 0x400, erase_routine: erase, checksum_routine: check
     {extra}}}
"""
IMAGE = b"123456789"  # the catalogue check string: 9 bytes of a 1 KiB region
REGION_END = 0x20000 + 0x400


class Bench:
    """A client and the simulated ECU of the same profile, answering in the client's thread."""

    def __init__(self, profile: EcuProfile, ecu: SimEcu, tester: MemoryTransport) -> None:
        self.profile = profile
        self.ecu = ecu
        self.tester = tester
        self.client: EcuClient = open_client(profile, transport=tester)

    def checks(self) -> list[bytes]:
        """Every start of the check routine 0x0202 the client sent."""
        return [p for p in self.tester.sent if p[:4] == bytes.fromhex("31 01 02 02")]

    def memory(self) -> bytes:
        return bytes(self.ecu.state.memory["app"])


Make = Callable[..., Bench]
"""``bench(extra, ecu_extra=...)``: ``extra`` is added to the region of both ends' profile, or
only of the client's when ``ecu_extra`` gives the ECU's."""


@pytest.fixture
def bench() -> Iterator[Make]:
    made: list[Bench] = []

    def make(
        extra: str = "", *, ecu_extra: str | None = None, check_answer: bytes | None = None
    ) -> Bench:
        profile = parse_profile(PROFILE.format(extra=extra))
        ecu_profile = (
            profile if ecu_extra is None else parse_profile(PROFILE.format(extra=ecu_extra))
        )
        ecu = SimEcu(spec_from_profile(ecu_profile))

        def answer(request: bytes) -> list[bytes]:
            pdus = [e.pdu for e in ecu.plan(request, time.monotonic())]
            if check_answer is not None and request[:4] == bytes.fromhex("31 01 02 02"):
                return [check_answer]
            return pdus

        made.append(Bench(profile, ecu, MemoryTransport(answer)))
        return made[-1]

    yield make
    for b in made:
        b.client.close()


def _flash(bench: Bench, image: bytes = IMAGE, **options: object) -> None:
    region = FlashRegion.from_profile(bench.profile, "app")
    flash(bench.client, region, image, **options)  # type: ignore[arg-type]


def test_a_partial_image_passes_the_default_whole_region_check_without_fill(bench: Make) -> None:
    b = bench()
    _flash(b)
    region_crc = zlib.crc32(IMAGE + b"\xff" * (0x400 - len(IMAGE))).to_bytes(4, "big")
    assert b.checks() == [bytes.fromhex("31 01 02 02") + region_crc]
    assert b.memory() == IMAGE + b"\xff" * (0x400 - len(IMAGE))


def test_covers_image_sends_the_range_and_the_crc_of_the_image_alone(bench: Make) -> None:
    b = bench(", checksum: {covers: image, record: address_size_checksum}")
    _flash(b)
    # ALFID 0x24: memorySize 2 bytes (16-bit format), memoryAddress 4 bytes (32-bit format)
    assert b.checks() == [bytes.fromhex("31 01 02 02 24 00 02 00 00 00 09 CB F4 39 26")]


def test_crc16_over_the_whole_region_with_its_range(bench: Make) -> None:
    b = bench(
        ", erased_value: 0x00, checksum: {algorithm: crc16_ccitt_false, "
        "record: address_size_checksum}"
    )
    region = IMAGE + bytes(0x400 - len(IMAGE))  # erased to 0x00 as the profile says
    crc = binascii.crc_hqx(region, 0xFFFF).to_bytes(2, "big")
    _flash(b)
    assert b.checks() == [bytes.fromhex("31 01 02 02 24 00 02 00 00 04 00") + crc]
    assert b.memory() == region


def test_the_simulated_ecu_refuses_a_record_of_the_wrong_layout(bench: Make) -> None:
    b = bench(", checksum: {covers: region, record: address_size_checksum}")
    c = b.client
    c.change_session(0x02)
    # a range that is not the whole region: 0x31 requestOutOfRange
    with pytest.raises(NegativeResponseError) as caught:
        c.request(bytes.fromhex("31 01 02 02 24 00 02 00 00 00 09 CB F4 39 26"))
    assert caught.value.nrc == 0x31
    # the value alone where address, size and value are expected: 0x13
    with pytest.raises(NegativeResponseError) as caught:
        c.request(bytes.fromhex("31 01 02 02 CB F4 39 26"))
    assert caught.value.nrc == 0x13
    # the whole region with its CRC: status 0x00
    whole = zlib.crc32(b"\xff" * 0x400).to_bytes(4, "big")
    answer = c.request(bytes.fromhex("31 01 02 02 24 00 02 00 00 04 00") + whole)
    assert answer == bytes.fromhex("71 01 02 02 00")


def test_a_mismatch_says_what_was_compared_and_that_repeating_cannot_help(bench: Make) -> None:
    b = bench()
    b.ecu.state.memory["app"][0x200:0x204] = b"\x00\x00\x00\x00"  # left from an earlier image
    with pytest.raises(FlashVerifyError) as caught:
        _flash(b, erase=False)
    text = str(caught.value)
    region_crc = zlib.crc32(IMAGE + b"\xff" * (0x400 - len(IMAGE))).to_bytes(4, "big")
    assert (
        f"its CRC-32 of 0x20000..0x{REGION_END - 1:X} (the whole region: the 9-byte image, the "
        f"other 1015 bytes counted as 0xFF) differs from ours, 0x{region_crc.hex().upper()}"
    ) in text
    assert "(of 0x20000..0x20008 (the image) it would be 0xCBF43926)" in text
    assert "not erased" in text and "cannot help" in text
    assert "flash it again" not in text


def test_an_ecu_reporting_the_image_crc_is_told_to_set_covers_image(bench: Make) -> None:
    # status 01 (wrong), then the ECU's own CRC-32: that of the image alone
    b = bench(check_answer=bytes.fromhex("71 01 02 02 01 CB F4 39 26"))
    with pytest.raises(FlashVerifyError) as caught:
        _flash(b)
    text = str(caught.value)
    assert "the ECU reports 0xCBF43926" in text
    assert (
        "set covers: image and record: address_size_checksum in the profile's memory region "
        "app checksum"
    ) in text
    assert "cannot help" in text


def test_a_mismatch_with_an_other_erased_value_points_at_the_profile(bench: Make) -> None:
    b = bench(ecu_extra=", erased_value: 0x00")  # the ECU erases to 0x00, the profile says 0xFF
    with pytest.raises(FlashVerifyError) as caught:
        _flash(b)
    text = str(caught.value)
    assert "status 01" in text
    assert "correct the profile's memory region app checksum" in text
    assert "erased_value" in text and "flash it again" not in text


def test_covers_image_with_a_bare_value_is_refused_at_load() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(PROFILE.format(extra=", checksum: {covers: image}"))
    assert "memory[0].checksum.record" in str(caught.value)
    assert "address_size_checksum" in str(caught.value)
