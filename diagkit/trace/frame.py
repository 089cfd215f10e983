"""One recorded CAN frame, as every trace writer and reader of :mod:`diagkit.trace` sees it.

A :class:`TraceFrame` is what was on the bus (id, 11/29-bit, CAN FD flags, data) plus when and in
which direction seen from the tester: ``tx`` for frames the tester sent (its requests and its
flow control), ``rx`` for what the ECUs sent.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import can

Direction = Literal["tx", "rx"]

CAN_EFF_FLAG = 0x80000000  # the kernel's flags in a can_id (linux/can.h)
CAN_RTR_FLAG = 0x40000000
CAN_ERR_FLAG = 0x20000000
CAN_SFF_MASK = 0x000007FF
CAN_EFF_MASK = 0x1FFFFFFF
CANFD_BRS = 0x01  # canfd_frame.flags
CANFD_ESI = 0x02
CANFD_FDF = 0x04  # set on CAN FD frames in LINKTYPE_CAN_SOCKETCAN (and the kernel since 5.14)

CLASSIC_LENGTHS = frozenset(range(9))
FD_LENGTHS = frozenset((*range(9), 12, 16, 20, 24, 32, 48, 64))


@dataclass(frozen=True)
class TraceFrame:
    """A CAN frame with its timestamp (seconds since the epoch) and direction (None: unknown)."""

    timestamp: float
    arbitration_id: int
    data: bytes
    direction: Direction | None = None
    is_extended_id: bool = False
    is_fd: bool = False
    bitrate_switch: bool = False
    error_state_indicator: bool = False

    def __post_init__(self) -> None:
        limit = CAN_EFF_MASK if self.is_extended_id else CAN_SFF_MASK
        if not 0 <= self.arbitration_id <= limit:
            bits = 29 if self.is_extended_id else 11
            raise ValueError(f"id 0x{self.arbitration_id:X} does not fit {bits} bits")
        lengths = FD_LENGTHS if self.is_fd else CLASSIC_LENGTHS
        if len(self.data) not in lengths:
            kind = "CAN FD" if self.is_fd else "classic CAN"
            raise ValueError(f"{len(self.data)} data bytes is not a {kind} frame length")

    def with_data(self, data: bytes) -> TraceFrame:
        """The same frame carrying other bytes of the same length (masking)."""
        return dataclasses.replace(self, data=bytes(data))

    def to_message(self, channel: str | None = None) -> can.Message:
        """The python-can message of this frame (``is_rx`` from the direction)."""
        import can  # noqa: PLC0415

        return can.Message(
            timestamp=self.timestamp,
            arbitration_id=self.arbitration_id,
            is_extended_id=self.is_extended_id,
            is_fd=self.is_fd,
            bitrate_switch=self.bitrate_switch,
            error_state_indicator=self.error_state_indicator,
            data=self.data,
            is_rx=self.direction != "tx",
            channel=channel,
            check=True,
        )

    @classmethod
    def from_socketcan(
        cls,
        can_id: int,
        data: bytes,
        flags: int,
        *,
        is_fd: bool,
        timestamp: float,
        direction: Direction | None,
    ) -> TraceFrame:
        """The frame of a SocketCAN ``can_id`` (with its EFF flag) and ``canfd_frame.flags``."""
        extended = bool(can_id & CAN_EFF_FLAG)
        return cls(
            timestamp=timestamp,
            arbitration_id=can_id & (CAN_EFF_MASK if extended else CAN_SFF_MASK),
            data=data,
            direction=direction,
            is_extended_id=extended,
            is_fd=is_fd,
            bitrate_switch=is_fd and bool(flags & CANFD_BRS),
            error_state_indicator=is_fd and bool(flags & CANFD_ESI),
        )

    @classmethod
    def from_message(cls, message: can.Message, direction: Direction | None = None) -> TraceFrame:
        """A frame from a python-can message; ``direction`` defaults to the message's ``is_rx``.

        More than 8 data bytes make a CAN FD frame, for formats that keep no FD flag (CSV).
        """
        data = bytes(message.data[: message.dlc] if message.data is not None else b"")
        return cls(
            timestamp=float(message.timestamp),
            arbitration_id=int(message.arbitration_id),
            data=data,
            direction=direction or ("rx" if message.is_rx else "tx"),
            is_extended_id=bool(message.is_extended_id),
            is_fd=bool(message.is_fd) or len(data) > 8,  # formats without an FD flag (CSV)
            bitrate_switch=bool(message.bitrate_switch),
            error_state_indicator=bool(message.error_state_indicator),
        )
