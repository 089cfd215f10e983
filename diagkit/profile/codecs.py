"""DID codecs: how a data identifier's bytes map to a value, shared by client and simulated ECU.

Every codec has a fixed ``byte_length`` (ISO 14229 has no length field in ReadDataByIdentifier
answers, so several DIDs in one answer can only be split by known sizes), ``encode(value)`` and
``decode(data)``. Encoding a bad value raises :class:`~diagkit.errors.ConfigurationError`;
decoding bytes of the wrong shape raises :class:`~diagkit.errors.InvalidResponseError`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import udsoncan
from pydantic import BaseModel, Field, model_validator

from diagkit.errors import ConfigurationError, InvalidResponseError
from diagkit.profile.problems import raise_findings
from diagkit.profile.values import FROZEN, Byte, Count, hex_text

DidValue = str | int | float | bytes
ByteOrder = Literal["big", "little"]
MAX_DID_SIZE = 4093  # a whole single-DID answer (62 + DID + data) within a 4095-byte PDU


class _Codec(BaseModel):
    model_config = FROZEN

    @property
    def byte_length(self) -> int:
        """Number of bytes of an encoded value."""
        raise NotImplementedError

    def _check_length(self, data: bytes) -> bytes:
        if len(data) != self.byte_length:
            raise InvalidResponseError(
                f"expected {self.byte_length} byte(s) for a {self.describe()} value, "
                f"got {len(data)}: {data.hex(' ').upper() or '(empty)'}"
            )
        return bytes(data)

    def describe(self) -> str:
        """Short description for messages, e.g. ``uint16 big-endian``."""
        raise NotImplementedError


class _TextCodec(_Codec):
    length: Count = Field(ge=1, le=MAX_DID_SIZE, description="number of bytes")
    pad: Byte | None = Field(
        default=None, description="fill byte: shorter values are padded, decoded values stripped"
    )

    @property
    def byte_length(self) -> int:
        return self.length

    def _encoding(self) -> str:
        raise NotImplementedError

    def encode(self, value: object) -> bytes:
        """Encode a string, padding it with ``pad`` when set and shorter than ``length``."""
        if not isinstance(value, str):
            raise ConfigurationError(f"a {self.describe()} value must be a string, got {value!r}")
        try:
            data = value.encode(self._encoding())
        except UnicodeEncodeError as exc:
            raise ConfigurationError(f"{value!r} is not {self._encoding()} text") from exc
        if len(data) < self.length and self.pad is not None:
            data += bytes([self.pad]) * (self.length - len(data))
        if len(data) != self.length:
            hint = "" if self.pad is not None else " (set pad: to allow shorter values)"
            raise ConfigurationError(
                f"{value!r} is {len(data)} byte(s); {self.describe()} needs {self.length}{hint}"
            )
        return data

    def decode(self, data: bytes) -> str:
        """Decode the text; undecodable bytes become U+FFFD, trailing ``pad`` bytes are removed."""
        raw = self._check_length(data)
        if self.pad is not None:
            raw = raw.rstrip(bytes([self.pad]))
        return raw.decode(self._encoding(), errors="replace")


class AsciiCodec(_TextCodec):
    """ASCII text of a fixed byte length (e.g. a 17-character VIN)."""

    type: Literal["ascii"]

    def _encoding(self) -> str:
        return "ascii"

    def describe(self) -> str:
        return f"{self.length}-byte ascii"


class Utf8Codec(_TextCodec):
    """UTF-8 text of a fixed byte length."""

    type: Literal["utf8", "utf-8"]

    def _encoding(self) -> str:
        return "utf-8"

    def describe(self) -> str:
        return f"{self.length}-byte utf-8"


class _IntegerCodec(_Codec):
    size: Count = Field(default=1, ge=1, le=8, description="number of bytes")
    byteorder: ByteOrder = Field(default="big", description="UDS data is big-endian unless told")

    @property
    def byte_length(self) -> int:
        return self.size

    def _is_signed(self) -> bool:
        return False

    def _limits(self) -> tuple[int, int]:
        bits = 8 * self.size
        if self._is_signed():
            return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return 0, (1 << bits) - 1

    def _to_bytes(self, raw: int, shown: object) -> bytes:
        low, high = self._limits()
        if not low <= raw <= high:
            raise ConfigurationError(
                f"{shown!r} does not fit {self.describe()} (raw range {low}..{high})"
            )
        return raw.to_bytes(self.size, self.byteorder, signed=self._is_signed())

    def _from_bytes(self, data: bytes) -> int:
        raw = self._check_length(data)
        return int.from_bytes(raw, self.byteorder, signed=self._is_signed())

    def _integer_name(self) -> str:
        kind = "int" if self._is_signed() else "uint"
        return f"{kind}{8 * self.size} {self.byteorder}-endian"


class _PlainIntegerCodec(_IntegerCodec):
    def describe(self) -> str:
        return self._integer_name()

    def encode(self, value: object) -> bytes:
        """Encode an int within the codec's range."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigurationError(f"a {self.describe()} value must be an int, got {value!r}")
        return self._to_bytes(value, value)

    def decode(self, data: bytes) -> int:
        """Decode the integer."""
        return self._from_bytes(data)


