"""Documented seed/key algorithms for benches and the simulated ECU.

``xor_mask`` and ``add_constant`` are not secure: they exist for benches. ``aes128_cmac`` is
the scheme many current ECUs use (key = AES-128-CMAC of the seed, RFC 4493) with a secret key
that should come from the environment (``key_env`` in the profile). Makers' own algorithms are
registered as plugins.

Each algorithm declares its parameters as a pydantic model, its ``Params`` attribute: profiles
are checked against it when they are loaded (so ``params: {maks: ...}`` is refused there, not
at unlock time), and the JSON Schema of profiles shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from diagkit.errors import SecurityAccessError

KEY_FROM_ENV = "key_from_env"
"""Validation context flag: the profile supplies ``key`` from ``key_env`` when a key is computed."""

_HEX_TEXT = r"^\s*(0[xX])?([0-9a-fA-F]{2})+\s*$"


def _as_bytes(name: str, algorithm: str) -> BeforeValidator:
    def parse(value: object) -> bytes:
        reveal = getattr(value, "reveal", None)  # a profile's Secret hides its value
        if callable(reveal):
            value = reveal()
        try:
            return _bytes_param({name: value}, name, algorithm)
        except SecurityAccessError as exc:
            raise ValueError(str(exc)) from None

    return BeforeValidator(parse)


def _as_int(name: str, algorithm: str) -> BeforeValidator:
    def parse(value: object) -> int:
        try:
            return _int_param({name: value}, name, algorithm)
        except SecurityAccessError as exc:
            raise ValueError(str(exc)) from None

    return BeforeValidator(parse)


_HEX_OUT = PlainSerializer(lambda b: "0x" + b.hex().upper(), return_type=str, when_used="json")
_BYTES_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "string", "pattern": _HEX_TEXT},
            {"type": "integer", "minimum": 0},
        ]
    }
)
_INT_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "integer", "minimum": 0},
            {"type": "string", "pattern": r"^\s*(0[xX][0-9a-fA-F]+|[0-9]+)\s*$"},
        ]
    }
)


class XorMaskParams(BaseModel):
    """Parameters of ``xor_mask``."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    mask: Annotated[bytes, _as_bytes("mask", "xor_mask"), _HEX_OUT, _BYTES_SCHEMA] = Field(
        description="XOR mask, repeated over the seed: hex text (keeps leading zero bytes) "
        "or an integer (as few bytes as it needs)"
    )


