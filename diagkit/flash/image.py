"""Firmware files: raw binary, Intel HEX and Motorola S-record, as one contiguous image.

HEX and S-record files are read with ``bincopy`` (a dependency, imported only when such a file
is read); gaps between their segments are filled with ``padding`` (0xFF, the erased value of
most flash).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from diagkit.errors import ConfigurationError

Format = Literal["bin", "ihex", "srec"]
FORMATS: tuple[Format, ...] = ("bin", "ihex", "srec")
_SUFFIXES: dict[str, Format] = {
    ".hex": "ihex",
    ".ihex": "ihex",
    ".ihx": "ihex",
    ".s19": "srec",
    ".s28": "srec",
    ".s37": "srec",
    ".srec": "srec",
    ".mot": "srec",
}


@dataclass(frozen=True)
class FirmwareImage:
    """The bytes to flash and, for HEX/S-record files, the address of the first one."""

    data: bytes
    address: int | None = None
    format: Format = "bin"
    segments: int = 1


def image_format(path: str | os.PathLike[str]) -> Format:
    """The format a file name suggests: Intel HEX, S-record, else raw binary."""
    return _SUFFIXES.get(Path(path).suffix.lower(), "bin")


def load_image(
    path: str | os.PathLike[str], *, format: Format | None = None, padding: int = 0xFF
) -> FirmwareImage:
    """Read a firmware file; ``format`` None guesses it from the suffix."""
    kind = format or image_format(path)
    if kind not in FORMATS:
        raise ConfigurationError(f"unknown firmware format {kind!r} (known: {', '.join(FORMATS)})")
    try:
        if kind == "bin":
            return FirmwareImage(Path(path).read_bytes())
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not an ASCII text file"
        raise ConfigurationError(f"cannot read firmware file {path}: {reason}") from exc
    return _parse_records(path, text, kind, padding)


def _parse_records(
    path: str | os.PathLike[str], text: str, kind: Format, padding: int
) -> FirmwareImage:
    bincopy = _bincopy()
    records: Any = bincopy.BinFile()
    try:
        if kind == "ihex":
            records.add_ihex(text)
        else:
            records.add_srec(text)
    except bincopy.Error as exc:
        raise ConfigurationError(f"{path}: not a valid {_NAMES[kind]} file: {exc}") from exc
    if records.minimum_address is None:
        raise ConfigurationError(f"{path}: the {_NAMES[kind]} file holds no data")
    data = bytes(records.as_binary(padding=bytes([padding])))
    return FirmwareImage(data, records.minimum_address, kind, len(list(records.segments)))


_NAMES = {"ihex": "Intel HEX", "srec": "Motorola S-record"}


def _bincopy() -> Any:
    try:
        return importlib.import_module("bincopy")
    except ModuleNotFoundError as exc:
        raise ConfigurationError(
            "reading Intel HEX or S-record files needs bincopy, a dependency of diagkit that "
            "is missing from this environment: pip install 'bincopy>=20'"
        ) from exc
