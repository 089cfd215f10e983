"""The ISO 14229-1 download of one memory region, as fast as the transport allows.

Order: DiagnosticSessionControl and SecurityAccess when the region needs them, the erase
routine (RoutineControl 0x31 01 with ALFID, address and size), RequestDownload (0x34),
TransferData (0x36) blocks, RequestTransferExit (0x37), the check routine with the expected
checksum as the region's ``checksum`` setting says (algorithm, the bytes it covers: the image
or the whole region with erased bytes beyond the image, and the option record's layout). A
mismatch names both values and ranges, and what will help. The TransferData loop builds each
request from a memoryview slice with a precomputed header, checks the ``76 counter`` answer
itself and logs nothing per block.

Retries: a TransferData request is repeated with the *same* block sequence counter when its
answer did not come (timeout, broken ISO-TP transfer) or was 0x21 busyRepeatRequest. ISO
14229-1 makes this safe: an ECU that already wrote the block answers the repeated counter
positively without writing it again. Any other failure stops the sequence with a
:class:`~diagkit.flash.errors.FlashError` that says what the region holds now.

Recovery: a failure once RequestDownload was accepted first ends the ECU's download as ISO
14229-1 allows, so that flashing again can work: RequestTransferExit where the ECU accepts it
(an ECU may refuse it before all data arrived; the simulated one answers 0x24), else leaving
the region's session for the default one (which ends what the session started, downloads
included) and entering it again. The error says which worked. A RequestDownload refused with
0x22 or 0x70, as an ECU may answer while a download is still open (from a run that could not
end it, or another tool), ends that download the same way and is asked once more.
docs/flashing.md describes this for users.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from diagkit.codes import Nrc
from diagkit.errors import (
    ConfigurationError,
    DiagkitError,
    InvalidResponseError,
    NegativeResponseError,
    ResponseTimeoutError,
    TransferError,
    TransportTimeoutError,
)
from diagkit.flash.errors import FlashError, FlashVerifyError, flash_error_class
from diagkit.flash.region import DEFAULT_SESSION, FlashRegion

if TYPE_CHECKING:
    from diagkit.client import EcuClient

logger = logging.getLogger(__name__)

REQUEST_DOWNLOAD = 0x34
TRANSFER_DATA = 0x36
REQUEST_TRANSFER_EXIT = 0x37
ROUTINE_CONTROL = 0x31
START_ROUTINE = 0x01
PLAIN_DATA = 0x00
"""dataFormatIdentifier 0x00: neither compressed nor encrypted."""
TRANSFER_HEADER = 2
"""maxNumberOfBlockLength counts the TransferData SID and the block sequence counter."""
_HEADERS = tuple(bytes((TRANSFER_DATA, counter)) for counter in range(256))
_RETRIABLE = (ResponseTimeoutError, TransferError, TransportTimeoutError)
_BUSY = int(Nrc.busyRepeatRequest)
_DOWNLOAD_OPEN = frozenset({int(Nrc.conditionsNotCorrect), int(Nrc.uploadDownloadNotAccepted)})
"""RequestDownload NRCs an ECU answers while an earlier download is still open."""


class Progress(Protocol):
    """Told ``(bytes_done, bytes_total)`` as blocks are acknowledged; ends with done == total."""

    def __call__(self, done: int, total: int, /) -> None: ...


Checksum = Callable[[bytes], bytes]
"""The check routine's whole option record for the downloaded bytes (replaces the region's
``checksum`` setting)."""


def crc32_record(data: bytes) -> bytes:
    """CRC-32 (ISO-HDLC, as zlib computes it) of ``data``, 4 bytes big-endian."""
    return zlib.crc32(data).to_bytes(4, "big")


@dataclass(frozen=True)
class _Expected:
    """The checksum the ECU should compute: over which bytes, its value and option record."""

    covers: str
    address: int
    size: int
    padded: int
    """Bytes of the range the image does not cover, counted as the region's erased value."""
    erased_value: int
    value: bytes
    record: bytes

    @property
    def what(self) -> str:
        """The range in words: ``0x8000..0x43FFF (the whole region, ...)``."""
        span = f"0x{self.address:X}..0x{self.address + self.size - 1:X}"
        if self.covers == "image":
            return f"{span} (the image)"
        if not self.padded:
            return f"{span} (the whole region, all of it the image)"
        return (
            f"{span} (the whole region: the {self.size - self.padded}-byte image, the other "
            f"{self.padded} bytes counted as 0x{self.erased_value:02X})"
        )


