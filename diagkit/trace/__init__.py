"""CAN traces of diagnostic exchanges: record them, write them for Wireshark or python-can, read
them back as UDS.

``with record(profile, "read.pcapng"): ...`` records every CAN frame on the profile's ids (both
directions, flow control included, timestamped) from a CAN_RAW socket (kernel backend) or the
python-can bus (userspace backend), seeds and keys masked unless ``mask_secrets=False``. The
suffix chooses the format: ``.pcapng``/``.pcap`` (LINKTYPE_CAN_SOCKETCAN), or python-can's own
``.asc``, ``.blf``, ``.log``, ``.csv``, ``.mf4``. :func:`read_frames` reads any of them back and
:func:`decode` turns frames into UDS PDUs with names. See docs/traces.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from diagkit.trace.decode import Pdu, decode, describe, reassemble
    from diagkit.trace.files import SUFFIXES, TraceWriter, open_writer, read_frames
    from diagkit.trace.frame import TraceFrame
    from diagkit.trace.mask import MASK_BYTE, SecretMasker
    from diagkit.trace.recorder import (
        Recorder,
        record,
        record_profiles,
        recording,
        trace_ids,
        transport_configs,
    )

# Imported on first use: every ECU command registers --trace, few record one.
_LAZY = {
    "Pdu": "decode",
    "decode": "decode",
    "describe": "decode",
    "reassemble": "decode",
    "SUFFIXES": "files",
    "TraceWriter": "files",
    "open_writer": "files",
    "read_frames": "files",
    "TraceFrame": "frame",
    "MASK_BYTE": "mask",
    "SecretMasker": "mask",
    "Recorder": "recorder",
    "record": "recorder",
    "record_profiles": "recorder",
    "recording": "recorder",
    "trace_ids": "recorder",
    "transport_configs": "recorder",
}


def __getattr__(name: str) -> Any:
    """The public names, imported from their module when first asked for."""
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'diagkit.trace' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"diagkit.trace.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "MASK_BYTE",
    "SUFFIXES",
    "Pdu",
    "Recorder",
    "SecretMasker",
    "TraceFrame",
    "TraceWriter",
    "decode",
    "describe",
    "open_writer",
    "read_frames",
    "reassemble",
    "record",
    "record_profiles",
    "recording",
    "trace_ids",
    "transport_configs",
]
