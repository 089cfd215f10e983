"""No seed or key in any log record at any level, on every backend, unless asked for in clear.

A 16-byte seed and key travel in multi-frame PDUs (first frame + consecutive frames), so PDU
dumps and ISO-TP frame dumps are both exercised. Every record any logger emits is searched
for every 4-byte window of the seed and key, in hex with or without separators, in either
case, and as a bytes repr.
"""

from __future__ import annotations

import logging
import re

import pytest

from diagkit import logsafe
from diagkit.client import SecuritySettings
from tests.backends import MakePair
from tests.unit.client._ecu_peer import Script, finish, run

SEED = bytes.fromhex("5a3c96e10f7bc248d319a6e4712d8bf5")
KEY = bytes.fromhex("ff993344aade67ed76bc0341d4882e50")  # each seed byte xor A5 (xor_mask)
SCRIPT: Script = {b"\x27\x01": [b"\x67\x01" + SEED], b"\x27\x02" + KEY: [b"\x67\x02"]}


def _windows(secret: bytes) -> list[bytes]:
    return [secret[i : i + 4] for i in range(len(secret) - 3)]


def _leaks(text: str) -> list[str]:
    """The pieces of seed or key found in ``text``, however they are formatted."""
    squeezed = re.sub(r"[\s:.,\-]", "", text).lower()
    found = []
    for secret in (SEED, KEY):
        for window in _windows(secret):
            if window.hex() in squeezed or repr(window)[2:-1] in text:
                found.append(window.hex(" "))
    return found


def _unlock(make_pair: MakePair, caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.DEBUG)  # the root logger, where caplog's handler is
    settings = SecuritySettings(algorithm="xor_mask", params={"mask": "A5"})
    client, peer = run(make_pair, SCRIPT, security_settings=settings)
    try:
        client.unlock(0x01)
    finally:
        finish(client, peer)
    assert peer.received == [b"\x27\x01", b"\x27\x02" + KEY]
    return list(caplog.records)


def test_no_record_at_any_level_holds_the_seed_or_the_key(
    make_pair: MakePair, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(logsafe.ENV_VAR, raising=False)
    records = _unlock(make_pair, caplog)
    assert any(r.levelno == logging.DEBUG for r in records)  # the dumps were on
    leaks = {r.getMessage(): _leaks(r.getMessage()) for r in records}
    assert {message: found for message, found in leaks.items() if found} == {}
    messages = [r.getMessage() for r in records if r.name == "diagkit.connection"]
    assert "Connection[ecu] tx 27 02 <16 bytes hidden>" in messages
    assert "Connection[ecu] rx 67 01 <16 bytes hidden>" in messages


def test_the_env_var_shows_them_in_clear_for_lab_use(
    make_pair: MakePair, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(logsafe.ENV_VAR, "1")
    messages = [r.getMessage() for r in _unlock(make_pair, caplog)]
    assert "Connection[ecu] rx 67 01 " + SEED.hex(" ") in messages
    assert "Connection[ecu] tx 27 02 " + KEY.hex(" ") in messages


def test_log_secrets_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(logsafe.ENV_VAR, "1")
    try:
        logsafe.log_secrets(False)
        assert logsafe.pdu_text(b"\x67\x01\x12\x34") == "67 01 <2 bytes hidden>"
        logsafe.log_secrets(True)
        monkeypatch.delenv(logsafe.ENV_VAR)
        assert logsafe.pdu_text(b"\x67\x01\x12\x34") == "67 01 12 34"
    finally:
        logsafe.log_secrets(None)
    assert logsafe.pdu_text(b"\x67\x01\x12\x34") == "67 01 <2 bytes hidden>"
    assert logsafe.pdu_text(b"\x22\xf1\x90") == "22 f1 90"  # other services stay readable