_OTHER = {"region": "image", "image": "region"}


def _expected(
    region: FlashRegion, address: int, image: bytes, *, covers: str | None = None
) -> _Expected:
    """The checksum of ``image`` at ``address`` as ``region``'s setting (or ``covers``) says."""
    setting = region.checksum
    covers = covers or setting.covers
    if covers == "image":
        start, data = address, image
    else:
        start = region.address
        end = region.address + (region.size or address - region.address + len(image))
        erased = bytes([region.erased_value])
        data = erased * (address - start) + image + erased * (end - address - len(image))
    value = setting.compute(data)
    record = value
    if setting.record == "address_size_checksum":
        record = region.address_and_size(start, len(data)) + value
    padded = len(data) - len(image)
    return _Expected(covers, start, len(data), padded, region.erased_value, value, record)


@dataclass(frozen=True)
class _Ending:
    """How ending an open download went: ``closed`` once the ECU holds none, ``how`` in words,
    ``relocked`` when a session change locked security again."""

    closed: bool
    how: str
    relocked: bool = False


@dataclass(frozen=True)
class FlashResult:
    """What a completed flash did; ``transfer_seconds`` covers the TransferData blocks only.

    ``size`` counts the bytes downloaded, ``padding`` of them included."""

    region: str
    address: int
    size: int
    max_block_length: int
    blocks: int
    retries: int
    erased: bool
    verified: bool
    transfer_seconds: float
    total_seconds: float
    padding: int = 0
    """Bytes of ``fill`` appended to the data (included in ``size``)."""
    checked: str = ""
    """What the check routine compared, e.g. ``CRC-32 of 0x8000..0xFFFF (the image)``."""

    @property
    def rate(self) -> float:
        """TransferData throughput in bytes per second."""
        return self.size / self.transfer_seconds if self.transfer_seconds > 0 else 0.0


def flash(
    client: EcuClient,
    region: FlashRegion | int,
    data: bytes | bytearray | memoryview,
    *,
    progress: Progress | None = None,
    erase: bool = True,
    verify: bool = True,
    address: int | None = None,
    fill: int | None = None,
    data_format: int = PLAIN_DATA,
    max_block_length: int | None = None,
    retries: int = 2,
    checksum: Checksum | None = None,
    progress_interval: float = 0.1,
) -> FlashResult:
    """Download ``data`` into ``region`` (a :class:`FlashRegion` or a bare start address).

    ``address`` starts the download inside the region (default: its start); ``fill`` pads the
    data to the region's end with that byte. The check routine gets the checksum the region's
    ``checksum`` setting describes (a whole-region checksum counts the region's
    ``erased_value`` for bytes the image does not cover); ``checksum``, a function of the
    image, replaces that option record. ``erase``/``verify`` skip the region's routines when
    False.
    ``max_block_length`` caps the ECU's maxNumberOfBlockLength (e.g. to the transport's
    largest PDU); ``retries`` is how often one block may be repeated. ``progress`` is called
    at most every ``progress_interval`` seconds, and once at the end.
    Raises :class:`~diagkit.flash.errors.FlashError` (of the cause's category) on failure,
    after ending the download it opened, so that calling it again starts afresh.
    """
    target = region if isinstance(region, FlashRegion) else FlashRegion(address=region)
    image = _image(target, data, address, fill)
    start = target.address if address is None else address
    if not 0 <= data_format <= 0xFF:
        raise ConfigurationError(f"dataFormatIdentifier must be one byte, got {data_format!r}")
    if max_block_length is not None and max_block_length <= TRANSFER_HEADER:
        raise ConfigurationError(f"max_block_length must be > 2, got {max_block_length}")
    if retries < 0:
        raise ConfigurationError(f"retries must be >= 0, got {retries}")
    run = _Run(
        client,
        target,
        address=start,
        image=image,
        progress=progress,
        progress_interval=progress_interval,
    )
    began = time.monotonic()
    with client.exchange.lock:  # nothing (not even tester present) between our requests
        run.prepare()
        erased = erase and target.erase_routine is not None and run.erase()
        announced = run.request_download(data_format)
        try:
            block_length = (
                announced if max_block_length is None else min(announced, max_block_length)
            )
            transfer_began = time.monotonic()
            run.transfer(block_length - TRANSFER_HEADER, retries)
            transfer_seconds = time.monotonic() - transfer_began
            run.transfer_exit()
        except BaseException:  # e.g. a progress callback's error: the ECU must not stay stuck
            run.end_download()  # nothing left to do when the FlashError already ended it
            raise
        verified = verify and target.check_routine is not None and run.check(checksum)
    result = FlashResult(
        region=target.label,
        address=start,
        size=len(image),
        max_block_length=block_length,
        blocks=run.blocks,
        retries=run.retries,
        erased=erased,
        verified=verified,
        transfer_seconds=transfer_seconds,
        total_seconds=time.monotonic() - began,
        padding=len(image) - len(data),
        checked=run.checked if verified else "",
    )
    logger.info(
        "[%s] flashed %d bytes into %s at 0x%X in %d blocks: %.0f B/s (%d retries)",
        client.address,
        result.size,
        target.label,
        start,
        result.blocks,
        result.rate,
        result.retries,
    )
    return result


