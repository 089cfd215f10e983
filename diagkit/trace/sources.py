"""Where recorded frames come from: a kernel CAN_RAW socket, or a python-can bus's traffic.

The kernel source is a CAN_RAW socket on the interface with one filter per CAN id of the
profiles (11-bit ids never match 29-bit frames and back), CAN FD frames accepted, kernel
timestamps (SO_TIMESTAMPNS); it sees what the ISO-TP sockets of this machine send and what
the ECUs answer, flow control included. The bus source hooks the python-can bus the userspace
stack runs on: a ``can.Listener`` on its notifier for received frames, and its ``send`` for
the frames the stack sends, put back as it was when the recording stops.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import struct
import threading
import time
from collections.abc import Callable, Collection
from typing import Any

import can

from diagkit.errormap import error_for
from diagkit.errors import ConfigurationError, TransportUnavailableError
from diagkit.trace.frame import (
    CAN_EFF_FLAG,
    CAN_EFF_MASK,
    CAN_RTR_FLAG,
    CAN_SFF_MASK,
    Direction,
    TraceFrame,
)

FrameSink = Callable[[TraceFrame], None]
CanId = tuple[int, bool]  # (arbitration id, is 29-bit)

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux asm-generic value
POLL = 0.05  # reader thread wake-up period: bounds how long stop() takes, not latency
CAN_MTU, CANFD_MTU = 16, 72


def raw_filters(ids: Collection[CanId]) -> bytes:
    """The CAN_RAW_FILTER array (struct can_filter) matching exactly these ids.

    The mask includes CAN_EFF_FLAG and CAN_RTR_FLAG, so an 11-bit id never matches a 29-bit
    frame with the same low bits, and remote frames are left out.
    """
    packed = b""
    for can_id, extended in sorted(ids):
        if extended:
            packed += struct.pack(
                "=II", can_id | CAN_EFF_FLAG, CAN_EFF_FLAG | CAN_RTR_FLAG | CAN_EFF_MASK
            )
        else:
            packed += struct.pack("=II", can_id, CAN_EFF_FLAG | CAN_RTR_FLAG | CAN_SFF_MASK)
    return packed


def parse_raw(packet: bytes, timestamp: float, direction: Direction) -> TraceFrame:
    """A kernel can_frame / canfd_frame (host byte order) as a TraceFrame."""
    can_id, length, flags = struct.unpack_from("=IBB", packet)
    return TraceFrame.from_socketcan(
        can_id,
        bytes(packet[8 : 8 + length]),
        flags,
        is_fd=len(packet) == CANFD_MTU,
        timestamp=timestamp,
        direction=direction,
    )


class RawSocketSource:
    """A CAN_RAW socket on ``interface`` read by a thread until :meth:`stop`."""

    def __init__(
        self, interface: str, ids: Collection[CanId], tx_ids: Collection[CanId], sink: FrameSink
    ) -> None:
        if not hasattr(socket, "CAN_RAW"):
            raise TransportUnavailableError("recording on the kernel backend needs Linux CAN_RAW")
        self._tx_ids = frozenset(tx_ids)
        self._sink = sink
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW)
        try:
            self._sock.setsockopt(socket.SOL_CAN_RAW, socket.CAN_RAW_FILTER, raw_filters(ids))
            self._sock.setsockopt(socket.SOL_CAN_RAW, socket.CAN_RAW_FD_FRAMES, 1)
            self._sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            self._sock.settimeout(POLL)
            self._sock.bind((interface,))
        except OSError as exc:
            self._sock.close()
            raise error_for(
                exc.errno or 0,
                f"cannot record CAN frames on {interface}: {exc.strerror or exc}"
                + (" (no such interface)" if exc.errno == 19 else ""),
            ) from exc
        self._thread = threading.Thread(
            target=self._run, name=f"diagkit-trace-{interface}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        space = socket.CMSG_SPACE(16)
        while True:
            try:
                packet, ancillary, _flags, _addr = self._sock.recvmsg(CANFD_MTU, space)
            except TimeoutError:
                if self._stop.is_set():  # drained: nothing more arrived within POLL
                    return
                continue
            except OSError:
                return
            stamp = time.time()
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                    seconds, nanoseconds = struct.unpack_from("=qq", value)
                    stamp = seconds + nanoseconds / 1e9
            if len(packet) not in (CAN_MTU, CANFD_MTU):
                continue
            frame = parse_raw(packet, stamp, "rx")
            if (frame.arbitration_id, frame.is_extended_id) in self._tx_ids:
                frame = dataclasses.replace(frame, direction="tx")
            self._sink(frame)

    def stop(self) -> None:
        """Read what is still queued, then close the socket."""
        self._stop.set()
        self._thread.join(timeout=5.0)
        self._sock.close()


class BusSource:
    """Frames a python-can bus sends (its ``send``) and receives (a listener on its notifier).

    The notifier is the one the userspace transports on the bus share; when the bus has none
    yet, one is started here (and the transports opened later reuse it) and stopped by
    :meth:`stop`, so the recording must then outlast those transports.
    """

    def __init__(self, bus: can.BusABC, ids: Collection[CanId], sink: FrameSink) -> None:
        self._bus = bus
        self._ids = frozenset(ids)
        self._sink = sink
        self._lock = threading.Lock()
        self._listener = _Listener(self._received)
        active = [n for n in can.Notifier.find_instances(bus) if not n.stopped]
        self._own_notifier: can.Notifier | None = None
        if active:
            self._notifier = active[0]
            self._notifier.add_listener(self._listener)
        else:
            self._notifier = self._own_notifier = can.Notifier(bus, [self._listener], timeout=POLL)
        if "send" in vars(bus):
            self._stop_listening()
            raise ConfigurationError(f"the bus {bus.channel_info} is already being recorded")
        original: Callable[..., Any] = bus.send

        def send(msg: can.Message, timeout: float | None = None) -> None:
            with self._lock:  # the answer to this frame is recorded after it, never before
                stamp = time.time()
                original(msg, timeout)
                if (msg.arbitration_id, msg.is_extended_id) in self._ids:
                    self._sink(
                        dataclasses.replace(TraceFrame.from_message(msg, "tx"), timestamp=stamp)
                    )

        setattr(bus, "send", send)  # noqa: B010 (an instance attribute, deleted by stop())

    def _received(self, msg: can.Message) -> None:
        if msg.is_error_frame or msg.is_remote_frame or not msg.is_rx:
            return  # own echoes (receive_own_messages) are recorded by send
        if (msg.arbitration_id, msg.is_extended_id) not in self._ids:
            return
        with self._lock:
            self._sink(TraceFrame.from_message(msg, "rx"))

    def _stop_listening(self) -> None:
        if self._own_notifier is not None:
            self._own_notifier.stop(timeout=POLL + 1.0)
        else:
            with contextlib.suppress(ValueError):
                self._notifier.remove_listener(self._listener)

    def stop(self) -> None:
        """Put the bus's ``send`` back and stop listening."""
        with contextlib.suppress(AttributeError):
            delattr(self._bus, "send")
        self._stop_listening()


class _Listener(can.Listener):
    """A ``can.Listener`` calling one function (python-can calls ``on_message_received``)."""

    def __init__(self, received: Callable[[can.Message], None]) -> None:
        self._received = received

    def on_message_received(self, msg: can.Message) -> None:
        self._received(msg)

    def on_error(self, exc: Exception) -> None:
        """The transports on the bus report bus errors; a recording does not."""

    def stop(self) -> None:
        """Nothing to release."""
