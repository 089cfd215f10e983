"""Porting facade: python-can-isotp's socket API under diagkit.

Code written for ``isotp.socket`` ports by changing one import::

    from diagkit.transport import isotp

    s = isotp.socket(timeout=1.0)
    s.set_opts(txpad=0x55, optflag=isotp.socket.flags.WAIT_TX_DONE)
    s.bind("can0", isotp.Address(isotp.AddressingMode.Normal_11bits, txid=0x7E0, rxid=0x7E8))

Differences that protect the user: values are range checked (ConfigurationError), options
survive ``bind()``, errors are diagkit errors, ``recv()`` returns None on timeout (and
raises instead of truncating a PDU larger than ``max_pdu_size``), ``send()`` refuses a PDU
larger than ``max_pdu_size`` (8300 by default, the kernel's default limit: raise both
together), and ``timeout=0`` means non-blocking (python-can-isotp ignores 0 and blocks).
"""

from __future__ import annotations

from diagkit.transport.address import Address, AddressingMode, TargetAddressType
from diagkit.transport.kernel_socket import IsoTpSocket
from diagkit.transport.options import (
    FRAME_TXTIME_ZERO,
    Flags,
    FlowControlOptions,
    GeneralOptions,
    LinkLayerOptions,
    LinkLayerProtocol,
    SocketOptions,
)

socket = IsoTpSocket
flags = Flags

__all__ = [
    "FRAME_TXTIME_ZERO",
    "Address",
    "AddressingMode",
    "Flags",
    "FlowControlOptions",
    "GeneralOptions",
    "LinkLayerOptions",
    "LinkLayerProtocol",
    "SocketOptions",
    "TargetAddressType",
    "flags",
    "socket",
]
