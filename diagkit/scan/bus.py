"""Raw CAN frames for discovery: probes go out as single frames, answers are seen on any id.

Discovery cannot use an ISO-TP channel per candidate: a channel only hears the one response id
it is bound to, and an ECU may answer on any id (the conventional tx+8 is only a convention).
A probe and its answer both fit one ISO-TP single frame, so a raw CAN channel is enough and no
flow control is ever needed. The kernel backend uses a ``CAN_RAW`` socket (Linux UAPI
``struct can_frame`` / ``struct canfd_frame``); the userspace backend a python-can bus opened
from the same :class:`~diagkit.transport.config.TransportConfig` the ISO-TP transports use.
"""

from __future__ import annotations

import select
import socket
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from diagkit.errors import ConfigurationError, TransportClosedError, TransportError

if TYPE_CHECKING:
    import can

    from diagkit.transport.config import TransportConfig

CAN_EFF_FLAG = 0x80000000
CAN_EFF_MASK = 0x1FFFFFFF
CAN_RTR_FLAG = 0x40000000
CAN_ERR_FLAG = 0x20000000
SOL_CAN_RAW = 101  # SOL_CAN_BASE (100) + CAN_RAW (1)
CAN_RAW_FD_FRAMES = 5
CAN_MTU = 16  # sizeof(struct can_frame)
CANFD_MTU = 72  # sizeof(struct canfd_frame)
_HEADER = struct.Struct("=IBBBB")  # can_id, len, flags (FD) / pad, res0, res1 / len8_dlc


@dataclass(frozen=True)
class RawFrame:
    """One CAN frame: a bare 11- or 29-bit id, its data, and whether it was CAN FD."""

    can_id: int
    data: bytes
    extended: bool = False
    fd: bool = False

    def __str__(self) -> str:
        width = 8 if self.extended else 3
        kind = "FD " if self.fd else ""
        return f"{kind}{self.can_id:0{width}X}#{self.data.hex().upper()}"


class RawBus(Protocol):
    """A raw CAN channel: send a frame, receive the next one (``None`` after ``timeout`` s)."""

    def send(self, frame: RawFrame) -> None: ...

    def recv(self, timeout: float) -> RawFrame | None: ...

    def close(self) -> None: ...


class KernelRawBus:
    """A Linux ``CAN_RAW`` socket on one interface (CAN FD frames too with ``fd``)."""

    def __init__(self, interface: str, *, fd: bool = False) -> None:
        from diagkit.errormap import Context, translate  # noqa: PLC0415

        self.interface = interface
        self.fd = fd
        try:
            self._socket = socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW)
        except (AttributeError, OSError) as exc:
            raise TransportError(
                f"cannot open a raw CAN socket ({exc}): the kernel backend needs Linux with CAN; "
                "elsewhere scan with --backend userspace"
            ) from exc
        try:
            if fd:
                self._socket.setsockopt(SOL_CAN_RAW, CAN_RAW_FD_FRAMES, 1)
            self._socket.bind((interface,))
        except OSError as exc:
            self._socket.close()
            raise translate(exc, "bind", Context(interface=interface)) from exc

    def send(self, frame: RawFrame) -> None:
        """Write one frame; a CAN FD frame needs a bus opened with ``fd``."""
        from diagkit.errormap import Context, translate  # noqa: PLC0415

        if frame.fd and not self.fd:
            raise ConfigurationError("a CAN FD frame needs the raw bus opened with fd=True")
        can_id = frame.can_id | CAN_EFF_FLAG if frame.extended else frame.can_id
        size = CANFD_MTU if frame.fd else CAN_MTU
        raw = _HEADER.pack(can_id, len(frame.data), 0, 0, 0) + frame.data
        try:
            self._socket.send(raw.ljust(size, b"\x00"))
        except OSError as exc:
            raise translate(exc, "send", Context(interface=self.interface)) from exc

    def recv(self, timeout: float) -> RawFrame | None:
        """The next data frame (error and remote frames are skipped), or ``None``."""
        from diagkit.errormap import Context, translate  # noqa: PLC0415

        if self._socket.fileno() < 0:
            raise TransportClosedError(f"recv on {self.interface}: the raw CAN socket is closed")
        ready, _, _ = select.select([self._socket], [], [], max(timeout, 0.0))
        if not ready:
            return None
        try:
            raw = self._socket.recv(CANFD_MTU)
        except OSError as exc:
            raise translate(exc, "recv", Context(interface=self.interface)) from exc
        can_id, length, _flags, _res0, _res1 = _HEADER.unpack_from(raw)
        if can_id & (CAN_RTR_FLAG | CAN_ERR_FLAG):
            return None
        extended = bool(can_id & CAN_EFF_FLAG)
        return RawFrame(
            can_id & (CAN_EFF_MASK if extended else 0x7FF),
            bytes(raw[8 : 8 + length]),
            extended=extended,
            fd=len(raw) == CANFD_MTU,
        )

    def close(self) -> None:
        """Close the socket; idempotent."""
        self._socket.close()


class PythonCanRawBus:
    """A python-can bus carrying raw frames (the userspace backend's view of the bus)."""

    def __init__(self, bus: can.BusABC, *, own_bus: bool = True) -> None:
        self.bus = bus
        self.own_bus = own_bus

    def send(self, frame: RawFrame) -> None:
        """Hand one frame to python-can; its errors become :class:`TransportError`."""
        import can  # noqa: PLC0415

        message = can.Message(
            arbitration_id=frame.can_id,
            data=frame.data,
            is_extended_id=frame.extended,
            is_fd=frame.fd,
        )
        try:
            self.bus.send(message)
        except can.CanError as exc:
            raise TransportError(f"send {frame} on {self.bus.channel_info}: {exc}") from exc

    def recv(self, timeout: float) -> RawFrame | None:
        """The next data frame, or ``None`` after ``timeout`` seconds."""
        import can  # noqa: PLC0415

        try:
            message = self.bus.recv(max(timeout, 0.0))
        except can.CanError as exc:
            raise TransportError(f"recv on {self.bus.channel_info}: {exc}") from exc
        if message is None or message.is_error_frame or message.is_remote_frame:
            return None
        return RawFrame(
            message.arbitration_id,
            bytes(message.data),
            extended=message.is_extended_id,
            fd=message.is_fd,
        )

    def close(self) -> None:
        """Shut the bus down when this object opened it."""
        if self.own_bus:
            self.bus.shutdown()


def open_raw_bus(config: TransportConfig, *, fd: bool = False) -> RawBus:
    """A raw channel on the bus ``config`` names: kernel ``CAN_RAW`` or python-can (userspace).

    Only ``interface``, ``backend`` and ``python_can`` of ``config`` are used: discovery sends
    its own single frames, so the address and ISO-TP options do not apply.
    """
    if config.backend == "kernel":
        return KernelRawBus(config.interface, fd=fd)
    if config.backend == "userspace":
        import dataclasses  # noqa: PLC0415

        from diagkit.transport.userspace import open_bus  # noqa: PLC0415

        kwargs = dict(config.python_can)
        if fd:
            kwargs["fd"] = "true"
        return PythonCanRawBus(
            open_bus(dataclasses.replace(config, python_can=tuple(kwargs.items())))
        )
    raise ConfigurationError(
        f"discovery needs a CAN bus: backend {config.backend!r} has none (use kernel or userspace)"
    )
