"""One INFO line per exchange, hex PDUs at DEBUG only, seeds and keys hidden at every level."""

from __future__ import annotations

import logging

import pytest

from diagkit.client import EcuClient, SecuritySettings
from diagkit.transport.memory import MemoryTransport
from tests.unit.client._scripted_ecu import ScriptedEcu

SEED = b"\x5a\x3c\x96\xe1"
KEY = b"\xff\x99\x33\x44"  # SEED xor A5: what the ECU expects


def unlock(caplog: pytest.LogCaptureFixture, level: int) -> None:
    caplog.set_level(level, logger="diagkit")
    ecu = ScriptedEcu({b"\x27\x01": [b"\x67\x01" + SEED], b"\x27\x02" + KEY: [b"\x67\x02"]})
    settings = SecuritySettings(algorithm="xor_mask", params={"mask": "A5"})
    with EcuClient(MemoryTransport(ecu), address="engine", security_settings=settings) as c:
        c.unlock(0x01)
    assert ecu.unexpected == []


def test_info_has_one_line_per_exchange_and_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    unlock(caplog, logging.INFO)
    exchanges = [
        r
        for r in caplog.records
        if r.name.startswith("diagkit.client") and "SecurityAccess" in r.getMessage()
    ]
    assert [r.levelno for r in exchanges] == [logging.INFO, logging.INFO]
    assert "SecurityAccess (0x27) [engine]: positive in" in exchanges[0].getMessage()
    text = caplog.text.replace(" ", "").lower()
    assert SEED.hex() not in text
    assert KEY.hex() not in text
    assert all(r.levelno >= logging.INFO for r in caplog.records)


def test_debug_shows_the_pdus_in_hex_without_seed_or_key(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIAGKIT_LOG_SECRETS", raising=False)
    unlock(caplog, logging.DEBUG)
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert "Connection[engine] tx 27 01" in debug
    assert "Connection[engine] rx 67 01 <4 bytes hidden>" in debug
    assert "Connection[engine] tx 27 02 <4 bytes hidden>" in debug
    text = caplog.text.replace(" ", "").lower()
    assert SEED.hex() not in text
    assert KEY.hex() not in text


def test_the_library_configures_no_handler_that_outputs_anything() -> None:
    # Only the NullHandler the logging HOWTO asks libraries to add; output is the application's.
    handlers = logging.getLogger("diagkit").handlers
    assert all(type(handler) is logging.NullHandler for handler in handlers)
    for name in ("diagkit.client", "diagkit.connection"):
        assert logging.getLogger(name).handlers == []
