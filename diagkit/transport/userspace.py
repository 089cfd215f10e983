"""ISO-TP in userspace over python-can, for machines without the kernel's CAN_ISOTP sockets.

Segmentation, flow control and the N_Bs/N_Cr timers are python-can-isotp's maintained,
notifier-driven stack (``isotp.NotifierBasedCanStack``); this module maps diagkit's
:class:`~diagkit.transport.address.Address` and
:class:`~diagkit.transport.options.SocketOptions` onto it in one function
(:func:`stack_settings`), owns the stack's threads and (optionally) the bus, and raises the stack's
errors instead of leaving them in a log line, mapped by :mod:`diagkit.errormap` to the class and
errno the kernel backend gives the same event.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import can
import isotp

from diagkit.errormap import bus_open_error, stack_error
from diagkit.errors import ConfigurationError, DiagkitError, TransportClosedError
from diagkit.logsafe import FrameDumpFilter, pdu_text
from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.base import Transport
from diagkit.transport.config import TransportConfig
from diagkit.transport.options import (
    CANFD_BRS,
    CANFD_ESI,
    FRAME_TXTIME_ZERO,
    Flags,
    LinkLayerProtocol,
    SocketOptions,
)

logger = logging.getLogger(__name__)

STACK_LOGGER_NAME = f"{__name__}.isotp"
"""python-can-isotp's own log lines (frame dumps, protocol warnings) go to this logger."""
logging.getLogger(STACK_LOGGER_NAME).addFilter(FrameDumpFilter())  # frames may carry a key

N_BS_TIMEOUT_MS = 1000  # wait for flow control after FF / a block (the kernel's ISOTP_FC_TIMEOUT)
N_CR_TIMEOUT_MS = 1000  # wait for the next consecutive frame (the kernel's rx timeout)
READ_TIMEOUT = 0.05  # stack thread wake-up period: timer checks and stop latency, not data latency
NOTIFIER_TIMEOUT = 0.02  # python-can notifier poll period: only bounds how fast close() returns
TX_ERROR_GRACE = 0.2  # the stack completes a failed send just before reporting why

_UNSUPPORTED_FLAGS: Mapping[Flags, str] = {
    Flags.CHK_PAD_LEN: "python-can-isotp does not check the length of received frames",
    Flags.CHK_PAD_DATA: "python-can-isotp does not check the padding bytes of received frames",
    Flags.HALF_DUPLEX: "python-can-isotp always runs full duplex",
    Flags.FORCE_RXSTMIN: "python-can-isotp cannot drop consecutive frames that come too fast",
    Flags.CF_BROADCAST: "python-can-isotp always waits for flow control after a first frame",
}

_TX_ERRORS = (
    isotp.FlowControlTimeoutError,
    isotp.OverflowError,
    isotp.UnsupportedWaitFrameError,
    isotp.MaximumWaitFrameReachedError,
    isotp.BadGeneratorError,
)
_RX_ERRORS = (
    isotp.ConsecutiveFrameTimeoutError,
    isotp.WrongSequenceNumberError,
    isotp.FrameTooLongError,
    isotp.InvalidCanDataError,
    isotp.ChangingInvalidRXDLError,
    isotp.MissingEscapeSequenceError,
    isotp.InvalidCanFdFirstFrameRXDL,
)
# Unexpected CF/FC and a reception restarted by a new SF/FF are dropped silently by the kernel
# too; they are only logged (by the stack, on STACK_LOGGER_NAME).

_WAKE = bytearray()  # queued into the stack's rx queue to wake recv(); real PDUs are never empty


@dataclass(frozen=True)
class StackSettings:
    """What python-can-isotp is given for one channel: its address and its ``params`` dict."""

    address: isotp.Address | isotp.AsymmetricAddress
    params: Mapping[str, Any] = field(default_factory=dict)
    functional: bool = False

    @property
    def listen_mode(self) -> bool:
        """True when the stack only listens (LISTEN_MODE): no flow control, no sending."""
        return bool(self.params.get("listen_mode", False))


