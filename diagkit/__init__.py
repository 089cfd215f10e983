"""diagkit: UDS (ISO 14229) diagnostics over ISO-TP (ISO 15765-2) on the Linux kernel's sockets."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
