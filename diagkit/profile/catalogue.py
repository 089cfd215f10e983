"""What the ECU offers: data identifiers, routines, DTC settings and flashable memory regions."""

from __future__ import annotations

import binascii
import itertools
import re
import zlib
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema, model_validator

from diagkit.profile.codecs import Codec
from diagkit.profile.problems import Path, raise_findings
from diagkit.profile.uds import Session
from diagkit.profile.values import (
    FROZEN,
    Byte,
    Count,
    DtcNumber,
    MemoryInt,
    Word,
    hex_text,
    parse_int,
)

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=64)]
"""An identifier-like name (``vin``, ``erase_memory``) usable in scripts and on the CLI."""


def parse_reference(value: object) -> str | int:
    """A reference to a DID or routine: its name, or its id as int or ``"0x..."`` text."""
    if isinstance(value, str) and re.fullmatch(NAME_PATTERN, value):
        return value
    try:
        number = parse_int(value)
    except ValueError:
        raise ValueError(f"{value!r} is neither a name nor a 16-bit id") from None
    if not 0 <= number <= 0xFFFF:
        raise ValueError(f"{hex_text(number)} is not a 16-bit id (max 0xFFFF)")
    return number


Reference = Annotated[
    str | int,
    BeforeValidator(parse_reference),
    WithJsonSchema(
        {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0, "maximum": 0xFFFF}]}
    ),
]
"""A DID or routine given by name or by id."""


class DataIdentifier(BaseModel):
    """One DID: its 16-bit id, a name, how its bytes decode, and when it may be read or written."""

    model_config = FROZEN

    id: Word = Field(description="the 16-bit data identifier, e.g. 0xF190")
    name: Name = Field(description="name used in scripts, e.g. vin")
    codec: Codec
    writable: bool = Field(default=False, description="may be written with WriteDataByIdentifier")
    session: Session | None = Field(default=None, description="session needed to read or write it")
    security_level: Byte | None = Field(
        default=None, description="security level needed to write it"
    )
    description: str = ""


class Routine(BaseModel):
    """A RoutineControl (0x31) routine the ECU offers."""

    model_config = FROZEN

    id: Word = Field(description="the 16-bit routine identifier")
    name: Name
    session: Session | None = Field(default=None, description="session needed to start it")
    security_level: Byte | None = Field(
        default=None, description="security level needed to start it"
    )
    description: str = ""


class DtcSection(BaseModel):
    """How the ECU reports DTCs (ReadDTCInformation, 0x19)."""

    model_config = FROZEN

    status_mask: Byte = Field(default=0xFF, description="status mask used when listing DTCs")
    snapshot_did_size: Count = Field(
        default=2, ge=1, le=4, description="bytes of each DID in snapshot records (ISO: 2)"
    )
    extended_data_size: Count | None = Field(
        default=None, ge=1, le=4093, description="bytes of an extended data record, for every DTC"
    )
    extended_data_sizes: dict[DtcNumber, Annotated[int, Field(ge=1, le=4093)]] = Field(
        default_factory=dict, description="per-DTC extended data record sizes"
    )
    ignore_all_zero: bool = Field(
        default=True, description="skip DTC 0x000000 entries some ECUs send"
    )
    format: Literal["hex", "sae"] = Field(
        default="hex",
        description="how DTCs are shown: hex (0x012345) or sae (SAE J2012: P0123-45)",
    )

    @model_validator(mode="after")
    def _one_size_style(self) -> DtcSection:
        if self.extended_data_size is not None and self.extended_data_sizes:
            raise_findings(
                [
                    (
                        ("extended_data_sizes",),
                        "give extended_data_size or extended_data_sizes, not both",
                    )
                ]
            )
        return self


ChecksumAlgorithm = Literal["crc32", "crc16_ccitt_false"]
"""``crc32``: CRC-32/ISO-HDLC (zlib's, 4 bytes); ``crc16_ccitt_false``: CRC-16/CCITT-FALSE
(polynomial 0x1021, initial value 0xFFFF, 2 bytes). Both are sent big-endian."""
_CHECKSUM_SIZES: dict[str, int] = {"crc32": 4, "crc16_ccitt_false": 2}