def stack_settings(
    address: Address, options: SocketOptions, *, max_pdu_size: int = 8300
) -> StackSettings:
    """Map an address and kernel-style socket options onto python-can-isotp's address and params.

    Raises :class:`ConfigurationError` naming every option the userspace stack cannot honour.
    Honoured: LISTEN_MODE, TX_PADDING/txpad (frames padded as the kernel pads them, CAN FD
    ones to at least 8 bytes), RX_PADDING (accepted, nothing to check without
    CHK_PAD_*), FORCE_TXSTMIN/tx_stmin_ns, WAIT_TX_DONE (send always waits), SF_BROADCAST,
    DYN_FC_PARMS (the stack always follows every FC), bs, stmin, wftmax, CAN FD tx_dl and
    CANFD_BRS, and ``max_pdu_size`` as the largest PDU accepted.
    """
    general = options.general
    flags = general.optflag
    problems = [
        f"{flag.name}: {reason}" for flag, reason in _UNSUPPORTED_FLAGS.items() if flags & flag
    ]
    if general.frame_txtime_ns not in (0, FRAME_TXTIME_ZERO):
        problems.append(
            f"frame_txtime_ns={general.frame_txtime_ns}: python-can-isotp keeps no fixed gap "
            "between frames (use 0 or FRAME_TXTIME_ZERO)"
        )
    tx_flags = options.link_layer.tx_flags
    if tx_flags & CANFD_ESI:
        problems.append(
            "tx_flags CANFD_ESI (0x02): python-can-isotp cannot set the error state indicator"
        )
    problems += _ext_address_conflicts(address, options)
    if problems:
        raise ConfigurationError(
            "the userspace ISO-TP backend cannot honour these options (use the kernel backend "
            "or drop them): " + "; ".join(problems)
        )
    if not 1 <= max_pdu_size <= 0xFFFFFFFF:
        raise ConfigurationError(f"max_pdu_size must be in 1..4294967295, got {max_pdu_size}")

    functional = address.target_type is TargetAddressType.Functional or bool(
        flags & Flags.SF_BROADCAST
    )
    params: dict[str, Any] = {
        "blocksize": options.flow_control.bs,
        "stmin": options.flow_control.stmin,
        "wftmax": options.flow_control.wftmax,
        "tx_padding": general.txpad if flags & Flags.TX_PADDING else None,
        # As the kernel: padded CAN FD frames are at least 8 bytes, not just a valid FD length.
        "tx_data_min_length": 8 if flags & Flags.TX_PADDING else None,
        "can_fd": options.link_layer.mtu == LinkLayerProtocol.CAN_FD,
        "tx_data_length": options.link_layer.tx_dl,
        "bitrate_switch": bool(tx_flags & CANFD_BRS),
        "max_frame_size": max_pdu_size,
        "listen_mode": bool(flags & Flags.LISTEN_MODE),
        "override_receiver_stmin": (
            (options.tx_stmin_ns or 0) / 1e9 if flags & Flags.FORCE_TXSTMIN else None
        ),
        "default_target_address_type": (
            isotp.TargetAddressType.Functional if functional else isotp.TargetAddressType.Physical
        ),
        "rx_flowcontrol_timeout": N_BS_TIMEOUT_MS,
        "rx_consecutive_frame_timeout": N_CR_TIMEOUT_MS,
        "blocking_send": True,
        "logger_name": STACK_LOGGER_NAME,
    }
    isotp_address = (
        _transmit_only_address(address) if flags & Flags.SF_BROADCAST else _isotp_address(address)
    )
    return StackSettings(isotp_address, params, functional)


