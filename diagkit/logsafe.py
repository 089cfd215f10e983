"""PDUs as log text with seeds, keys and authentication data hidden, unless asked for.

Every hex dump of a PDU diagkit logs goes through :func:`pdu_text`: SecurityAccess (0x27/0x67)
and Authentication (0x29/0x69) show their SID and sub-function, never the seed, key or
certificate after them. The ISO-TP frame dumps of the userspace stack carry PDU bytes in
pieces that cannot be told apart, so :class:`FrameDumpFilter` hides their data entirely.

For lab work on a bench with made-up keys, ``DIAGKIT_LOG_SECRETS=1`` in the environment (read
at each dump) or :func:`log_secrets(True) <log_secrets>` shows everything in clear.
"""

from __future__ import annotations

import logging
import os
import re

ENV_VAR = "DIAGKIT_LOG_SECRETS"
"""Set to ``1`` to log seeds, keys and ISO-TP frame data in clear (lab use only)."""

_SECRET_SIDS = frozenset({0x27, 0x67, 0x29, 0x69})
"""SecurityAccess and Authentication requests and positive responses (ISO 14229-1)."""
_VISIBLE = 2  # SID and sub-function: which step it was, not what it carried
_override: bool | None = None


def log_secrets(enabled: bool | None) -> None:
    """Log seeds, keys and frame data in clear (True), hide them (False), or follow
    ``DIAGKIT_LOG_SECRETS`` again (None)."""
    global _override  # noqa: PLW0603 (one process-wide switch, documented in README)
    _override = enabled


def secrets_logged() -> bool:
    """True when log lines may show seeds and keys: :func:`log_secrets`, else the env var."""
    if _override is not None:
        return _override
    return os.environ.get(ENV_VAR, "") == "1"


def pdu_text(pdu: bytes | bytearray | memoryview, sep: str = " ") -> str:
    """``pdu`` as hex, SecurityAccess/Authentication data replaced by ``<N bytes hidden>``."""
    data = bytes(pdu)
    if data[:1] and data[0] in _SECRET_SIDS and len(data) > _VISIBLE and not secrets_logged():
        return f"{data[:_VISIBLE].hex(sep)}{sep or ' '}<{len(data) - _VISIBLE} bytes hidden>"
    return data.hex(sep)


_FRAME_DUMP = re.compile(
    r"^(?P<head>[RT]x: <[0-9A-Fa-f]+> \((?P<length>\d+)\) \[.?\]\t )[0-9a-f]*$"
)


class FrameDumpFilter(logging.Filter):
    """Hides the data of python-can-isotp's ``Rx:``/``Tx:`` frame dumps unless secrets are
    logged: a consecutive frame of a key cannot be recognised on its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno <= logging.DEBUG and not secrets_logged():
            match = _FRAME_DUMP.match(record.getMessage())
            if match is not None:
                record.msg = f"{match['head']}<{int(match['length'])} bytes hidden>"
                record.args = None
        return True
