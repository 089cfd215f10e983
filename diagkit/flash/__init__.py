"""Flashing: download a firmware image into an ECU's memory region (ISO 14229-1 0x34/0x36/0x37).

``flash(client, FlashRegion.from_profile(profile, "application"), load_image(path).data)``
"""

from __future__ import annotations

from diagkit.flash.errors import (
    FlashError,
    FlashNrcError,
    FlashResponseError,
    FlashSecurityError,
    FlashTimeoutError,
    FlashTransportError,
    FlashVerifyError,
)
from diagkit.flash.image import FirmwareImage, load_image
from diagkit.flash.region import FlashRegion
from diagkit.flash.sequence import FlashResult, Progress, crc32_record, flash

__all__ = [
    "FirmwareImage",
    "FlashError",
    "FlashNrcError",
    "FlashRegion",
    "FlashResponseError",
    "FlashResult",
    "FlashSecurityError",
    "FlashTimeoutError",
    "FlashTransportError",
    "FlashVerifyError",
    "Progress",
    "crc32_record",
    "flash",
    "load_image",
]
