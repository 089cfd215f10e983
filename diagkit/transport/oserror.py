"""The one place where OS errors of ISO-TP sockets become diagkit errors that say what to do.

Errno meanings are those of net/can/isotp.c (Linux 5.10+): on the tx path ECOMM means no flow
control (N_Bs, 1 s) or no echo of the own frame (2 s), EMSGSIZE a flow control "overflow" from
the receiver, EBADMSG a malformed or badly padded FC; on the rx path ETIMEDOUT means consecutive
frames stopped (N_Cr, 1 s), EILSEQ a wrong sequence number, EBADMSG a padding check failure.
An error is reported once, by the next send or recv on the socket. Use it as
``raise translate(exc, ...) from exc``.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Literal

from diagkit.errors import (
    ConfigurationError,
    DiagkitError,
    InterfaceError,
    TransferError,
    TransportError,
    TransportTimeoutError,
    TransportUnavailableError,
)

Operation = Literal["socket", "setsockopt", "getsockopt", "bind", "send", "recv", "close"]

POLL_REGRESSION_HINT = (
    "kernels carrying 'can: isotp: isotp_ops: fix poll() to not report false EPOLLOUT events' "
    "without its follow-up fix (some 6.1-6.5 stable and distribution builds; fixed in 6.6) "
    "never report the socket writable, so every send with a socket timeout ends like this "
    "although the bus is idle: update the kernel or send with timeout=None"
)


@dataclass(frozen=True)
class Context:
    """Where the error happened, to name it in the message."""

    interface: str | None = None
    address: str | None = None
    timeout: float | None = None
    mtu: int | None = None

    def where(self, operation: Operation) -> str:
        """E.g. ``send on vcan0 (Normal_11bits tx 0x7E0 rx 0x7E8)``."""
        text: str = operation
        if self.interface:
            text += f" on {self.interface}"
        if self.address:
            text += f" ({self.address})"
        return text


def translate(exc: OSError, operation: Operation, context: Context | None = None) -> DiagkitError:
    """Map ``exc`` raised by ``operation`` to the diagkit error that explains it."""
    ctx = context or Context()
    where = ctx.where(operation)
    iface = ctx.interface or "<interface>"
    code = exc.errno
    name = errno.errorcode.get(code, str(code)) if code is not None else None
    tag = f" [{name}]" if name else ""

    if isinstance(exc, TimeoutError) and code in (None, 0):  # socket.timeout
        if operation == "send":
            return TransportTimeoutError(
                f"{where}: the socket did not accept the PDU within {ctx.timeout} s: the "
                "previous transfer is still running (a slow or silent receiver), or the "
                f"kernel has the known poll() regression: {POLL_REGRESSION_HINT}"
            )
        return TransportTimeoutError(f"{where}: timed out after {ctx.timeout} s")

    if operation == "socket" and code in (errno.EAFNOSUPPORT, errno.EPROTONOSUPPORT):
        what = "CAN (AF_CAN)" if code == errno.EAFNOSUPPORT else "the can-isotp protocol"
        module = "can" if code == errno.EAFNOSUPPORT else "can-isotp"
        return TransportUnavailableError(
            f"this kernel offers no {what}: load it with 'modprobe {module}' (needs "
            "CONFIG_CAN and CONFIG_CAN_ISOTP, Linux 5.10+), or use the userspace backend"
            f"{tag}"
        )
    if code in (errno.ENODEV, errno.ENXIO):
        return InterfaceError(
            f"{where}: no CAN interface named {iface!r} (or it was removed): check "
            f"'ip link show {iface}'; a virtual bus is made with 'ip link add dev {iface} "
            f"type vcan && ip link set {iface} up'{tag}"
        )
    if code == errno.ENETDOWN:
        return InterfaceError(
            f"{where}: interface {iface!r} is down: bring it up with "
            f"'ip link set {iface} up' (set the bitrate first on real hardware){tag}"
        )
    if code == errno.EISCONN:
        return ConfigurationError(
            f"{where}: options must be set before bind(); the kernel fixes them at bind and "
            f"refuses later changes: open a new socket{tag}"
        )

    if operation == "bind":
        if code == errno.EINVAL and ctx.mtu == 72:
            return InterfaceError(
                f"{where}: interface {iface!r} cannot carry CAN FD frames (link-layer mtu 72 "
                f"needs an interface MTU of 72): 'ip link set {iface} mtu 72' or use mtu 16"
                f"{tag}"
            )
        if code == errno.EADDRNOTAVAIL:
            return ConfigurationError(f"{where}: tx id and rx id must differ{tag}")
        if code == errno.EINVAL:
            return ConfigurationError(
                f"{where}: the kernel refused the address (bad CAN id or already bound){tag}"
            )

    if operation == "send":
        if code == errno.ECOMM:
            return TransportTimeoutError(
                f"{where}: no flow control from the receiver within 1 s (N_Bs), or the own "
                "frame was not sent within 2 s: wrong address (tx/rx ids swapped? extended "
                "address byte?), the ECU is not powered or not on this bus, or no node "
                f"acknowledges frames (bitrate, termination){tag}"
            )
        if code == errno.ETIMEDOUT:
            return TransportTimeoutError(
                f"{where}: timed out; the kernel reports ETIMEDOUT for a reception on this "
                "socket whose consecutive frames stopped (N_Cr, 1 s) while sending"
                f"{tag}"
            )
        if code in (errno.EAGAIN, errno.EWOULDBLOCK):
            return TransportTimeoutError(
                f"{where}: the previous transfer is still running (non-blocking socket){tag}"
            )
        if code == errno.EMSGSIZE:
            return TransferError(
                f"{where}: the receiver answered flow control 'overflow': the PDU is larger "
                f"than its receive buffer{tag}"
            )
        if code == errno.EBADMSG:
            return TransferError(
                f"{where}: the receiver's flow control frame was malformed or failed the "
                f"padding check (CHK_PAD_LEN/CHK_PAD_DATA){tag}"
            )
        if code == errno.EINVAL:
            return ConfigurationError(
                f"{where}: the kernel refused the PDU size: empty, larger than its "
                "max_pdu_size (module parameter, default 8300 since Linux 6.4), or more "
                f"than one frame on an SF_BROADCAST socket{tag}"
            )
        if code == errno.ENOBUFS:
            return TransferError(
                f"{where}: the interface's transmit queue is full: is the bus up and "
                f"acknowledging? ('ip -details -statistics link show {iface}'){tag}"
            )
        if code == errno.EADDRNOTAVAIL:
            return ConfigurationError(f"{where}: bind() must be called before send(){tag}")

    if operation == "recv":
        if code == errno.ETIMEDOUT:
            return TransferError(
                f"{where}: a transfer broke off: consecutive frames stopped arriving within "
                f"1 s (N_Cr) after a first frame; the partial PDU was dropped{tag}"
            )
        if code == errno.EILSEQ:
            return TransferError(
                f"{where}: a consecutive frame came with the wrong sequence number (lost or "
                f"reordered frames); the partial PDU was dropped{tag}"
            )
        if code == errno.EBADMSG:
            return TransferError(
                f"{where}: a received frame failed the padding check (CHK_PAD_LEN/"
                f"CHK_PAD_DATA) or was malformed; check rxpad and the RX_PADDING flags{tag}"
            )
        if code == errno.ECOMM:
            return TransferError(
                f"{where}: an earlier send on this socket got no flow control (N_Bs, 1 s) "
                f"or its frame was not sent; set Flags.WAIT_TX_DONE to see this at send{tag}"
            )
        if code == errno.EMSGSIZE:
            return TransferError(
                f"{where}: an earlier send was refused by the receiver (flow control "
                f"overflow: PDU larger than its buffer){tag}"
            )
        if code == errno.EADDRNOTAVAIL:
            return ConfigurationError(f"{where}: bind() must be called before recv(){tag}")

    if code == errno.ENOPROTOOPT:
        return TransportUnavailableError(
            f"{where}: this kernel's can-isotp does not know this option (too old?){tag}"
        )
    return TransportError(f"{where}: {exc.strerror or exc}{tag}")
