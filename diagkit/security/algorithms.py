"""Documented seed/key algorithms for benches and the simulated ECU.

``xor_mask`` and ``add_constant`` are not secure: they exist for benches. ``aes128_cmac`` is
the scheme many current ECUs use (key = AES-128-CMAC of the seed, RFC 4493) with a secret key
that should come from the environment (``key_env`` in the profile). Makers' own algorithms are
registered as plugins.
"""

from __future__ import annotations

from collections.abc import Mapping

from diagkit.errors import SecurityAccessError


class Xor:
    """``key[i] = seed[i] XOR mask[i % len(mask)]``.

    Parameters: ``mask``, bytes, a hex string (``"A5"``, ``"00FF"``) or an integer, taken
    big-endian in as few bytes as it needs (``0x5A5AA5A5``: 4 bytes; use a string to keep
    leading zero bytes).
    """

    def compute_key(self, level: int, seed: bytes, params: Mapping[str, object]) -> bytes:
        """XOR the seed with the repeated mask."""
        mask = _bytes_param(params, "mask", "xor_mask")
        return bytes(b ^ mask[i % len(mask)] for i, b in enumerate(seed))


class AddConstant:
    """``key = (seed + constant) mod 2**(8 * len(seed))``, seed and key big-endian.

    Parameters: ``constant``, a non-negative integer (or a decimal/``0x`` string).
    """

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
