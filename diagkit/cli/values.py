"""Values typed on a command line, parsed the way the DID's codec in the profile reads them."""

from __future__ import annotations

from typing import Any

from diagkit.cli.target import parse_hex
from diagkit.errors import ConfigurationError


def parse_value(codec: Any, text: str) -> Any:
    """``text`` as the value ``codec.encode`` takes: numbers (with the codec's unit), strings, hex.

    ``850rpm`` and ``850 rpm`` are 850 for a codec in rpm; a different unit is refused. Enum
    codecs take a name or a number, byte codecs hex (``A1 B2`` or ``0xA1B2``).
    """
    kind = getattr(codec, "type", "")
    if kind in ("ascii", "utf8"):
        return text
    if kind in ("bytes", "hex"):
        return parse_hex(text)
    if kind == "enum":
        if text in getattr(codec, "values", {}).values():
            return text
        return _integer(text, codec)
    if kind == "scaled":
        return _physical(text, str(getattr(codec, "unit", "") or ""))
    if kind in ("uint", "int", "bcd"):
        return _integer(text, codec)
    return text


def _integer(text: str, codec: Any) -> int:
    try:
        return int(text.strip(), 0)
    except ValueError:
        raise ConfigurationError(
            f"{text!r} is not an integer for a {codec.describe()} (write 17 or 0x11)"
        ) from None


def _physical(text: str, unit: str) -> float | int:
    stripped = text.strip()
    if unit and stripped.endswith(unit):
        stripped = stripped[: -len(unit)].strip()
    try:
        value = float(stripped)
    except ValueError:
        shown = f" in {unit}" if unit else ""
        raise ConfigurationError(
            f"{text!r} is not a number{shown} (write e.g. 850{unit or ''})"
        ) from None
    return int(value) if value.is_integer() else value