def _ext_address_conflicts(address: Address, options: SocketOptions) -> list[str]:
    """The Address decides extension bytes; kernel-style ext options may only repeat them."""
    general, flags, problems = options.general, options.general.optflag, []
    if flags & Flags.EXTEND_ADDR and general.ext_address != address.tx_ext_address:
        problems.append(
            f"EXTEND_ADDR with ext_address=0x{general.ext_address:02X} contradicts the "
            f"{address.addressing_mode.name} address (tx extension byte: "
            f"{_byte_or_none(address.tx_ext_address)})"
        )
    if flags & Flags.RX_EXT_ADDR and general.rx_ext_address != address.rx_ext_address:
        problems.append(
            f"RX_EXT_ADDR with rx_ext_address=0x{general.rx_ext_address:02X} contradicts the "
            f"{address.addressing_mode.name} address (rx extension byte: "
            f"{_byte_or_none(address.rx_ext_address)})"
        )
    return problems


def _byte_or_none(value: int | None) -> str:
    return "none" if value is None else f"0x{value:02X}"


def _isotp_address(address: Address, **extra: Any) -> isotp.Address:
    """The same ids and extension bytes as python-can-isotp's ``isotp.Address``."""
    mode = isotp.AddressingMode[address.addressing_mode.name]
    kwargs: dict[str, Any] = {
        "txid": address.txid,
        "rxid": address.rxid,
        "target_address": address.target_address,
        "source_address": address.source_address,
        "address_extension": address.address_extension,
    }
    if address.addressing_mode in (AddressingMode.NormalFixed_29bits, AddressingMode.Mixed_29bits):
        # Bits 28..16 of the ids: responses arrive physically, requests may go functionally.
        kwargs["physical_id"] = address.rx_id & 0x1FFF0000
        if address.target_type is TargetAddressType.Functional:
            kwargs["functional_id"] = address.tx_id & 0x1FFF0000
    try:
        return isotp.Address(mode, **kwargs, **extra)
    except ValueError as exc:
        raise ConfigurationError(f"python-can-isotp refuses the address {address}: {exc}") from exc


def _transmit_only_address(address: Address) -> isotp.AsymmetricAddress:
    """SF_BROADCAST's counterpart: send on ``address``, receive only on its own transmit id.

    python-can-isotp always listens somewhere; listening on the physical response id (as the
    kernel's SF_BROADCAST socket never does) would answer an ECU's first frame with a second
    flow control. Functional ids carry single-frame requests only, so nothing is ever
    answered there.
    """
    listen = (
        isotp.AddressingMode.Normal_29bits
        if address.is_29bit
        else isotp.AddressingMode.Normal_11bits
    )
    try:
        return isotp.AsymmetricAddress(
            tx_addr=_isotp_address(address, tx_only=True),
            rx_addr=isotp.Address(listen, rxid=address.tx_id, rx_only=True),
        )
    except ValueError as exc:
        raise ConfigurationError(
            f"python-can-isotp refuses a transmit-only address for {address}: {exc}"
        ) from exc


def python_can_kwargs(config: TransportConfig) -> dict[str, Any]:
    """python-can ``Bus`` arguments from ``config.python_can`` (strings as in a config file).

    ``channel`` defaults to ``config.interface``; ``fd`` defaults to true for CAN FD options;
    integer strings (e.g. ``bitrate``) become ints and true/false words become bools, except
    ``channel``, which python-can interfaces parse themselves.
    """
    kwargs: dict[str, Any] = {"channel": config.interface}
    if config.options.link_layer.mtu == LinkLayerProtocol.CAN_FD:
        kwargs["fd"] = True
    for key, text in config.python_can:
        kwargs[key] = text if key in ("channel", "interface") else _config_value(text)
    return kwargs


