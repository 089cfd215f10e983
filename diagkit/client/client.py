"""The ECU client scripts, benches and end-of-line stations use: one ECU, one transport.

Built on udsoncan's ``Client`` (its request builders and response codecs) with diagkit's
exchange underneath: ISO 14229-2 timing, one lock per exchange, a tester-present keeper for
non-default sessions, security access by named algorithm, and diagkit errors throughout.
The hot services (ReadDataByIdentifier, WriteDataByIdentifier, TesterPresent, raw requests)
skip udsoncan's per-request objects entirely.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from udsoncan.common.CommunicationType import CommunicationType
from udsoncan.common.DataFormatIdentifier import DataFormatIdentifier
from udsoncan.common.dtc import Dtc
from udsoncan.common.MemoryLocation import MemoryLocation
from udsoncan.Response import Response
from udsoncan.services.DiagnosticSessionControl import DiagnosticSessionControl
from udsoncan.services.ECUReset import ECUReset

from diagkit import security
from diagkit.client.dids import DidCodecs, read_request
from diagkit.client.errors import NrcError, SecurityRefusedError, uds_errors
from diagkit.client.exchange import Exchange
from diagkit.client.tester_present import Sender, TesterPresentKeeper
from diagkit.client.timing import Timing
from diagkit.client.udsconfig import client_config
from diagkit.codes import ServiceId, service_name
from diagkit.connection import TransportConnection
from diagkit.errors import (
    ConfigurationError,
    InvalidResponseError,
    SecurityAccessError,
)
from diagkit.transport.base import Transport

if TYPE_CHECKING:
    from diagkit.client.uds import UdsClient

logger = logging.getLogger(__name__)

DEFAULT_SESSION = 0x01
ROUTINE_CONTROL = int(ServiceId.RoutineControl)
TESTER_PRESENT = int(ServiceId.TesterPresent)
TRANSFER_DATA = int(ServiceId.TransferData)
_TESTER_PRESENT_REQUEST = bytes((TESTER_PRESENT, 0x00))
_R = TypeVar("_R", bound=Response)


@dataclass(frozen=True, kw_only=True)
class KeepAlive:
    """When and how the client sends TesterPresent by itself.

    ``enabled``: keep every non-default session alive; ``interval``: seconds of idleness before
    a TesterPresent; ``suppress``: set the suppress-positive-response bit; ``functional``: send
    it to the functional address (needs a functional sender; always suppressed).
    """

    enabled: bool = True
    interval: float = 2.0
    suppress: bool = True
    functional: bool = False


@dataclass(frozen=True, kw_only=True)
class SecuritySettings:
    """The seed/key algorithm (a :mod:`diagkit.security` name) and its parameters, per level.

    ``levels`` maps an odd RequestSeed level to its own ``(algorithm, params)`` when it differs
    from the default ``algorithm``/``params``.
    """

    algorithm: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)
    levels: Mapping[int, tuple[str, Mapping[str, object]]] = field(default_factory=dict)

    def for_level(self, level: int) -> tuple[str, Mapping[str, object]] | None:
        """The algorithm name and parameters for the odd ``level``, None when not configured."""
        if level in self.levels:
            return self.levels[level]
        if self.algorithm is None:
            return None
        return self.algorithm, self.params


class EcuClient:
    """A context-managed client for one ECU over ``transport`` (which it owns and closes).

    ``address`` names the ECU in errors and logs; ``config`` holds udsoncan client options
    (``data_identifiers``, ``input_output``, formats, ``standard_version``...); timing options
    there are replaced by ``timing``. ``functional``, a transmit-only sender on the functional
    address, is needed only for a functional tester present. ``did_names`` lets DIDs be named
    (``read_did("vin")``); ``dtc_status_mask`` is what :meth:`read_dtcs` asks for by default.
    Safe to use from several threads.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        address: str = "ecu",
        timing: Timing | None = None,
        config: Mapping[str, Any] | None = None,
        security_settings: SecuritySettings | None = None,
        keep_alive: KeepAlive | None = None,
        functional: Sender | None = None,
        send_timeout: float | None = None,
        did_names: Mapping[str, int] | None = None,
        dtc_status_mask: int = 0xFF,
    ) -> None:
        self.address = address
        self.functional = functional
        self.connection = TransportConnection(transport, address, send_timeout=send_timeout)
        try:
            if config is not None and config.get("security_algo") is not None:
                raise ConfigurationError(
                    "security is configured by algorithm name: pass security_settings="
                    "SecuritySettings(algorithm=..., params=...) (algorithms are registered "
                    "with diagkit.security.register), not udsoncan's security_algo"
                )
            self._base_timing = timing or Timing()
            self.keep_alive = keep_alive or KeepAlive()
            if self.keep_alive.functional and functional is None:
                raise ConfigurationError("KeepAlive(functional=True) needs a functional sender")
            self.security = security_settings or SecuritySettings()
            self.exchange = Exchange(self.connection, address, self._base_timing)
            with uds_errors(address):
                self._uds_config = client_config(config, self._base_timing)
            self._uds: UdsClient | None = None
            self.dids = DidCodecs(self._uds_config.get("data_identifiers"), did_names)
            self.dtc_status_mask = dtc_status_mask
            self.keeper = TesterPresentKeeper(
                self.exchange,
                interval=self.keep_alive.interval,
                suppress=self.keep_alive.suppress,
                functional=functional if self.keep_alive.functional else None,
            )
            self._tolerate_zero_padding = bool(
                self._uds_config.get("tolerate_zero_padding", True)
            )
            self.connection.open()
        except BaseException:  # the client owns the transports, even when it fails to start
            self.connection.close()
            if functional is not None:
                functional.close()
            raise

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def uds(self) -> UdsClient:
        """udsoncan's ``Client`` over this client's exchange, built when first needed.

        The fast paths (DIDs, routines, TesterPresent, raw requests) never need it, so a read
        does not import udsoncan's client, its connections module or python-can.
        """
        if self._uds is None:
            from diagkit.client.uds import UdsClient  # noqa: PLC0415 (heavy, seldom needed)

            with uds_errors(self.address):
                self._uds = UdsClient(self.exchange, self._uds_config)
        return self._uds

    @property
    def closed(self) -> bool:
        """True once the transport is closed."""
        return not self.connection.is_open()

    @property
    def timing(self) -> Timing:
        """The timing in force (the ECU's announced P2/P2* once a session was changed)."""
        return self.exchange.timing

    def close(self) -> None:
        """Stop the tester-present keeper and close the transport(s); idempotent."""
        self.keeper.stop()
        try:
            if self.functional is not None:  # first: it may borrow the physical channel's bus
                self.functional.close()
        finally:
            self.connection.close()

    def __enter__(self) -> EcuClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- raw ----------------------------------------------------------------------------------

    def request(self, payload: bytes, *, timing: Timing | None = None, echo: int = 0) -> bytes:
        """Send any request and return the positive response PDU (NRCs raise NrcError).

        ``echo``: how many request bytes after the SID the answer must repeat (answers that
        repeat others are taken for another request's and dropped).
        """
        pdu = self.exchange.request(bytes(payload), timing=timing, echo=echo)
        assert pdu is not None
        return pdu

    def send(self, payload: bytes) -> None:
        """Send a request without waiting for an answer (e.g. with the suppress bit set)."""
        self.exchange.request(bytes(payload), suppress=True)

    # -- sessions -----------------------------------------------------------------------------

    def change_session(self, session: int) -> DiagnosticSessionControl.InterpretedResponse:
        """DiagnosticSessionControl (0x10); adopts the ECU's P2/P2* and keeps the session alive."""
        response: DiagnosticSessionControl.InterpretedResponse
        response = self._call(self.uds.change_session, session)
        data = response.service_data
        if data.p2_server_max is not None and data.p2_star_server_max is not None:
            self.exchange.timing = self._base_timing.with_server_timing(
                data.p2_server_max, data.p2_star_server_max
            )
        if session == DEFAULT_SESSION:
            self.keeper.stop()
        elif self.keep_alive.enabled:
            self.keeper.start()
        return response

    def ecu_reset(self, reset_type: int) -> ECUReset.InterpretedResponse:
        """ECUReset (0x11); the ECU restarts in the default session, so tester present stops."""
        response: ECUReset.InterpretedResponse = self._call(self.uds.ecu_reset, reset_type)
        self.keeper.stop()
        return response

    def tester_present(self) -> None:
        """One TesterPresent (0x3E) now, waiting for ``7E 00`` (the keeper suppresses it)."""
        self._echoed(_TESTER_PRESENT_REQUEST, 2, "zeroSubFunction")

    # -- security -----------------------------------------------------------------------------

    def request_seed(self, level: int, data: bytes = b"") -> bytes:
        """SecurityAccess RequestSeed (odd ``level``); returns the seed (all zero: unlocked)."""
        response = self._call_security(self.uds.request_seed, level, data)
        seed = response.service_data.seed
        assert seed is not None
        return bytes(seed)

    def send_key(self, level: int, key: bytes) -> None:
        """SecurityAccess SendKey (``level`` odd or even: the even SendKey level is sent)."""
        self._call_security(self.uds.send_key, level, bytes(key))

    def unlock(
        self,
        level: int,
        *,
        algorithm: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        """Request the seed, compute the key with the configured algorithm, send it.

        ``algorithm``/``params`` override the profile's for this call. An all-zero seed means
        the level is already unlocked and no key is sent. Refusals raise SecurityRefusedError.
        """
        odd = level if level % 2 else level - 1
        compute = self._key_function(odd, algorithm, params)  # fails before any request
        with self.exchange.lock:  # seed and key back to back, no tester present between
            seed = self.request_seed(odd)
            if seed and not any(seed):
                logger.info("[%s] security level 0x%02X already unlocked", self.address, odd)
                return
            key = compute(seed)
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "[%s] level 0x%02X: %d-byte seed, %d-byte key",
                    self.address,
                    odd,
                    len(seed),
                    len(key),
                )
            self.send_key(odd + 1, key)
        logger.info("[%s] security level 0x%02X unlocked", self.address, odd)

    def _key_function(
        self, odd: int, algorithm: str | None, params: Mapping[str, object] | None
    ) -> Callable[[bytes], bytes]:
        """seed -> key for ``odd``: the call's algorithm or the settings' (one way: by name)."""
        chosen = self.security.for_level(odd)
        if algorithm is not None:
            chosen = (algorithm, chosen[1] if chosen else {})
        if chosen is not None:
            name, configured = chosen
            security.get(name)  # an unknown name fails before the ECU counts an attempt
            use = configured if params is None else params
            return lambda seed: security.compute_key(name, odd, seed, use)
        raise SecurityAccessError(
            f"[{self.address}] no security algorithm configured for level 0x{odd:02X}; "
            f"known algorithms: {', '.join(security.names())}"
        )

    # -- data identifiers and memory ----------------------------------------------------------

    def read_did(self, did: int | str) -> Any:
        """ReadDataByIdentifier (0x22) of one DID (number or name), decoded with its codec."""
        codecs = self.dids
        number = codecs.resolve(did)
        pdu = self.exchange.request(codecs.read_request((number,)), echo=2)
        assert pdu is not None
        try:
            return codecs.decode_one(number, pdu, self._tolerate_zero_padding)
        except InvalidResponseError:
            self.exchange.mark_stale()
            raise

    def read_did_record(self, did: int | str) -> tuple[Any, bytes]:
        """ReadDataByIdentifier (0x22) of one DID: its decoded value and its data bytes."""
        codecs = self.dids
        number = codecs.resolve(did)
        pdu = self.exchange.request(codecs.read_request((number,)), echo=2)
        assert pdu is not None
        try:
            value = codecs.decode_one(number, pdu, self._tolerate_zero_padding)
        except InvalidResponseError:
            self.exchange.mark_stale()
            raise
        return value, pdu[3:]

    def read_did_data(self, did: int | str) -> bytes:
        """ReadDataByIdentifier (0x22) of one DID, codec or not: the data record's bytes."""
        number = self.dids.resolve(did)
        pdu = self.exchange.request(read_request(number), echo=2)
        assert pdu is not None
        if len(pdu) < 3:  # too short to echo the DID
            self.exchange.mark_stale()
            raise InvalidResponseError(
                f"ReadDataByIdentifier (0x22) [{self.address}]: answer {pdu.hex(' ')} is too "
                f"short to echo DID 0x{number:04X}"
            )
        return pdu[3:]

    def read_dids(self, dids: Sequence[int | str]) -> dict[int, Any]:
        """ReadDataByIdentifier (0x22) of several DIDs in one request, decoded, by number.

        A DID named twice is asked for once; the ECU must answer every DID asked for.
        """
        if len(dids) == 1:  # the common case: no de-duplication, a cached request
            number = self.dids.resolve(dids[0])
            return {number: self.read_did(number)}
        codecs = self.dids
        numbers = list(dict.fromkeys(codecs.resolve(did) for did in dids))
        pdu = self.exchange.request(codecs.read_request(numbers))  # records in any order
        assert pdu is not None
        try:
            return codecs.decode_read(numbers, pdu, self._tolerate_zero_padding)
        except InvalidResponseError:
            self.exchange.mark_stale()
            raise

    def write_did(self, did: int | str, value: Any) -> None:
        """WriteDataByIdentifier (0x2E) of one DID (number or name), encoded with its codec."""
        number = self.dids.resolve(did)
        self._echoed(self.dids.encode_write(number, value), 3, "dataIdentifier")

    def read_memory(self, location: MemoryLocation) -> bytes:
        """ReadMemoryByAddress (0x23)."""
        response = self._call(self.uds.read_memory_by_address, location)
        return bytes(response.service_data.memory_block)

    def write_memory(self, location: MemoryLocation, data: bytes) -> None:
        """WriteMemoryByAddress (0x3D)."""
        self._call(self.uds.write_memory_by_address, location, bytes(data))

    # -- DTCs ---------------------------------------------------------------------------------

    def read_dtcs(self, status_mask: int | None = None) -> list[Dtc]:
        """ReadDTCInformation reportDTCByStatusMask (0x19 0x02); default: the profile mask."""
        mask = self.dtc_status_mask if status_mask is None else status_mask
        response = self._call(self.uds.get_dtc_by_status_mask, mask)
        return list(response.service_data.dtcs)

    def clear_dtcs(self, group: int = 0xFFFFFF, memory_selection: int | None = None) -> None:
        """ClearDiagnosticInformation (0x14); ``group`` 0xFFFFFF clears all groups."""
        self._call(self.uds.clear_dtc, group, memory_selection)

    def control_dtc_setting(self, setting_type: int, data: bytes | None = None) -> None:
        """ControlDTCSetting (0x85): 0x01 on, 0x02 off."""
        self._call(self.uds.control_dtc_setting, setting_type, data)

    # -- routines, I/O, communication ---------------------------------------------------------

    def start_routine(self, routine_id: int, data: bytes | None = None) -> bytes:
        """RoutineControl startRoutine (0x31 0x01); returns the routine status record."""
        return self._routine(0x01, routine_id, data)

    def stop_routine(self, routine_id: int, data: bytes | None = None) -> bytes:
        """RoutineControl stopRoutine (0x31 0x02); returns the routine status record."""
        return self._routine(0x02, routine_id, data)

    def routine_result(self, routine_id: int, data: bytes | None = None) -> bytes:
        """RoutineControl requestRoutineResults (0x31 0x03); returns the status record."""
        return self._routine(0x03, routine_id, data)

    def io_control(
        self,
        did: int,
        control_param: int | None = None,
        values: Any = None,
        masks: Any = None,
    ) -> Any:
        """InputOutputControlByIdentifier (0x2F); returns the decoded control status record."""
        response = self._call(self.uds.io_control, did, control_param, values, masks)
        return response.service_data.decoded_data

    def communication_control(
        self,
        control_type: int,
        communication_type: int | bytes | CommunicationType,
        node_id: int | None = None,
    ) -> None:
        """CommunicationControl (0x28)."""
        self._call(self.uds.communication_control, control_type, communication_type, node_id)

    # -- transfers ----------------------------------------------------------------------------

    def request_download(
        self, location: MemoryLocation, dfi: DataFormatIdentifier | None = None
    ) -> int:
        """RequestDownload (0x34); returns maxNumberOfBlockLength."""
        response = self._call(self.uds.request_download, location, dfi)
        return int(response.service_data.max_length)

    def request_upload(
        self, location: MemoryLocation, dfi: DataFormatIdentifier | None = None
    ) -> int:
        """RequestUpload (0x35); returns maxNumberOfBlockLength."""
        response = self._call(self.uds.request_upload, location, dfi)
        return int(response.service_data.max_length)

    def transfer_data(self, sequence_number: int, data: bytes | None = None) -> bytes:
        """TransferData (0x36); returns the transferResponseParameterRecord."""
        _check_byte("TransferData blockSequenceCounter", sequence_number)
        request = bytes((TRANSFER_DATA, sequence_number)) + bytes(data or b"")
        return self._echoed(request, 2, "blockSequenceCounter")

    def request_transfer_exit(self, data: bytes | None = None) -> bytes:
        """RequestTransferExit (0x37); returns the transferResponseParameterRecord."""
        response = self._call(self.uds.request_transfer_exit, data)
        return bytes(response.service_data.parameter_records)

    # -- plumbing -----------------------------------------------------------------------------

    def _call(self, method: Callable[..., _R | None], *args: Any) -> _R:
        try:
            with uds_errors(self.address):
                response = method(*args)
        except InvalidResponseError:  # udsoncan refused the answer: it may be a late one
            self.exchange.mark_stale()
            raise
        if response is None:  # only a suppressed positive response gives None
            raise InvalidResponseError(f"[{self.address}]: no response to return")
        return response

    def _call_security(self, method: Callable[..., _R | None], *args: Any) -> _R:
        try:
            return self._call(method, *args)
        except NrcError as exc:
            nrc = int(exc.nrc)
            raise SecurityRefusedError(exc.service, nrc, exc.address, exc.response) from exc

    def _routine(self, control: int, routine_id: int, data: bytes | None) -> bytes:
        """RoutineControl ``31 <control> <id hi lo> <data>``; the answer echoes all but data."""
        if not isinstance(routine_id, int) or not 0 <= routine_id <= 0xFFFF:
            raise ConfigurationError(f"a routine identifier is 0x0000-0xFFFF, got {routine_id!r}")
        request = bytes((ROUTINE_CONTROL, control, routine_id >> 8, routine_id & 0xFF))
        return self._echoed(request + bytes(data or b""), 4, "routineControlType and identifier")

    def _echoed(self, request: bytes, size: int, echoed: str) -> bytes:
        """The positive answer's data after the ``size - 1`` bytes it must echo from ``request``."""
        pdu = self.exchange.request(request, echo=size - 1)
        assert pdu is not None
        if pdu[1:size] != request[1:size]:  # too short to hold the echo: malformed
            self.exchange.mark_stale()
            sid = request[0]
            raise InvalidResponseError(
                f"{service_name(sid)} (0x{sid:02X}) [{self.address}]: {echoed} "
                f"{request[1:size].hex(' ')} not echoed in {pdu.hex(' ')}"
            )
        return pdu[size:]


def _check_byte(name: str, value: int) -> None:
    if not isinstance(value, int) or not 0 <= value <= 0xFF:
        raise ConfigurationError(f"{name} is one byte (0x00-0xFF), got {value!r}")