class AddConstantParams(BaseModel):
    """Parameters of ``add_constant``."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    constant: Annotated[int, _as_int("constant", "add_constant"), _INT_SCHEMA] = Field(
        description="non-negative number added to the seed (big-endian, modulo its size)"
    )


class Aes128CmacParams(BaseModel):
    """Parameters of ``aes128_cmac``; ``key`` should come from the environment (``key_env``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    key: Annotated[bytes, _as_bytes("key", "aes128_cmac"), _HEX_OUT, _BYTES_SCHEMA] | None = Field(
        default=None,
        repr=False,
        description="the 16-byte secret as 32 hex digits; give key_env instead of "
        "writing it into a profile",
    )
    key_length: Annotated[int, _as_int("key_length", "aes128_cmac"), _INT_SCHEMA] = Field(
        default=16, ge=1, le=16, description="bytes of the CMAC sent as the key (1-16)"
    )

    @model_validator(mode="after")
    def _needs_a_key(self, info: ValidationInfo) -> Aes128CmacParams:
        from_env = bool((info.context or {}).get(KEY_FROM_ENV))
        if self.key is None and not from_env:
            raise ValueError(
                "aes128_cmac needs its 16-byte key: set key_env: NAME (the environment "
                "variable holding it) rather than writing params.key into the file"
            )
        if self.key is not None and len(self.key) != 16:
            raise ValueError(
                f"aes128_cmac needs a 16-byte key (32 hex digits), got {len(self.key)} bytes"
            )
        return self


class Xor:
    """``key[i] = seed[i] XOR mask[i % len(mask)]``.

    Parameters: ``mask``, bytes, a hex string (``"A5"``, ``"00FF"``) or an integer, taken
    big-endian in as few bytes as it needs (``0x5A5AA5A5``: 4 bytes; use a string to keep
    leading zero bytes).
    """

    Params: type[BaseModel] = XorMaskParams

    def compute_key(self, level: int, seed: bytes, params: Mapping[str, object]) -> bytes:
        """XOR the seed with the repeated mask."""
        mask = _bytes_param(params, "mask", "xor_mask")
        return bytes(b ^ mask[i % len(mask)] for i, b in enumerate(seed))


class AddConstant:
    """``key = (seed + constant) mod 2**(8 * len(seed))``, seed and key big-endian.

    Parameters: ``constant``, a non-negative integer (or a decimal/``0x`` string).
    """

    Params: type[BaseModel] = AddConstantParams

    def compute_key(self, level: int, seed: bytes, params: Mapping[str, object]) -> bytes:
        """Add the constant to the seed read as one big-endian unsigned number."""
        if not seed:
            raise SecurityAccessError("add_constant needs a seed of one byte or more")
        constant = _int_param(params, "constant", "add_constant")
        total = (int.from_bytes(seed, "big") + constant) % (1 << (8 * len(seed)))
        return total.to_bytes(len(seed), "big")


class Aes128Cmac:
    """``key = AES-128-CMAC(K, seed)`` (RFC 4493), optionally truncated to ``key_length`` bytes.

    Parameters: ``key``, the 16-byte secret as a hex string (from ``key_env``: never write it
    into a profile), and ``key_length`` (1-16, default 16). Needs the ``cryptography`` package.
    """

    Params: type[BaseModel] = Aes128CmacParams

    def compute_key(self, level: int, seed: bytes, params: Mapping[str, object]) -> bytes:
        """The CMAC of the seed under the secret key, truncated as configured."""
        secret = params.get("key")
        reveal = getattr(secret, "reveal", None)  # a profile's Secret hides its value
        if callable(reveal):
            secret = reveal()
        key = _bytes_param({"key": secret}, "key", "aes128_cmac")
        if len(key) != 16:
            raise SecurityAccessError(
                f"aes128_cmac needs a 16-byte key (32 hex digits), got {len(key)} bytes"
            )
        length = _int_param(
            {"key_length": params.get("key_length", 16)}, "key_length", "aes128_cmac"
        )
        if not 1 <= length <= 16:
            raise SecurityAccessError(f"aes128_cmac: key_length must be 1-16, got {length}")
        try:
            from cryptography.hazmat.primitives.ciphers import algorithms  # noqa: PLC0415
            from cryptography.hazmat.primitives.cmac import CMAC  # noqa: PLC0415
        except ImportError as exc:
            raise SecurityAccessError(
                "aes128_cmac needs the cryptography package: pip install cryptography"
            ) from exc
        mac = CMAC(algorithms.AES(key))
        mac.update(seed)
        return mac.finalize()[:length]


def _bytes_param(params: Mapping[str, object], name: str, algorithm: str) -> bytes:
    value = params.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        data = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    elif isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    elif isinstance(value, str):
        try:
            data = bytes.fromhex(value.removeprefix("0x").removeprefix("0X"))
        except ValueError as exc:
            raise SecurityAccessError(
                f"{algorithm}: parameter {name!r} is not a hex string: {value!r}"
            ) from exc
    else:
        raise SecurityAccessError(
            f"{algorithm} needs parameter {name!r} as bytes, a hex string or a non-negative "
            f"integer, got {value!r}"
        )
    if not data:
        raise SecurityAccessError(f"{algorithm}: parameter {name!r} is empty")
    return data


def _int_param(params: Mapping[str, object], name: str, algorithm: str) -> int:
    value = params.get(name)
    if isinstance(value, str):
        try:
            value = int(value, 0)
        except ValueError as exc:
            raise SecurityAccessError(
                f"{algorithm}: parameter {name!r} is not an integer: {value!r}"
            ) from exc
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SecurityAccessError(
            f"{algorithm} needs parameter {name!r} as a non-negative integer, got {value!r}"
        )
    return value