def _image(
    region: FlashRegion, data: bytes | bytearray | memoryview, address: int | None, fill: int | None
) -> bytes:
    """The bytes to download, padded with ``fill``; checks they fit the region."""
    image = bytes(data)
    start = region.address if address is None else address
    end = None if region.size is None else region.address + region.size
    if fill is not None:
        if end is None:
            raise ConfigurationError("fill needs a region with a size")
        if not 0 <= fill <= 0xFF:
            raise ConfigurationError(f"fill must be one byte, got {fill!r}")
        image += bytes([fill]) * max(0, end - start - len(image))
    if not image:
        raise ConfigurationError(f"nothing to flash into {region.label}: the image is empty")
    if start < region.address or (end is not None and start + len(image) > end):
        limit = "" if end is None else f"..0x{end - 1:X}"
        raise ConfigurationError(
            f"{len(image)} bytes at 0x{start:X} do not fit region {region.label} "
            f"(0x{region.address:X}{limit})"
        )
    return image


class _Run:
    """One flash sequence: its steps, and the error text saying where it stopped."""

    def __init__(
        self,
        client: EcuClient,
        region: FlashRegion,
        *,
        address: int,
        image: bytes,
        progress: Progress | None,
        progress_interval: float,
    ) -> None:
        self.client = client
        self.region = region
        self.address = address
        self.image = image
        self.progress = progress
        self.progress_interval = progress_interval
        self.step = "preparation"
        self.erased = False
        self.written = 0
        self.blocks = 0
        self.retries = 0
        self.open = False
        """True while the ECU holds a download this run asked for and did not close."""
        self.ending: _Ending | None = None
        self.checked = ""
        """What the check routine compared, once it ran."""

    # -- steps --------------------------------------------------------------------------------

    def prepare(self) -> None:
        region = self.region
        try:
            if region.session is not None:
                self.step = f"DiagnosticSessionControl (0x10) to session 0x{region.session:02X}"
                self.client.change_session(region.session)
        except DiagkitError as exc:
            raise self.fail(exc) from exc
        self.unlock()

    def unlock(self) -> None:
        level = self.region.security_level
        if level is None:
            return
        self.step = f"SecurityAccess (0x27) level 0x{level:02X}"
        try:
            self.client.unlock(level)
        except DiagkitError as exc:
            raise self.fail(exc) from exc

    def erase(self) -> bool:
        region = self.region
        assert region.erase_routine is not None
        size = region.size if region.size is not None else len(self.image)
        self.step = f"erase routine 0x{region.erase_routine:04X}"
        logger.info("[%s] erasing %s", self.client.address, region.label)
        self.erased = True  # from the moment it is asked, the region's content is unknown
        self._routine(region.erase_routine, region.address_and_size(region.address, size))
        return True

    def request_download(self, data_format: int) -> int:
        self.step = "RequestDownload (0x34)"
        request = bytes([REQUEST_DOWNLOAD, data_format]) + self.region.address_and_size(
            self.address, len(self.image)
        )
        try:
            answer = self.client.request(request)
        except NegativeResponseError as exc:
            if getattr(exc, "nrc", None) not in _DOWNLOAD_OPEN:
                raise self.fail(exc) from exc
            answer = self._request_download_again(request, exc)
        except DiagkitError as exc:
            raise self.fail(exc) from exc
        self.open = True  # from here on, a failure must end the download before it is reported
        width = answer[1] >> 4 if len(answer) >= 2 else 0
        if width == 0 or len(answer) < 2 + width:
            raise self.fail(
                InvalidResponseError(f"malformed answer {answer.hex(' ')} (74 LFID length...)")
            )
        length = int.from_bytes(answer[2 : 2 + width], "big")
        if length <= TRANSFER_HEADER:
            raise self.fail(
                InvalidResponseError(
                    f"maxNumberOfBlockLength {length} leaves no room for data "
                    "(it counts the SID and the block sequence counter)"
                )
            )
        logger.info(
            "[%s] download of %d bytes at 0x%X accepted, maxNumberOfBlockLength %d",
            self.client.address,
            len(self.image),
            self.address,
            length,
        )
        return length

    def _request_download_again(self, request: bytes, refusal: NegativeResponseError) -> bytes:
        """End a download the ECU may still hold open, then ask for ours once more."""
        logger.warning(
            "[%s] RequestDownload %s: ending any download left open, then asking again",
            self.client.address,
            _reason(refusal),
        )
        ending = self._end()
        if not ending.closed:
            raise self.fail(
                refusal,
                text=(
                    f"{refusal}; a download left open could not be ended ({ending.how}): end it "
                    "with a session change or an ECU reset, then flash again"
                ),
            ) from refusal
        if ending.relocked:
            self.unlock()
            self.step = "RequestDownload (0x34)"
        try:
            return self.client.request(request)
        except DiagkitError as exc:
            raise self.fail(exc, text=f"{exc} (asked again after {ending.how})") from exc

    def transfer(self, block_size: int, retries: int) -> None:
        """The hot loop: one TransferData per block, counter 0x01..0xFF then 0x00 onwards."""
        self.step = "TransferData (0x36)"
        request = self.client.exchange.request
        view = memoryview(self.image)
        total = len(self.image)
        progress = self.progress
        interval = self.progress_interval
        next_report = 0.0
        if progress is not None:
            progress(0, total)
        offset = 0
        block = 0
        while offset < total:
            block += 1
            counter = block & 0xFF
            pdu = _HEADERS[counter] + view[offset : offset + block_size]
            attempt = 0
            while True:
                try:
                    answer = request(pdu)
                    break
                except _RETRIABLE as exc:
                    if attempt >= retries:
                        raise self.fail(exc, block=block, offset=offset, size=len(pdu)) from exc
                    reason = str(exc)
                except NegativeResponseError as exc:
                    if getattr(exc, "nrc", None) != _BUSY or attempt >= retries:
                        raise self.fail(exc, block=block, offset=offset, size=len(pdu)) from exc
                    reason = str(exc)
                except DiagkitError as exc:
                    raise self.fail(exc, block=block, offset=offset, size=len(pdu)) from exc
                attempt += 1
                self.retries += 1
                logger.warning(
                    "[%s] repeating block %d (counter 0x%02X) at 0x%X: %s",
                    self.client.address,
                    block,
                    counter,
                    self.address + offset,
                    reason,
                )
            if answer is None or len(answer) < 2 or answer[1] != counter:
                shown = answer.hex(" ") if answer else "nothing"
                raise self.fail(
                    InvalidResponseError(f"expected 76 {counter:02X}, got {shown}"),
                    block=block,
                    offset=offset,
                    size=len(pdu),
                )
            offset += len(pdu) - TRANSFER_HEADER
            self.written = offset
            if progress is not None:
                now = time.monotonic()
                if now >= next_report:
                    next_report = now + interval
                    progress(offset, total)
        self.blocks = block
        if progress is not None:
            progress(total, total)

    def transfer_exit(self) -> None:
        self.step = "RequestTransferExit (0x37)"
        self._request(bytes([REQUEST_TRANSFER_EXIT]))
        self.open = False

    def end_download(self) -> None:
        """End the download this run opened, if it is still open; never raises a DiagkitError."""
        if not self.open:
            return
        self.open = False
        self.ending = self._end()
        logger.warning("[%s] download ended: %s", self.client.address, self.ending.how)

    def check(self, override: Checksum | None) -> bool:
        region = self.region
        assert region.check_routine is not None
        self.step = f"check routine 0x{region.check_routine:04X}"
        expected = _expected(region, self.address, self.image)
        option = expected.record if override is None else override(self.image)
        self.checked = (
            f"{region.checksum.label} of {expected.what}"
            if override is None
            else f"the option record {option.hex(' ')}"
        )
        status = self._routine(region.check_routine, option)
        if status and status[0] != 0x00:
            verdict = f"the ECU reports status {status.hex(' ').upper()} (0x00 means correct)"
            if override is not None:
                text, advice = f"{verdict} for our option record {option.hex(' ')}", None
            else:
                text, advice = self._mismatch(verdict, expected, status[1:])
            raise self.fail(None, text=text, kind=FlashVerifyError, state=advice)
        return True

    def _mismatch(self, verdict: str, expected: _Expected, reported: bytes) -> tuple[str, str]:
        """What was compared (both coverages' checksums, their ranges) and what will help."""
        region = self.region
        setting = region.checksum
        other = _expected(region, self.address, self.image, covers=_OTHER[setting.covers])
        text = (
            f"{verdict}: its {setting.label} of {expected.what} differs from ours, "
            f"0x{expected.value.hex().upper()} (of {other.what} it would be "
            f"0x{other.value.hex().upper()})"
        )
        if len(reported) == setting.size:  # an ECU may send its own value after the status
            text += f"; the ECU reports 0x{reported.hex().upper()}"
        key = f"the profile's memory region {region.label} checksum"
        if reported == other.value:
            change = f"covers: {other.covers}"
            if other.covers == "image" and setting.record == "checksum":
                change += " and record: address_size_checksum"
            return text, (
                f"the ECU checks {other.what}: set {change} in {key}; "
                "flashing again with the same setting cannot help"
            )
        if expected.padded and not self.erased and expected.covers == "region":
            return text, (
                f"the region was not erased by this flash, so its {expected.padded} bytes "
                f"outside the image need not hold 0x{region.erased_value:02X}: flash again "
                "with the erase routine, or pad the image to the whole region (fill); "
                "repeating this flash cannot help"
            )
        return text, (
            "flashing again helps only if the download was corrupted; if the ECU checks other "
            f"bytes or another algorithm or record layout, correct {key} (algorithm, covers, "
            "record, erased_value)"
        )

    # -- plumbing -----------------------------------------------------------------------------

    def _end(self) -> _Ending:
        """End any download the ECU holds: RequestTransferExit, else leave and re-enter the
        region's session (the default session ends every download, ISO 14229-1)."""
        try:
            self.client.request(bytes([REQUEST_TRANSFER_EXIT]))
        except DiagkitError as exc:
            refused = f"RequestTransferExit: {_reason(exc)}"
        else:
            return _Ending(True, "RequestTransferExit accepted")
        session = self.region.session
        if session is None:
            return _Ending(False, f"{refused}; the region names no session to re-enter")
        try:
            self.client.change_session(DEFAULT_SESSION)
        except DiagkitError as exc:
            return _Ending(False, f"{refused}; DiagnosticSessionControl 0x01: {_reason(exc)}")
        try:
            self.client.change_session(session)
        except DiagkitError as exc:
            return _Ending(
                True,
                f"{refused}; the default session ended it; DiagnosticSessionControl "
                f"0x{session:02X}: {_reason(exc)}",
                relocked=True,
            )
        return _Ending(
            True, f"{refused}; left session 0x{session:02X} and entered it again", relocked=True
        )

    def _request(self, payload: bytes) -> bytes:
        try:
            return self.client.request(payload)
        except DiagkitError as exc:
            raise self.fail(exc) from exc

    def _routine(self, routine: int, option: bytes) -> bytes:
        """Start ``routine``; returns its routineInfo + status record (the bytes after the id)."""
        request = bytes([ROUTINE_CONTROL, START_ROUTINE]) + routine.to_bytes(2, "big") + option
        answer = self._request(request)
        if answer[1:4] != request[1:4]:
            raise self.fail(
                InvalidResponseError(f"expected 71 {request[1:4].hex(' ')}, got {answer.hex(' ')}")
            )
        return answer[4:]

    def fail(
        self,
        cause: BaseException | None,
        *,
        block: int | None = None,
        offset: int = 0,
        size: int = 0,
        text: str | None = None,
        kind: type[FlashError] | None = None,
        state: str | None = None,
    ) -> FlashError:
        """The error for ``cause`` at the current step, saying what the region holds now.

        A download still open is ended first, so the text can say whether flashing again works.
        """
        self.end_download()
        where = self.step
        address = None
        if block is not None:
            address = self.address + offset
            last = address + size - TRANSFER_HEADER - 1
            counter = block & 0xFF
            where = f"{where} block {block} (counter 0x{counter:02X}, 0x{address:X}..0x{last:X})"
        changed, known = self._state(block is not None)
        state = known if state is None else state
        error = (kind or flash_error_class(cause))(
            f"flash {self.region.label}: {where}: {text or cause}; {state}"
        )
        error.step = self.step
        error.region = self.region.label
        error.block = block
        error.address = address
        nrc = getattr(cause, "nrc", None)
        error.nrc = None if nrc is None else int(nrc)
        error.written = self.written
        error.total = len(self.image)
        error.changed = changed
        return error

    def _state(self, transferring: bool) -> tuple[bool, str]:
        total = len(self.image)
        if transferring:
            return True, (
                f"the region is partially written ({self.written} of {total} bytes "
                f"acknowledged); {self._after()}"
            )
        if self.step.startswith("RequestTransferExit"):
            return True, (
                f"all {total} bytes were acknowledged but the transfer exit failed; {self._after()}"
            )
        if self.ending is not None:  # RequestDownload was accepted, its answer was not usable
            before = (
                "the region was erased (or partly erased) and holds no valid data"
                if self.erased
                else "nothing was written"
            )
            return self.erased, f"{before}; {self._after()}"
        if self.step.startswith("check"):
            return True, "the downloaded content is not confirmed: flash it again"
        if self.erased:
            return True, "the region was erased (or partly erased) and holds no valid data"
        return False, "nothing was erased or written"

    def _after(self) -> str:
        """What the ECU's download is now, and what to do that works."""
        ending = self.ending
        if ending is None or ending.closed:
            how = "" if ending is None else f" ({ending.how})"
            return f"the download is closed{how}: flash it again"
        if self.region.session is None:
            return (
                f"the download may still be open ({ending.how}): end it with a session change "
                "or an ECU reset, then flash it again"
            )
        return (
            f"the download may still be open ({ending.how}): flash it again once the ECU "
            "answers (that ends the download first), or reset the ECU first"
        )


def _reason(error: DiagkitError) -> str:
    """A short cause: ``refused with 0x24 requestSequenceError``, ``no response in P2``..."""
    if isinstance(error, NegativeResponseError) and error.nrc is not None:
        return f"refused with 0x{int(error.nrc):02X} {error.nrc_name}"
    if isinstance(error, ResponseTimeoutError):
        return "no response" if error.timer is None else f"no response in {error.timer}"
    return str(error)
