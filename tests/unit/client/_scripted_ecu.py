"""A scripted ECU over the memory transport: fixed answers to fixed requests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from diagkit.transport.memory import Response


class ScriptedEcu:
    """Answers each request PDU from a fixed table; an unknown request is recorded and ignored.

    The table is written with the bytes ISO 14229-1 prescribes, so the client's encoding and
    decoding are checked against the standard rather than against themselves.
    """

    def __init__(self, script: Mapping[bytes, Iterable[Response]]) -> None:
        self.script = {bytes(k): list(v) for k, v in script.items()}
        self.unexpected: list[bytes] = []

    def __call__(self, pdu: bytes) -> list[Response]:
        if pdu in self.script:
            return self.script[pdu]
        self.unexpected.append(pdu)
        return []