class RegionChecksum(BaseModel):
    """How a region's checksum routine checks a download: the algorithm, the bytes it covers,
    and the routineControlOptionRecord that carries the expected value."""

    model_config = FROZEN

    algorithm: ChecksumAlgorithm = Field(
        default="crc32",
        description="crc32 (CRC-32/ISO-HDLC, as zlib, 4 bytes) or crc16_ccitt_false "
        "(CRC-16/CCITT-FALSE, 2 bytes); sent big-endian",
    )
    covers: Literal["region", "image"] = Field(
        default="region",
        description="region: the whole region after the download, bytes the image does not "
        "cover holding erased_value; image: only the bytes downloaded",
    )
    record: Literal["checksum", "address_size_checksum"] = Field(
        default="checksum",
        description="the routine's option record: checksum (the value alone), or "
        "address_size_checksum (addressAndLengthFormatIdentifier, memoryAddress and memorySize "
        "of the covered bytes, as in RequestDownload, then the value)",
    )

    @model_validator(mode="after")
    def _range_known(self) -> RegionChecksum:
        if self.covers == "image" and self.record == "checksum":
            raise_findings(
                [
                    (
                        ("record",),
                        "covers: image needs record: address_size_checksum, so the ECU "
                        "learns which bytes the image is (or use covers: region)",
                    )
                ]
            )
        return self

    @property
    def size(self) -> int:
        """Bytes of the checksum value: 4 for CRC-32, 2 for CRC-16."""
        return _CHECKSUM_SIZES[self.algorithm]

    @property
    def label(self) -> str:
        """The algorithm as messages name it: ``CRC-32``, ``CRC-16/CCITT-FALSE``."""
        return "CRC-32" if self.algorithm == "crc32" else "CRC-16/CCITT-FALSE"

    def compute(self, data: bytes | bytearray | memoryview) -> bytes:
        """The checksum of ``data``, big-endian, :attr:`size` bytes."""
        if self.algorithm == "crc32":
            return zlib.crc32(data).to_bytes(4, "big")
        return binascii.crc_hqx(data, 0xFFFF).to_bytes(2, "big")


class MemoryRegion(BaseModel):
    """A flashable region: where it is, which routines erase and check it, and how."""

    model_config = FROZEN

    name: Name
    address: MemoryInt = Field(description="start address")
    size: MemoryInt = Field(gt=0, description="size in bytes")
    erase_routine: Reference | None = Field(
        default=None, description="routine (name or id) that erases the region"
    )
    checksum_routine: Reference | None = Field(
        default=None, description="routine (name or id) that checks the region after download"
    )
    checksum: RegionChecksum = Field(
        default_factory=RegionChecksum,
        description="what the checksum routine computes and how its option record is laid out",
    )
    erased_value: Byte = Field(
        default=0xFF, description="what an erased byte reads as (the erase routine writes it)"
    )

    @property
    def end(self) -> int:
        """First address after the region."""
        return self.address + self.size


def _duplicates(values: list[tuple[int, str | int]], what: str, key: str) -> list[tuple[Path, str]]:
    seen: dict[str | int, int] = {}
    findings: list[tuple[Path, str]] = []
    for index, value in values:
        if value in seen:
            shown = hex_text(value) if isinstance(value, int) else repr(value)
            findings.append(
                ((index, key), f"{what} {shown} is already defined at index {seen[value]}")
            )
        else:
            seen[value] = index
    return findings


def check_unique(
    items: Mapping[int, BaseModel], section: str, keys: tuple[str, ...]
) -> list[tuple[Path, str]]:
    """Findings (paths under ``section``) for items (by index in the file) repeating an id or
    name."""
    findings: list[tuple[Path, str]] = []
    for key in keys:
        values = [(i, getattr(item, key)) for i, item in sorted(items.items())]
        for path, message in _duplicates(values, key, key):
            findings.append(((section, *path), message))
    return findings


def check_memory(
    regions: Mapping[int, MemoryRegion],
    routines: Mapping[int, Routine],
    address_bits: int | None,
    size_bits: int | None,
    *,
    unknown_ok: frozenset[str | int] | None = frozenset(),
) -> list[tuple[Path, str]]:
    """Findings for overlapping regions, regions outside the address format, unknown routines.

    Items are keyed by their index in the file; a routine reference in ``unknown_ok`` (written
    in a routine that did not parse; None: any) is not reported as unknown.
    """
    findings: list[tuple[Path, str]] = []
    known: set[str | int] = {r.name for r in routines.values()} | {r.id for r in routines.values()}
    ordered = sorted(regions.items(), key=lambda item: item[1].address)
    for (_, first), (index, second) in itertools.pairwise(ordered):
        if second.address < first.end:
            findings.append(
                (
                    ("memory", index, "address"),
                    f"region {second.name!r} overlaps {first.name!r} "
                    f"({hex_text(first.address)}..{hex_text(first.end - 1)})",
                )
            )
    for index, region in sorted(regions.items()):
        if address_bits is not None and region.end - 1 >= 1 << address_bits:
            findings.append(
                (
                    ("memory", index, "size"),
                    f"region ends at {hex_text(region.end - 1)}, beyond "
                    f"uds.server_address_format: {address_bits}",
                )
            )
        if size_bits is not None and region.size >= 1 << size_bits:
            findings.append(
                (
                    ("memory", index, "size"),
                    f"{hex_text(region.size)} does not fit uds.server_memorysize_format: "
                    f"{size_bits}",
                )
            )
        for key in ("erase_routine", "checksum_routine"):
            ref = getattr(region, key)
            if ref is not None and ref not in known:
                if unknown_ok is None or ref in unknown_ok:
                    continue
                shown = hex_text(ref, 4) if isinstance(ref, int) else repr(ref)
                findings.append(
                    (
                        ("memory", index, key),
                        f"routine {shown} is not in routines:"
                        + (f" (known: {_known_routines(routines)})" if routines else " (none)"),
                    )
                )
    return findings


def _known_routines(routines: Mapping[int, Routine]) -> str:
    return ", ".join(f"{r.name} ({hex_text(r.id, 4)})" for r in routines.values())