class UIntCodec(_PlainIntegerCodec):
    """An unsigned integer of 1-8 bytes."""

    type: Literal["uint"]


class IntCodec(_PlainIntegerCodec):
    """A two's complement signed integer of 1-8 bytes."""

    type: Literal["int"]

    def _is_signed(self) -> bool:
        return True


class ScaledCodec(_IntegerCodec):
    """A physical value: ``raw * factor + offset`` in ``unit`` (e.g. 0.1 V per bit)."""

    type: Literal["scaled"]
    signed: bool = Field(default=False, description="raw value is two's complement")
    factor: float = Field(default=1.0, description="physical units per raw step; not zero")
    offset: float = Field(default=0.0, description="physical value of raw 0")
    unit: str = Field(default="", max_length=32, description="unit for display, e.g. V, rpm, degC")

    def _is_signed(self) -> bool:
        return self.signed

    @model_validator(mode="after")
    def _check_factor(self) -> ScaledCodec:
        if self.factor == 0:
            raise_findings([(("factor",), "must not be 0")])
        return self

    def describe(self) -> str:
        return f"scaled {self._integer_name()}"

    def encode(self, value: object) -> bytes:
        """Encode a physical value, rounding to the nearest raw step."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigurationError(f"a {self.describe()} value must be a number, got {value!r}")
        return self._to_bytes(round((value - self.offset) / self.factor), value)

    def decode(self, data: bytes) -> float:
        """Decode to the physical value."""
        return self._from_bytes(data) * self.factor + self.offset


class EnumCodec(_IntegerCodec):
    """An integer with named values; an unnamed raw value decodes to the int itself."""

    type: Literal["enum"]
    values: dict[Annotated[int, Field(ge=0)], str] = Field(
        min_length=1, description="raw value -> name"
    )

    @model_validator(mode="after")
    def _check_values(self) -> EnumCodec:
        _, high = self._limits()
        findings: list[tuple[tuple[str | int, ...], str]] = []
        seen: dict[str, int] = {}
        for raw, name in self.values.items():
            if raw > high:
                findings.append((("values", raw), f"{raw} does not fit {self.describe()}"))
            if name in seen:
                findings.append((("values", raw), f"name {name!r} is already used by {seen[name]}"))
            seen[name] = raw
        raise_findings(findings)
        return self

    def describe(self) -> str:
        return f"enum {self._integer_name()}"

    def encode(self, value: object) -> bytes:
        """Encode a name (or a raw int)."""
        if isinstance(value, str):
            for raw, name in self.values.items():
                if name == value:
                    return self._to_bytes(raw, value)
            raise ConfigurationError(f"{value!r} is not one of {', '.join(self.values.values())}")
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigurationError(f"an enum value must be a name or an int, got {value!r}")
        return self._to_bytes(value, value)

    def decode(self, data: bytes) -> str | int:
        """Decode to the name, or the raw int when it has none."""
        raw = self._from_bytes(data)
        return self.values.get(raw, raw)


class _FixedBytesCodec(_Codec):
    length: Count = Field(ge=1, le=MAX_DID_SIZE, description="number of bytes")

    @property
    def byte_length(self) -> int:
        return self.length

    def _checked(self, value: bytes | bytearray) -> bytes:
        if len(value) != self.length:
            raise ConfigurationError(f"expected {self.length} byte(s), got {len(value)}")
        return bytes(value)


class BytesCodec(_FixedBytesCodec):
    """Raw bytes of a fixed length (value: ``bytes``)."""

    type: Literal["bytes"]

    def describe(self) -> str:
        return f"{self.length}-byte"

    def encode(self, value: object) -> bytes:
        """Pass bytes (or hex text, as profiles write them) through, checking the length."""
        if isinstance(value, str):
            try:
                value = bytes.fromhex(value)
            except ValueError as exc:
                raise ConfigurationError(f"{value!r} is not hex text") from exc
        if not isinstance(value, bytes | bytearray):
            raise ConfigurationError(f"a bytes value must be bytes or hex text, got {value!r}")
        return self._checked(value)

    def decode(self, data: bytes) -> bytes:
        """Return the bytes, checking the length."""
        return self._check_length(data)


class HexCodec(_FixedBytesCodec):
    """Raw bytes shown as upper-case hex text (value: ``"DEADBEEF"``)."""

    type: Literal["hex"]

    def describe(self) -> str:
        return f"{self.length}-byte hex"

    def encode(self, value: object) -> bytes:
        """Encode hex text (spaces allowed) of exactly ``length`` bytes."""
        if not isinstance(value, str):
            raise ConfigurationError(f"a hex value must be a string, got {value!r}")
        try:
            data = bytes.fromhex(value)
        except ValueError as exc:
            raise ConfigurationError(f"{value!r} is not hex text") from exc
        return self._checked(data)

    def decode(self, data: bytes) -> str:
        """Decode to upper-case hex text without separators."""
        return self._check_length(data).hex().upper()


class BcdCodec(_Codec):
    """Packed BCD digits, two per byte (value: a string of ``2 * length`` digits)."""

    type: Literal["bcd"]
    length: Count = Field(ge=1, le=MAX_DID_SIZE, description="number of bytes")

    @property
    def byte_length(self) -> int:
        return self.length

    def describe(self) -> str:
        return f"{self.length}-byte bcd"

    def encode(self, value: object) -> bytes:
        """Encode a digit string (an int is zero-padded on the left)."""
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            value = str(value).zfill(2 * self.length)
        if not isinstance(value, str) or not value.isascii() or not value.isdigit():
            raise ConfigurationError(f"a bcd value must be a string of digits, got {value!r}")
        if len(value) != 2 * self.length:
            raise ConfigurationError(
                f"{value!r} has {len(value)} digit(s); {self.describe()} needs {2 * self.length}"
            )
        return bytes.fromhex(value)

    def decode(self, data: bytes) -> str:
        """Decode to the digit string; a nibble above 9 is not BCD."""
        text = self._check_length(data).hex()
        if not text.isdigit():
            raise InvalidResponseError(f"{data.hex(' ').upper()} is not BCD (a nibble above 9)")
        return text


AnyCodec = (
    AsciiCodec
    | Utf8Codec
    | UIntCodec
    | IntCodec
    | ScaledCodec
    | EnumCodec
    | BytesCodec
    | HexCodec
    | BcdCodec
)
Codec = Annotated[AnyCodec, Field(discriminator="type")]
"""Any DID codec, chosen by its ``type`` key."""


class UdsoncanDidCodec(udsoncan.DidCodec):
    """Adapter giving udsoncan's client a profile codec (same bytes as the simulated ECU)."""

    def __init__(self, codec: AnyCodec, name: str = "") -> None:
        super().__init__()
        self.codec = codec
        self.name = name

    def encode(self, *did_value: Any) -> bytes:
        if len(did_value) != 1:
            raise ConfigurationError(f"DID {self.name} takes one value, got {len(did_value)}")
        return self.codec.encode(did_value[0])

    def decode(self, did_payload: bytes) -> Any:
        return self.codec.decode(did_payload)

    def __len__(self) -> int:
        return self.codec.byte_length

    def __repr__(self) -> str:
        return f"UdsoncanDidCodec({self.name or self.codec.describe()!r})"


def describe_value(codec: AnyCodec, value: DidValue) -> str:
    """A value for logs and messages (bytes as hex)."""
    if isinstance(value, bytes):
        return value.hex(" ").upper()
    if isinstance(value, int) and isinstance(codec, UIntCodec | EnumCodec):
        return f"{value} ({hex_text(value)})"
    return repr(value)
