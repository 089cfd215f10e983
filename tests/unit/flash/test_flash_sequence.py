"""flash() over the simulated ECU: the ISO 14229-1 request bytes, the image read back, progress."""

from __future__ import annotations

import zlib

import pytest

from diagkit.errors import ConfigurationError
from diagkit.flash import FlashRegion, flash
from diagkit.sim import Fault, Faults
from tests.unit.flash._flash_ecu import APP, APP_SIZE, REGION, BenchFactory

h = bytes.fromhex
IMAGE = bytes((i * 31 + 7) & 0xFF for i in range(APP_SIZE))


def test_full_sequence_writes_the_region_with_iso_14229_requests(served: BenchFactory) -> None:
    bench = served()
    result = flash(bench.client, REGION, IMAGE)
    assert bench.memory() == IMAGE
    crc = zlib.crc32(IMAGE).to_bytes(4, "big")
    sent = bench.tester.sent
    assert sent[:5] == [
        h("10 02"),  # DiagnosticSessionControl programmingSession
        h("27 11"),  # SecurityAccess requestSeed level 0x11
        h("27 12 48 6E"),  # sendKey: seed 12 34 XOR 5A
        # RoutineControl startRoutine 0xFF00, option: ALFID 0x44 (4-byte size, 4-byte
        # address), memoryAddress 0x00001000, memorySize 0x00002000
        h("31 01 FF 00 44 00 00 10 00 00 00 20 00"),
        # RequestDownload: dataFormatIdentifier 0x00, ALFID 0x44, address, size
        h("34 00 44 00 00 10 00 00 00 20 00"),
    ]
    # maxNumberOfBlockLength 0x0102 = SID + counter + 256 data bytes: 32 blocks of 256
    transfers = sent[5:37]
    assert [pdu[:2] for pdu in transfers] == [bytes([0x36, n]) for n in range(1, 33)]
    assert b"".join(pdu[2:] for pdu in transfers) == IMAGE
    assert all(len(pdu) == 0x0102 for pdu in transfers)
    assert sent[37:] == [h("37"), h("31 01 02 02") + crc]
    assert (result.size, result.blocks, result.max_block_length) == (APP_SIZE, 32, 0x0102)
    assert result.erased and result.verified and result.retries == 0


def test_block_counter_wraps_from_ff_to_00(served: BenchFactory) -> None:
    bench = served(max_block_length=0x12)  # 16 data bytes per block
    image = bytes(range(256)) * 18 + b"\xab" * 5  # 4613 bytes: 288 full blocks + 5 bytes
    result = flash(bench.client, REGION, image, erase=False, verify=False)
    transfers = bench.requests(0x36)
    expected = [*range(1, 256), *range(0, 34)]  # ISO 14229-1: 0x01..0xFF, then 0x00, 0x01...
    assert [pdu[1] for pdu in transfers] == expected
    assert transfers[-1] == h("36 21") + b"\xab" * 5  # block 289, the short last one
    assert result.blocks == 289
    assert bench.memory(APP, len(image)) == image
    assert bench.memory(APP + len(image), 1) == b"\xff"


def test_bare_address_uses_minimal_formats_and_skips_session_security_and_routines(
    served: BenchFactory,
) -> None:
    bench = served()
    bench.client.change_session(0x02)
    bench.client.unlock(0x11)
    before = len(bench.tester.sent)
    result = flash(bench.client, 0x1100, b"\x01\x02\x03")
    # ALFID 0x12: memorySize in 1 byte, memoryAddress in 2 bytes
    assert bench.tester.sent[before:] == [h("34 00 12 11 00 03"), h("36 01 01 02 03"), h("37")]
    assert not result.erased and not result.verified
    assert bench.memory(0x1100, 4) == h("01 02 03 FF")


def test_fill_pads_to_the_region_end_so_the_whole_region_checksum_matches(
    served: BenchFactory,
) -> None:
    bench = served()
    result = flash(bench.client, REGION, b"\x11" * 1000, fill=0xFF)
    assert result.verified and result.size == APP_SIZE
    assert bench.memory() == b"\x11" * 1000 + b"\xff" * (APP_SIZE - 1000)


def test_progress_is_monotonic_and_ends_at_the_total(served: BenchFactory) -> None:
    bench = served()
    calls: list[tuple[int, int]] = []
    flash(
        bench.client,
        REGION,
        IMAGE,
        progress=lambda done, total: calls.append((done, total)),
        progress_interval=0.0,
    )
    assert calls[0] == (0, APP_SIZE) and calls[-1] == (APP_SIZE, APP_SIZE)
    assert {total for _, total in calls} == {APP_SIZE}
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert 256 in done and 512 in done  # reported per acknowledged block


def test_progress_is_throttled(served: BenchFactory) -> None:
    bench = served(max_block_length=0x12)
    calls: list[int] = []
    flash(
        bench.client,
        REGION,
        IMAGE,
        erase=False,
        verify=False,
        progress=lambda done, total: calls.append(done),
        progress_interval=3600.0,
    )
    assert calls == [0, 16, APP_SIZE]  # start, the first block, the end: nothing in between


def test_response_pendings_on_erase_are_waited_for(served: BenchFactory) -> None:
    bench = served(Faults(Fault(service=0x31, pending=3, pending_interval=0.02, times=1)))
    assert flash(bench.client, REGION, IMAGE).erased
    assert bench.ecu_end.sent[:6].count(h("7F 31 78")) == 3
    assert bench.memory() == IMAGE


def test_a_block_cap_below_the_ecus_limit_is_honoured(served: BenchFactory) -> None:
    bench = served()
    result = flash(bench.client, REGION, IMAGE, erase=False, verify=False, max_block_length=0x82)
    assert {len(p) for p in bench.requests(0x36)} == {0x82}
    assert result.blocks == APP_SIZE // 0x80
    assert bench.memory() == IMAGE


@pytest.mark.parametrize(
    ("data", "address", "reason"),
    [
        (b"", None, "empty"),
        (b"\x00" * (APP_SIZE + 1), None, "do not fit"),
        (b"\x00" * 16, APP + APP_SIZE - 8, "do not fit"),
        (b"\x00", APP - 1, "do not fit"),
    ],
)
def test_images_outside_the_region_are_refused_before_any_request(
    served: BenchFactory, data: bytes, address: int | None, reason: str
) -> None:
    bench = served()
    with pytest.raises(ConfigurationError, match=reason):
        flash(bench.client, REGION, data, address=address)
    assert bench.tester.sent == []


def test_region_address_and_size_layout() -> None:
    region = FlashRegion(address=0, address_bits=24, size_bits=16)
    assert region.address_and_size(0x123456, 0x0100) == h("23 12 34 56 01 00")
    assert FlashRegion(address=0).address_and_size(0x08004000, 0x3C000) == h(
        "34 08 00 40 00 03 C0 00"
    )
    with pytest.raises(ConfigurationError, match="does not fit the 16-bit"):
        region.address_and_size(0, 0x10000)
