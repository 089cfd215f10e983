"""Two simple, documented seed/key algorithms for benches and the simulated ECU.

Neither is secure: real ECUs use their maker's algorithm, registered as a plugin. Both keep the
key the same length as the seed and ignore the level unless their parameters say otherwise.
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
