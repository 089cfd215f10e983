"""Every way a download stops names the step, block, address and NRC, and what the region holds."""

from __future__ import annotations

import pytest

from diagkit.errors import (
    InvalidResponseError,
    NegativeResponseError,
    ResponseTimeoutError,
    SecurityAccessError,
)
from diagkit.flash import (
    FlashError,
    FlashNrcError,
    FlashResponseError,
    FlashSecurityError,
    FlashTimeoutError,
    FlashVerifyError,
    flash,
)
from diagkit.sim import Fault, Faults
from tests.unit.flash._flash_ecu import APP, APP_SIZE, REGION, BenchFactory

h = bytes.fromhex
IMAGE = bytes((i * 13) & 0xFF for i in range(APP_SIZE))


@pytest.mark.parametrize(
    ("nrc", "name"),
    [
        (0x71, "transferDataSuspended"),
        (0x72, "generalProgrammingFailure"),
        (0x73, "wrongBlockSequenceCounter"),
    ],
)
def test_nrc_on_transfer_data_names_block_address_and_nrc(
    served: BenchFactory, nrc: int, name: str
) -> None:
    bench = served(Faults(Fault(service=0x36, nrc=nrc)))
    with pytest.raises(FlashNrcError) as caught:
        flash(bench.client, REGION, IMAGE, retries=2)
    error = caught.value
    assert isinstance(error, NegativeResponseError)
    assert (error.step, error.block, error.address, error.nrc) == (
        "TransferData (0x36)",
        1,
        APP,
        nrc,
    )
    assert error.changed and error.written == 0
    text = str(error)
    assert "block 1 (counter 0x01, 0x1000..0x10FF)" in text
    assert f"0x{nrc:02X} {name}" in text
    assert "partially written (0 of 8192 bytes acknowledged)" in text
    assert len(bench.requests(0x36)) == 1  # an NRC other than 0x21 is never retried


def test_nrc_in_the_middle_of_the_download(handled: BenchFactory) -> None:
    def fail_block_300(request: bytes, answer: bytes) -> bytes | None:
        if request[0] == 0x36 and len(handled_blocks) == 299:
            return h("7F 36 72")
        if request[0] == 0x36:
            handled_blocks.append(request[1])
        return None

    handled_blocks: list[int] = []
    bench = handled(fail_block_300, max_block_length=0x12)
    with pytest.raises(FlashNrcError) as caught:
        flash(bench.client, REGION, IMAGE)
    error = caught.value
    # block 300 has counter 300 - 256 = 0x2C and starts 299 * 16 bytes into the region
    assert (error.block, error.address, error.nrc, error.written) == (300, APP + 4784, 0x72, 4784)
    assert "block 300 (counter 0x2C, 0x22B0..0x22BF)" in str(error)
    assert "4784 of 8192 bytes acknowledged" in str(error)


def test_a_lost_response_is_repeated_with_the_same_counter(served: BenchFactory) -> None:
    bench = served(Faults(Fault(service=0x36, no_answer=True, times=1)))
    result = flash(bench.client, REGION, IMAGE)
    transfers = bench.requests(0x36)
    assert transfers[0] == transfers[1] and transfers[1][:2] == h("36 01")
    assert transfers[2][:2] == h("36 02")
    assert result.retries == 1 and result.verified
    assert bench.memory() == IMAGE  # the ECU acknowledged the repeat without writing twice


def test_busy_repeat_request_is_repeated(served: BenchFactory) -> None:
    bench = served(Faults(Fault(service=0x36, nrc=0x21, times=2)))
    result = flash(bench.client, REGION, IMAGE, erase=False, verify=False)
    assert result.retries == 2
    assert [p[1] for p in bench.requests(0x36)[:4]] == [1, 1, 1, 2]
    assert bench.memory() == IMAGE


def test_no_answer_after_the_retries_is_a_timeout_naming_the_block(
    served: BenchFactory,
) -> None:
    bench = served(Faults(Fault(service=0x36, no_answer=True)))
    with pytest.raises(FlashTimeoutError) as caught:
        flash(bench.client, REGION, IMAGE, retries=1)
    error = caught.value
    assert isinstance(error, ResponseTimeoutError)
    assert (error.block, error.address) == (1, APP)
    assert "no response, P2" in str(error) and "block 1" in str(error)
    assert len(bench.requests(0x36)) == 2


