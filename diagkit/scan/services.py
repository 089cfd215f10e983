"""Which services and DIDs one ECU supports, probed over its ISO-TP channel with safe requests.

A service is probed with a request that cannot change the ECU's state: a well-formed read-only
request where one exists (``10 01``, ``19 01 FF``, ``22 F1 86``, ``3E 00``), otherwise the
service id alone, which an ECU that has the service refuses as too short (NRC 0x13) and one
without it refuses with serviceNotSupported (0x11, ISO 14229-1 §7.5). So: a positive answer
means supported; 0x11 absent; any other NRC present but refused (named, e.g.
serviceNotSupportedInActiveSession 0x7F). For DIDs, ``22 HH LL``: requestOutOfRange (0x31)
means absent, other NRCs present but refused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from diagkit.codes import (
    NEGATIVE_RESPONSE_SID,
    POSITIVE_RESPONSE_OFFSET,
    Nrc,
    ServiceId,
    nrc_name,
    service_name,
)
from diagkit.scan.limits import DEFAULT_TIMEOUT, Pacer
from diagkit.transport.base import Transport

# The request sent for each service: read-only where the service has such a form, else the SID
# alone (incomplete, so refused before anything happens).
SAFE_REQUESTS: dict[int, bytes] = {
    ServiceId.DiagnosticSessionControl: b"\x10\x01",  # the default session: no change
    ServiceId.ReadDTCInformation: b"\x19\x01\xff",  # number of DTCs by status mask
    ServiceId.ReadDataByIdentifier: b"\x22\xf1\x86",  # activeDiagnosticSessionDataIdentifier
    ServiceId.TesterPresent: b"\x3e\x00",
}
ALL_SERVICES: tuple[int, ...] = tuple(int(sid) for sid in ServiceId)
logger = logging.getLogger(__name__)

DEFAULT_P2_STAR = 2.0  # how long a 0x78 "response pending" may extend one probe


@dataclass(frozen=True)
class Answer:
    """The outcome of one request: the final answer (``None`` if none came) and its delay."""

    request: bytes
    response: bytes | None
    elapsed_ms: float

    @property
    def positive(self) -> bool:
        """True for a positive response."""
        return self.response is not None and self.response[:1] != bytes((NEGATIVE_RESPONSE_SID,))

    @property
    def nrc(self) -> int | None:
        """The NRC of a negative response."""
        if self.response is None or self.positive or len(self.response) < 3:
            return None
        return self.response[2]


def exchange(
    transport: Transport, request: bytes, *, timeout: float, p2_star: float = DEFAULT_P2_STAR
) -> Answer:
    """Send ``request`` and wait ``timeout`` s for its answer (``p2_star`` after each 0x78).

    Answers to another service (late answers of an earlier probe) are skipped.
    """
    answer = _exchange(transport, request, timeout=timeout, p2_star=p2_star)
    shown = "no answer" if answer.response is None else answer.response.hex(" ")
    logger.info("%s -> %s (%.1f ms)", request.hex(" "), shown, answer.elapsed_ms)
    return answer


def _exchange(transport: Transport, request: bytes, *, timeout: float, p2_star: float) -> Answer:
    sid = request[0]
    sent = time.monotonic()
    transport.send(request)
    deadline = sent + timeout
    while (left := deadline - time.monotonic()) > 0:
        pdu = transport.recv(left)
        if pdu is None:
            break
        if pdu[:1] == bytes((sid + POSITIVE_RESPONSE_OFFSET,)):
            return Answer(request, pdu, (time.monotonic() - sent) * 1000.0)
        if len(pdu) >= 3 and pdu[0] == NEGATIVE_RESPONSE_SID and pdu[1] == sid:
            if pdu[2] == Nrc.requestCorrectlyReceivedResponsePending:
                deadline = time.monotonic() + p2_star
                continue
            return Answer(request, pdu, (time.monotonic() - sent) * 1000.0)
    return Answer(request, None, (time.monotonic() - sent) * 1000.0)


def classify(answer: Answer, *, absent_nrc: int) -> str:
    """``supported``, ``absent`` (the NRC that means so), ``refused`` or ``no answer``."""
    if answer.response is None:
        return "no answer"
    if answer.positive:
        return "supported"
    return "absent" if answer.nrc == absent_nrc else "refused"


@dataclass(frozen=True)
class Finding:
    """One probed service or DID and what the ECU made of it."""

    kind: str  # "service" or "did"
    id: int
    answer: Answer
    status: str

    @property
    def present(self) -> bool:
        """True when the ECU has it (supported, or refused with an NRC other than 'absent')."""
        return self.status in ("supported", "refused")

    @property
    def data(self) -> bytes:
        """A DID's data record (after ``62 HH LL``); empty for services and refusals."""
        if self.kind != "did" or not self.answer.positive or self.answer.response is None:
            return b""
        return self.answer.response[3:]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: ids and bytes in hex, the NRC by number and ISO name."""
        item: dict[str, Any] = {}
        if self.kind == "service":
            item["service"] = f"0x{self.id:02X}"
            item["name"] = service_name(self.id)
        else:
            item["did"] = f"0x{self.id:04X}"
        item["status"] = self.status
        item["request"] = self.answer.request.hex(" ")
        if self.answer.response is not None:
            item["response"] = self.answer.response.hex(" ")
        if self.kind == "did" and self.answer.positive:
            item["length"] = len(self.data)
            item["data"] = self.data.hex(" ")
        if self.answer.nrc is not None:
            item["nrc"] = self.answer.nrc
            item["nrc_name"] = nrc_name(self.answer.nrc)
        item["elapsed_ms"] = round(self.answer.elapsed_ms, 1)
        return item


@dataclass
class ServiceScan:
    """What a services/DIDs scan found so far (filled as it runs, kept when interrupted)."""

    services: list[Finding] = field(default_factory=list)
    dids: list[Finding] = field(default_factory=list)
    stopped: str | None = None

    @property
    def complete(self) -> bool:
        """True when every planned probe was sent and waited for."""
        return self.stopped is None

    @property
    def answered(self) -> bool:
        """True when the ECU answered at least one probe."""
        return any(f.answer.response is not None for f in (*self.services, *self.dids))


def _paced(ids: Iterable[int], pacer: Pacer, result: ServiceScan) -> Iterator[int]:
    """``ids`` one per turn of ``pacer``, until its time limit (then noted in ``result``)."""
    for probe in ids:
        if pacer.expired():
            result.stopped = "time limit"
            return
        pacer.wait_turn()
        yield probe


def scan_services(
    transport: Transport,
    services: Iterable[int] = ALL_SERVICES,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    p2_star: float = DEFAULT_P2_STAR,
    pacer: Pacer | None = None,
    result: ServiceScan | None = None,
    on_finding: Callable[[Finding], None] | None = None,
) -> ServiceScan:
    """Probe each service id with its safe request; findings accumulate in ``result``."""
    pacer = pacer or Pacer()
    result = result if result is not None else ServiceScan()
    for sid in _paced(services, pacer, result):
        request = SAFE_REQUESTS.get(sid, bytes((sid,)))
        answer = exchange(transport, request, timeout=timeout, p2_star=p2_star)
        finding = Finding(
            "service", sid, answer, classify(answer, absent_nrc=Nrc.serviceNotSupported)
        )
        result.services.append(finding)
        if on_finding is not None:
            on_finding(finding)
    return result


def scan_dids(
    transport: Transport,
    dids: Iterable[int],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    p2_star: float = DEFAULT_P2_STAR,
    pacer: Pacer | None = None,
    result: ServiceScan | None = None,
    on_finding: Callable[[Finding], None] | None = None,
) -> ServiceScan:
    """Read each DID (``22 HH LL``); findings accumulate in ``result``.

    A positive answer echoing another DID is refused as not an answer to this probe.
    """
    pacer = pacer or Pacer()
    result = result if result is not None else ServiceScan()
    for did in _paced(dids, pacer, result):
        request = bytes((ServiceId.ReadDataByIdentifier, did >> 8, did & 0xFF))
        answer = exchange(transport, request, timeout=timeout, p2_star=p2_star)
        if answer.positive and answer.response is not None and answer.response[1:3] != request[1:]:
            answer = Answer(request, None, answer.elapsed_ms)
        finding = Finding("did", did, answer, classify(answer, absent_nrc=Nrc.requestOutOfRange))
        result.dids.append(finding)
        if on_finding is not None:
            on_finding(finding)
    return result
