"""A stand-in for a kernel CAN_ISOTP socket, for host tests (the host kernel has no CAN).

It keeps option bytes as net/can/isotp.c does (defaults from isotp_init(), EISCONN after
bind, rx_ext_address copied from ext_address without RX_EXT_ADDR) and records every call, so
tests can check the exact bytes handed to the kernel. Bytes are little-endian, written by hand.
"""

from __future__ import annotations

import errno
import os
import socket
from dataclasses import dataclass, field

import pytest

from diagkit.transport import kernel_socket

SOL_CAN_ISOTP = 106
# can_isotp_options on a fresh socket: flags 0, frame_txtime 50000 ns, ext 0, pads 0xCC, rx_ext 0
DEFAULT_OPTS = bytes([0, 0, 0, 0, 0x50, 0xC3, 0, 0, 0x00, 0xCC, 0xCC, 0x00])
DEFAULT_FC = bytes([0, 0, 0])
DEFAULT_LL = bytes([16, 8, 0])


def os_error(code: int) -> OSError:
    return OSError(code, os.strerror(code))


@dataclass
class FakeKernelSocket:
    """Records setsockopt/bind/send calls; serves queued PDUs and scripted errors."""

    options: dict[int, bytes] = field(
        default_factory=lambda: {
            1: DEFAULT_OPTS,
            2: DEFAULT_FC,
            3: bytes(4),
            4: bytes(4),
            5: DEFAULT_LL,
        }
    )
    writes: list[tuple[int, bytes]] = field(default_factory=list)
    bound_to: tuple[str, int, int] | None = None
    sent: list[tuple[bytes, float | None]] = field(default_factory=list)
    inbox: list[bytes | OSError] = field(default_factory=list)
    bind_error: OSError | None = None
    send_error: OSError | None = None
    interface_down: bool = False
    timeout: float | None = None
    closed: bool = False
    so_error: int = 0

    def setsockopt(self, level: int, optname: int, value: bytes) -> None:
        assert level == SOL_CAN_ISOTP
        if self.bound_to is not None:
            raise os_error(errno.EISCONN)
        self.writes.append((optname, bytes(value)))
        if optname == 1:
            assert len(value) == 12
            if not int.from_bytes(value[0:4], "little") & 0x200:
                value = bytes(value[:11]) + bytes(value[8:9])  # kernel: rx_ext = ext
        self.options[optname] = bytes(value)

    def getsockopt(self, level: int, optname: int, buflen: int = 0) -> bytes | int:
        if level == socket.SOL_SOCKET and optname == socket.SO_ERROR:
            pending, self.so_error = self.so_error, 0
            return pending
        assert level == SOL_CAN_ISOTP
        return self.options[optname][:buflen]

    def bind(self, address: tuple[str, int, int]) -> None:
        if self.bind_error is not None:
            raise self.bind_error
        self.bound_to = address
        if self.interface_down:
            self.so_error = errno.ENETDOWN

    def send(self, data: bytes) -> int:
        if self.send_error is not None:
            raise self.send_error
        self.sent.append((bytes(data), self.timeout))
        return len(data)

    def recv(self, bufsize: int) -> bytes:
        """Like the kernel: the next PDU cut to ``bufsize`` bytes (the rest is lost)."""
        if not self.inbox:
            if self.timeout == 0:
                raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))
            raise TimeoutError("timed out")
        item = self.inbox.pop(0)
        if isinstance(item, OSError):
            raise item
        return item[:bufsize]

    def settimeout(self, value: float | None) -> None:
        self.timeout = value

    def gettimeout(self) -> float | None:
        return self.timeout

    def fileno(self) -> int:
        return -1 if self.closed else 42

    def close(self) -> None:
        self.closed = True

    def last_write(self, optname: int) -> bytes:
        return [value for name, value in self.writes if name == optname][-1]


def install(monkeypatch: pytest.MonkeyPatch) -> FakeKernelSocket:
    """A fake that every kernel socket diagkit opens in this test is, instead of the kernel's."""
    kernel = FakeKernelSocket()
    monkeypatch.setattr(kernel_socket, "_open_kernel_socket", lambda: kernel)
    return kernel