def test_a_reset_in_the_middle_of_the_download_is_reported(served: BenchFactory) -> None:
    # The ECU resets when block 4 arrives and answers nothing; the repeat after P2 reaches
    # it back in the default session, where TransferData is not supported (0x7F).
    bench = served(Faults(Fault(reset_after_blocks=3, times=1)))
    with pytest.raises(FlashNrcError) as caught:
        flash(bench.client, REGION, IMAGE)
    error = caught.value
    assert (error.block, error.nrc, error.written) == (4, 0x7F, 3 * 256)
    assert "serviceNotSupportedInActiveSession" in str(error)
    assert "partially written (768 of 8192" in str(error)
    assert bench.ecu.state.resets == 1


def test_wrong_counter_in_the_answer_is_an_invalid_response(handled: BenchFactory) -> None:
    def echo_wrong(request: bytes, answer: bytes) -> bytes | None:
        return h("76 09") if request[:2] == h("36 02") else None

    bench = handled(echo_wrong)
    with pytest.raises(FlashResponseError) as caught:
        flash(bench.client, REGION, IMAGE)
    assert isinstance(caught.value, InvalidResponseError)
    assert caught.value.block == 2
    assert "expected 76 02, got 76 09" in str(caught.value)


def test_check_routine_reporting_a_mismatch(served: BenchFactory) -> None:
    bench = served()
    with pytest.raises(FlashVerifyError) as caught:
        flash(bench.client, REGION, IMAGE, checksum=lambda data: h("00 00 00 00"))
    error = caught.value
    assert error.changed and error.step == "check routine 0x0202"
    assert "status 01 (0x00 means correct)" in str(error)
    assert bench.memory() == IMAGE


def test_a_refused_key_stops_before_anything_is_erased(served: BenchFactory) -> None:
    bench = served(Faults(Fault(service=0x27, nrc=0x35, times=None)))
    with pytest.raises(FlashSecurityError) as caught:
        flash(bench.client, REGION, IMAGE)
    error = caught.value
    assert isinstance(error, SecurityAccessError) and isinstance(error, FlashError)
    assert not error.changed and error.nrc == 0x35
    assert "nothing was erased or written" in str(error)
    assert bench.requests(0x31) == [] and bench.requests(0x34) == []


def test_a_failed_erase_says_the_region_is_no_longer_valid(served: BenchFactory) -> None:
    bench = served(Faults(Fault(service=0x31, nrc=0x72)))
    with pytest.raises(FlashNrcError) as caught:
        flash(bench.client, REGION, IMAGE)
    assert caught.value.step == "erase routine 0xFF00" and caught.value.changed
    assert "erased (or partly erased)" in str(caught.value)
    assert bench.requests(0x34) == []


def test_a_refused_download_before_erase_changes_nothing(served: BenchFactory) -> None:
    bench = served(Faults(Fault(service=0x34, nrc=0x70)))
    with pytest.raises(FlashNrcError) as caught:
        flash(bench.client, REGION, IMAGE, erase=False)
    assert not caught.value.changed and caught.value.nrc == 0x70
    assert "RequestDownload (0x34)" in str(caught.value)
    assert "uploadDownloadNotAccepted" in str(caught.value)


def test_malformed_request_download_answer(handled: BenchFactory) -> None:
    def no_length(request: bytes, answer: bytes) -> bytes | None:
        return h("74 00") if request[0] == 0x34 else None

    bench = handled(no_length)
    with pytest.raises(FlashResponseError, match="malformed answer 74 00"):
        flash(bench.client, REGION, IMAGE)


def test_a_block_length_without_room_for_data_is_refused(handled: BenchFactory) -> None:
    def two(request: bytes, answer: bytes) -> bytes | None:
        return h("74 10 02") if request[0] == 0x34 else None

    bench = handled(two)
    with pytest.raises(FlashResponseError, match="maxNumberOfBlockLength 2 leaves no room"):
        flash(bench.client, REGION, IMAGE, erase=False)