def _config_value(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    try:
        return int(lowered, 0)
    except ValueError:
        return text


def open_bus(config: TransportConfig) -> can.BusABC:
    """Open the python-can bus a config describes, with diagkit errors naming interface/channel."""
    kwargs = python_can_kwargs(config)
    where = f"python-can interface {kwargs.get('interface', '<default>')!r}, channel " + repr(
        kwargs["channel"]
    )
    try:
        return can.Bus(**kwargs)
    except (can.CanError, OSError, ImportError, TypeError, ValueError) as exc:
        raise bus_open_error(exc, where) from exc


class _SharedNotifier:
    """One python-can Notifier per bus, shared by every transport on it and stopped by the last.

    python-can allows one active Notifier per bus; a Notifier the user created is reused as is
    and never stopped here.
    """

    _lock = threading.Lock()
    _owned: ClassVar[dict[int, tuple[can.Notifier, int]]] = {}

    @classmethod
    def acquire(cls, bus: can.BusABC) -> can.Notifier:
        with cls._lock:
            entry = cls._owned.get(id(bus))
            if entry is not None:
                cls._owned[id(bus)] = (entry[0], entry[1] + 1)
                return entry[0]
            active = [n for n in can.Notifier.find_instances(bus) if not n.stopped]
            if active:
                return active[0]
            notifier = can.Notifier(bus, [], timeout=NOTIFIER_TIMEOUT)
            cls._owned[id(bus)] = (notifier, 1)
            return notifier

    @classmethod
    def release(cls, bus: can.BusABC, notifier: can.Notifier) -> None:
        with cls._lock:
            entry = cls._owned.get(id(bus))
            if entry is None or entry[0] is not notifier:
                return
            if entry[1] > 1:
                cls._owned[id(bus)] = (notifier, entry[1] - 1)
                return
            del cls._owned[id(bus)]
        notifier.stop(timeout=NOTIFIER_TIMEOUT + 1.0)

    @classmethod
    def discard(cls, bus: can.BusABC) -> None:
        """Stop the notifier of a bus about to shut down, whoever else still shares it."""
        with cls._lock:
            entry = cls._owned.pop(id(bus), None)
        if entry is not None:
            entry[0].stop(timeout=NOTIFIER_TIMEOUT + 1.0)


class UserspaceTransport(Transport):
    """One ISO-TP channel run by python-can-isotp over a python-can bus.

    ``bus`` is any ``can.BusABC``; with ``own_bus`` the transport shuts it down on close.
    ``send`` waits until the last frame is handed to the bus (like the kernel's WAIT_TX_DONE)
    and raises on a missing flow control, an overflow or a bus error; broken receptions
    (consecutive frame timeout, wrong sequence number, too long) are raised by the next ``recv``.
    """

    def __init__(
        self,
        bus: can.BusABC,
        address: Address,
        options: SocketOptions | None = None,
        *,
        send_timeout: float = 2.0,
        max_pdu_size: int = 8300,
        own_bus: bool = False,
    ) -> None:
        self._closed = False
        self._close_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._bus = bus
        self._own_bus = own_bus
        self._stack: isotp.NotifierBasedCanStack | None = None
        self._notifier: can.Notifier | None = None
        self._tx_error: Exception | None = None
        self._tx_error_event = threading.Event()
        self._rx_errors: collections.deque[Exception] = collections.deque()
        self.address = address
        self.max_pdu_size = max_pdu_size
        self.send_timeout = send_timeout
        try:
            if send_timeout <= 0:
                raise ConfigurationError(f"send_timeout must be > 0 s, got {send_timeout}")
            self._settings = stack_settings(
                address, options or SocketOptions(), max_pdu_size=max_pdu_size
            )
            self._start(bus)
        except BaseException:
            self.close()
            raise
        logger.debug("userspace ISO-TP channel open on %s: %s", bus.channel_info, address)

    @classmethod
    def from_config(
        cls, config: TransportConfig, *, bus: can.BusABC | None = None
    ) -> UserspaceTransport:
        """Open the channel a config describes, on ``bus`` or on a bus opened (and owned) here."""
        own_bus = bus is None
        if bus is None:
            stack_settings(config.address, config.options, max_pdu_size=config.max_pdu_size)
            bus = open_bus(config)
        return cls(
            bus,
            config.address,
            config.options,
            send_timeout=config.send_timeout,
            max_pdu_size=config.max_pdu_size,
            own_bus=own_bus,
        )

    def _start(self, bus: can.BusABC) -> None:
        if not isinstance(bus, can.BusABC):
            raise ConfigurationError(f"bus must be a python-can BusABC, got {type(bus).__name__}")
        self._notifier = _SharedNotifier.acquire(bus)
        stack = isotp.NotifierBasedCanStack(
            bus,
            self._notifier,
            address=self._settings.address,
            error_handler=self._on_stack_error,
            params=dict(self._settings.params),
            read_timeout=READ_TIMEOUT,
        )
        # The stack sleeps only when its reader returned early; never longer than 1 ms.
        stack.set_sleep_timing(idle=0.001, wait_fc=0.001)
        self._stack = stack
        stack.txfn = self._guard_txfn(stack.txfn)
        try:
            stack.start()
        except RuntimeError as exc:
            raise stack_error(exc, f"the python-can-isotp stack did not start: {exc}") from exc

    def _guard_txfn(self, txfn: isotp.TransportLayerLogic.TxFn) -> isotp.TransportLayerLogic.TxFn:
        """Keep a failing ``bus.send`` from killing the stack thread; report it at ``send``."""

        def send_frame(msg: isotp.CanMessage) -> None:
            try:
                txfn(msg)
            except (can.CanError, OSError, ValueError) as exc:
                logger.debug("bus send of 0x%X failed: %s", msg.arbitration_id, exc)
                self._record_tx_error(exc)

        return send_frame

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def bus(self) -> can.BusABC:
        """The python-can bus the frames go over."""
        return self._bus

    def send(self, pdu: bytes, timeout: float | None = None) -> None:
        """Send one PDU; return once its last frame is on the bus, raise otherwise."""
        stack = self._check_open()
        data = bytes(pdu)
        self._check_sendable(data)
        wait = self.send_timeout if timeout is None else timeout
        with self._send_lock:
            self._tx_error = None
            self._tx_error_event.clear()
            try:
                stack.send(data, send_timeout=wait)
            except isotp.BlockingSendTimeout as exc:
                stack.stop_sending()
                self._check_open()
                raise stack_error(
                    exc,
                    f"sending {len(data)} bytes on {self.address} did not complete within "
                    f"{wait} s{self._fc_hint(len(data))}",
                ) from exc
            except isotp.BlockingSendFailure as exc:
                self._check_open()
                self._tx_error_event.wait(TX_ERROR_GRACE)
                raise self._send_failure(len(data), self._tx_error) from (self._tx_error or exc)
            except (ValueError, RuntimeError) as exc:
                raise stack_error(exc, f"python-can-isotp refused the PDU: {exc}") from exc
            if self._tx_error is not None:
                raise self._send_failure(len(data), self._tx_error) from self._tx_error
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("sent %d bytes on %s: %s", len(data), self.address, pdu_text(data))

    def _check_sendable(self, data: bytes) -> None:
        if not data:
            raise ConfigurationError("cannot send an empty PDU: ISO-TP carries 1 byte or more")
        if len(data) > self.max_pdu_size:
            raise ConfigurationError(
                f"PDU of {len(data)} bytes exceeds max_pdu_size {self.max_pdu_size}"
            )
        if self._settings.listen_mode:
            raise ConfigurationError("cannot send with LISTEN_MODE: this channel only listens")
        if self._settings.functional:
            room = self._single_frame_room()
            if len(data) > room:
                raise ConfigurationError(
                    f"a functional request is one single frame: at most {room} bytes with "
                    f"these link-layer options, got {len(data)}"
                )

    def _single_frame_room(self) -> int:
        tx_dl = int(self._settings.params["tx_data_length"])
        prefix = 0 if self.address.tx_ext_address is None else 1
        return tx_dl - prefix - (1 if tx_dl == 8 else 2)

    def _fc_hint(self, size: int) -> str:
        if size <= self._single_frame_room():
            return " (the bus did not take the frame)"
        return f" (no flow control arrived on rx id 0x{self.address.rx_id:X})"

    def _send_failure(self, size: int, cause: Exception | None) -> DiagkitError:
        """The error for a failed send; its class and errno come from :mod:`diagkit.errormap`."""
        addr = self.address
        if isinstance(cause, isotp.FlowControlTimeoutError):
            text = (
                f"no flow control from the receiver: sent a first frame of a {size}-byte PDU "
                f"on tx id 0x{addr.tx_id:X}, no FC on rx id 0x{addr.rx_id:X} within "
                f"{N_BS_TIMEOUT_MS / 1000:g} s (N_Bs); is the ECU there and the address right?"
            )
        elif isinstance(cause, isotp.OverflowError):
            text = (
                f"the receiver answered flow control Overflow on rx id 0x{addr.rx_id:X}: "
                f"a {size}-byte PDU is more than it can take"
            )
        elif isinstance(
            cause, (isotp.UnsupportedWaitFrameError, isotp.MaximumWaitFrameReachedError)
        ):
            text = (
                f"too many flow control WAIT frames on rx id 0x{addr.rx_id:X} (wftmax "
                f"{self._settings.params['wftmax']}): {cause}"
            )
        elif isinstance(cause, (can.CanError, OSError)):
            text = f"the CAN bus refused a frame of the {size}-byte PDU: {cause}"
        else:
            text = f"sending {size} bytes on {addr} failed: {cause or 'unknown cause'}"
        return stack_error(cause, text)

    def recv(self, timeout: float) -> bytes | None:
        """The next received PDU, or ``None`` after ``timeout`` seconds without one."""
        stack = self._check_open()
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            self._raise_rx_error()
            item = stack.recv(block=True, timeout=max(deadline - time.monotonic(), 0.0))
            if item is None:
                self._check_open()
                return None
            if item:
                break
            stack = self._check_open()  # woken up: closed, or a broken reception to report
        data = bytes(item)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("received %d bytes on %s: %s", len(data), self.address, pdu_text(data))
        return data

    def _raise_rx_error(self) -> None:
        if not self._rx_errors:
            return
        error = self._rx_errors.popleft()
        raise stack_error(
            error,
            f"a reception on rx id 0x{self.address.rx_id:X} broke off: {error}"
            + (
                f" (no consecutive frame within {N_CR_TIMEOUT_MS / 1000:g} s, N_Cr)"
                if isinstance(error, isotp.ConsecutiveFrameTimeoutError)
                else ""
            ),
        ) from error

    def _on_stack_error(self, error: Exception) -> None:
        """Called by the stack thread; keeps each error for the call it belongs to."""
        if isinstance(error, _TX_ERRORS):
            self._record_tx_error(error)
        elif isinstance(error, _RX_ERRORS):
            self._rx_errors.append(error)
            if self._stack is not None:
                self._stack.rx_queue.put(_WAKE)

    def _record_tx_error(self, error: Exception) -> None:
        if self._tx_error is None:
            self._tx_error = error
        self._tx_error_event.set()

    def _check_open(self) -> isotp.NotifierBasedCanStack:
        if self._closed or self._stack is None:
            raise TransportClosedError(
                f"the userspace ISO-TP transport on {self.address} is closed"
            )
        return self._stack

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"UserspaceTransport({self.address}, bus={self._bus.channel_info!r}, {state})"

    def close(self) -> None:
        """Stop the stack's threads, release the notifier, shut the bus down if owned."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        stack, self._stack = self._stack, None
        if stack is not None:
            try:
                stack.stop()
            except Exception:  # close must not raise; the stack is gone either way
                logger.exception("stopping the python-can-isotp stack failed")
            stack.rx_queue.put(_WAKE)  # wake a recv() blocked in another thread
        notifier, self._notifier = self._notifier, None
        if notifier is not None:
            _SharedNotifier.release(self._bus, notifier)
        if self._own_bus:
            _SharedNotifier.discard(self._bus)  # its thread must not read a shut-down bus
            try:
                self._bus.shutdown()
            except Exception:
                logger.exception("shutting down the python-can bus failed")
