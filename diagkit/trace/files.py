"""Trace files by suffix: pcapng/pcap written here, every other format by python-can's own io.

``.pcapng`` and ``.pcap`` are :mod:`diagkit.trace.pcap` (LINKTYPE_CAN_SOCKETCAN, for
Wireshark and tshark); ``.asc``, ``.blf``, ``.log``, ``.csv``, ``.mf4`` (and whatever else
``can.Logger`` / ``can.LogReader`` know, e.g. ``.trc``) are python-can's writers and readers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from diagkit.errors import ConfigurationError
from diagkit.trace.frame import TraceFrame
from diagkit.trace.pcap import PcapngWriter, PcapWriter, read_pcap_file

PCAP_SUFFIXES = (".pcapng", ".pcap")
PYTHON_CAN_SUFFIXES = (".asc", ".blf", ".log", ".csv", ".mf4", ".trc")
SUFFIXES = PCAP_SUFFIXES + PYTHON_CAN_SUFFIXES
NO_DIRECTION = frozenset((".csv",))  # python-can's CSV has no direction column


class TraceWriter(Protocol):
    """Where recorded frames go, one at a time, until closed."""

    def write(self, frame: TraceFrame) -> None:
        """Append one frame."""

    def close(self) -> None:
        """Finish the file."""


class _PythonCanWriter:
    """A python-can writer (``can.Logger``) fed TraceFrames."""

    def __init__(self, path: Path, channel: str) -> None:
        import can  # noqa: PLC0415

        try:
            self._logger: Any = can.Logger(path)
        except ImportError as exc:
            raise ConfigurationError(
                f"python-can cannot write {path.suffix} files here ({exc}); for .mf4 "
                "install asammdf (pip install asammdf)"
            ) from exc
        self._channel = channel

    def write(self, frame: TraceFrame) -> None:
        self._logger.on_message_received(frame.to_message())

    def close(self) -> None:
        self._logger.stop()


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ConfigurationError(
            f"{path}: a trace file ends in one of {', '.join(SUFFIXES)} (the suffix chooses "
            "the format)"
        )
    return suffix


def open_writer(path: str | Path, *, interface: str = "can") -> TraceWriter:
    """The writer for ``path``'s suffix; ``interface`` names the pcapng interface."""
    path = Path(path)
    suffix = _suffix(path)
    if suffix == ".pcapng":
        return PcapngWriter(path, interface=interface)
    if suffix == ".pcap":
        return PcapWriter(path)
    return _PythonCanWriter(path, interface)


def read_frames(path: str | Path) -> Iterator[TraceFrame]:
    """The frames of a trace file of any supported format, in file order."""
    path = Path(path)
    suffix = _suffix(path)
    if not path.is_file():
        raise ConfigurationError(f"no trace file {path}")
    if suffix in PCAP_SUFFIXES:
        yield from read_pcap_file(path)
        return
    import can  # noqa: PLC0415

    try:
        reader: Any = can.LogReader(path)
    except ImportError as exc:
        raise ConfigurationError(f"python-can cannot read {suffix} files here ({exc})") from exc
    try:
        for message in reader:
            if message.is_error_frame or message.is_remote_frame:
                continue
            frame = TraceFrame.from_message(message)
            yield dataclasses.replace(frame, direction=None) if suffix in NO_DIRECTION else frame
    except (ValueError, OSError) as exc:
        raise ConfigurationError(f"{path}: not a readable {suffix} trace ({exc})") from exc
    finally:
        reader.stop()
