"""Which ECUs answer on a bus: physical probes over id ranges, and a functional broadcast.

Each probe is one ISO-TP single frame (TesterPresent ``3E 00`` or DiagnosticSessionControl
``10 01``) sent on a candidate request id; whatever frame then carries the answer to that
service (positive ``SID+0x40`` or ``7F SID NRC``) names the responder, on any id. 11-bit
candidates are request ids (an ECU conventionally answers on tx+8, but any id is reported);
29-bit candidates are normal-fixed target addresses (request ``0x18DA<TA><SA>``, answer
``0x18DA<SA><TA>``, ISO 15765-2). The functional broadcast (``0x7DF``, ``0x18DB33F1``) gathers
every responder at once. Probes go out one at a time, paced by a :class:`Pacer`. An answer
that comes after its probe's timeout still goes to the right probe when its id says which: a
29-bit answer names its sender, an 11-bit one on an earlier probe's tx+8 is that probe's.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from diagkit.codes import NEGATIVE_RESPONSE_SID, POSITIVE_RESPONSE_OFFSET, nrc_name
from diagkit.errors import ConfigurationError
from diagkit.scan.bus import RawBus, RawFrame
from diagkit.scan.limits import DEFAULT_TIMEOUT, Pacer

TESTER_PRESENT = b"\x3e\x00"
DEFAULT_SESSION = b"\x10\x01"
PROBES = {"tester-present": TESTER_PRESENT, "session": DEFAULT_SESSION}
# A kernel ISO-TP socket takes only frames of its own MTU: a CAN FD ECU ignores classic probes
# and a classic one FD probes, so a mixed bus needs both.
FRAMES: dict[str, tuple[bool, ...]] = {"classic": (False,), "fd": (True,), "both": (False, True)}
DEFAULT_IDS = "0x700-0x7FF"
DEFAULT_TARGETS = "0x00-0xFF"
DEFAULT_SOURCE_ADDRESS = 0xF1  # the external test equipment's address (ISO 15765-4)
FUNCTIONAL_11BIT = 0x7DF  # the OBD functional request id (ISO 15765-4)
FUNCTIONAL_TARGET = 0x33  # the OBD functional target address (ISO 15765-4)
NORMAL_FIXED_PHYSICAL = 0x18DA0000
NORMAL_FIXED_FUNCTIONAL = 0x18DB0000
CLASSIC_DL = 8

logger = logging.getLogger(__name__)


def single_frame(payload: bytes, *, padding: int | None) -> bytes:
    """An ISO 15765-2 single frame of at most 7 bytes, padded to 8 bytes with ``padding``.

    The same frame serves CAN FD: a payload of up to 7 bytes keeps the classic SF PCI there.
    """
    if not 1 <= len(payload) <= 7:
        raise ConfigurationError(f"a probe is 1-7 bytes, got {len(payload)}")
    frame = bytes((len(payload),)) + payload
    if padding is not None:
        frame = frame.ljust(CLASSIC_DL, bytes((padding,)))
    return frame


def frame_payload(data: bytes) -> bytes | None:
    """The start of the UDS message a frame carries: a whole single frame, or a first frame's
    first bytes (enough to see which service answered); ``None`` for other frames."""
    if not data:
        return None
    kind, low = data[0] >> 4, data[0] & 0x0F
    if kind == 0:  # single frame; SF_DL 0 escapes to a second length byte on CAN FD
        if low:
            return data[1 : 1 + low]
        return data[2 : 2 + data[1]] if len(data) > 2 else None
    if kind == 1:  # first frame: 12-bit length, or 0 and a 32-bit length
        length = (low << 8) | data[1] if len(data) > 1 else 0
        return data[2:] if length else data[6:]
    return None


def answers(payload: bytes, sid: int) -> bool:
    """True when ``payload`` is an answer to service ``sid``: positive or negative."""
    if payload[:1] == bytes((sid + POSITIVE_RESPONSE_OFFSET,)):
        return True
    return len(payload) >= 3 and payload[0] == NEGATIVE_RESPONSE_SID and payload[1] == sid


@dataclass(frozen=True)
class Responder:
    """One answer seen: the request id probed, the id that answered, the answer and its time."""

    kind: str  # "11bit", "29bit" or "functional"
    tx_id: int
    rx_id: int
    extended: bool
    fd: bool
    response: bytes
    elapsed_ms: float

    @property
    def positive(self) -> bool:
        """True for a positive response."""
        return self.response[:1] != bytes((NEGATIVE_RESPONSE_SID,))

    @property
    def nrc(self) -> int | None:
        """The NRC of a negative response."""
        return None if self.positive else self.response[2]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: ids in hex, the answer in hex, the NRC named."""
        width = 8 if self.extended else 3
        item: dict[str, Any] = {
            "kind": self.kind,
            "tx_id": f"0x{self.tx_id:0{width}X}",
            "rx_id": f"0x{self.rx_id:0{width}X}",
            "extended": self.extended,
            "fd": self.fd,
            "response": self.response.hex(" "),
            "positive": self.positive,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }
        if self.extended and self.rx_id >> 16 == NORMAL_FIXED_PHYSICAL >> 16:
            item["target_address"] = f"0x{self.rx_id & 0xFF:02X}"
        if self.nrc is not None:
            item["nrc"] = self.nrc
            item["nrc_name"] = nrc_name(self.nrc)
        return item


@dataclass(frozen=True)
class DiscoveryPlan:
    """What to probe: 11-bit request ids, 29-bit target addresses, and the functional ids."""

    ids: tuple[int, ...] = ()
    targets: tuple[int, ...] = ()
    source_address: int = DEFAULT_SOURCE_ADDRESS
    functional: bool = True
    functional_id: int = FUNCTIONAL_11BIT
    functional_target: int = FUNCTIONAL_TARGET
    request: bytes = TESTER_PRESENT
    timeout: float = DEFAULT_TIMEOUT
    padding: int | None = 0xCC
    frames: tuple[bool, ...] = (False,)  # per candidate: False a classic frame, True CAN FD

    def __post_init__(self) -> None:
        if not 0 <= self.source_address <= 0xFF:
            raise ConfigurationError(f"source address must be one byte, got {self.source_address}")
        if not self.timeout > 0:
            raise ConfigurationError(f"timeout must be > 0 s, got {self.timeout}")
        if self.padding is not None and not 0 <= self.padding <= 0xFF:
            raise ConfigurationError(f"padding must be one byte, got {self.padding}")
        if not self.frames:
            raise ConfigurationError("frames must name at least one frame format")
        single_frame(self.request, padding=None)

    @property
    def fd(self) -> bool:
        """True when some probes go out as CAN FD frames (the bus must carry them)."""
        return any(self.frames)

    @property
    def probe_count(self) -> int:
        """How many requests the plan sends."""
        physical = [i for i in self.ids if i != self.functional_id]
        targets = [t for t in self.targets if t != self.source_address]
        return (len(physical) + len(targets) + (2 if self.functional else 0)) * len(self.frames)


@dataclass
class Discovery:
    """What a discovery found so far: filled as it runs, so an interrupted scan keeps it."""

    responders: list[Responder] = field(default_factory=list)
    probes_sent: int = 0
    stopped: str | None = None  # why the scan ended early: "time limit", "interrupted"

    @property
    def complete(self) -> bool:
        """True when every probe of the plan was sent and waited for."""
        return self.stopped is None

    def ecus(self) -> list[dict[str, Any]]:
        """One entry per answering id: its request id (when a physical probe found it), the ids
        that reached it, and whether it answered the functional broadcast."""
        found: dict[tuple[bool, int], dict[str, Any]] = {}
        for responder in self.responders:
            key = (responder.extended, responder.rx_id)
            entry = found.setdefault(key, {**responder.as_dict(), "functional": False})
            if responder.kind == "functional":
                entry["functional"] = True
            elif entry["kind"] == "functional":
                functional = entry["functional"]
                entry.update(responder.as_dict(), functional=functional)
        return list(found.values())


def discover(
    bus: RawBus,
    plan: DiscoveryPlan,
    *,
    pacer: Pacer | None = None,
    result: Discovery | None = None,
    on_responder: Callable[[Responder], None] | None = None,
) -> Discovery:
    """Run ``plan`` on ``bus``: the functional broadcast first, then each physical candidate.

    Answers accumulate in ``result`` (a new :class:`Discovery` unless given), so a caller that
    catches ``KeyboardInterrupt`` still has what was found. The scan stops early, with
    ``result.stopped`` saying why, when the pacer's time bound expires.
    """
    pacer = pacer or Pacer()
    result = result if result is not None else Discovery()
    sid = plan.request[0]
    probes: list[tuple[str, int, bool]] = []
    if plan.functional:
        probes.append(("functional", plan.functional_id, False))
        functional_29 = (
            NORMAL_FIXED_FUNCTIONAL | (plan.functional_target << 8) | plan.source_address
        )
        probes.append(("functional", functional_29, True))
    probes += [("11bit", i, False) for i in plan.ids if i != plan.functional_id]
    probes += [
        ("29bit", NORMAL_FIXED_PHYSICAL | (ta << 8) | plan.source_address, True)
        for ta in plan.targets
        if ta != plan.source_address
    ]
    data = single_frame(plan.request, padding=plan.padding)
    sent_at: dict[tuple[bool, int], float] = {}  # physical probes: (29-bit, tx id) -> when
    for (kind, tx_id, extended), fd in itertools.product(probes, plan.frames):
        if pacer.expired():
            result.stopped = "time limit"
            break
        pacer.wait_turn()
        sent = time.monotonic()
        bus.send(RawFrame(tx_id, data, extended=extended, fd=fd))
        result.probes_sent += 1
        if kind != "functional":
            sent_at[(extended, tx_id)] = sent
        logger.debug("probe %s 0x%X%s: %s", kind, tx_id, " (FD)" if fd else "", data.hex(" "))
        for frame, received in _gather(bus, sent, plan.timeout):
            payload = frame_payload(frame.data)
            if (frame.extended, frame.can_id) == (extended, tx_id) or payload is None:
                continue
            if not answers(payload, sid):
                continue
            probe = _attribute(kind, tx_id, frame, plan.source_address, sent_at)
            if probe is None:
                continue
            probe_kind, probe_tx = probe
            since = sent if probe_kind == "functional" else sent_at[(frame.extended, probe_tx)]
            responder = Responder(
                probe_kind,
                probe_tx,
                frame.can_id,
                frame.extended,
                frame.fd,
                payload,
                (received - since) * 1000.0,
            )
            result.responders.append(responder)
            logger.info(
                "probe %s 0x%X: answer on 0x%X after %.1f ms: %s",
                probe_kind,
                probe_tx,
                frame.can_id,
                responder.elapsed_ms,
                payload.hex(" "),
            )
            if on_responder is not None:
                on_responder(responder)
    return result


def _gather(bus: RawBus, sent: float, timeout: float) -> list[tuple[RawFrame, float]]:
    """Every frame received within ``timeout`` s of ``sent``, with the time it arrived."""
    frames: list[tuple[RawFrame, float]] = []
    deadline = sent + timeout
    while (left := deadline - time.monotonic()) > 0:
        frame = bus.recv(left)
        if frame is not None:
            frames.append((frame, time.monotonic()))
    return frames


def _attribute(
    kind: str,
    tx_id: int,
    frame: RawFrame,
    source_address: int,
    sent_at: dict[tuple[bool, int], float],
) -> tuple[str, int] | None:
    """The probe an answer belongs to, as (kind, request id); ``None`` if none of ours.

    A 29-bit answer names its sender (``0x18DA<SA><TA>``), so it goes to the probe of that
    target even when it arrives late; an 11-bit answer on an earlier probe's tx+8 goes to that
    probe; any other 11-bit answer to the probe just sent.
    """
    if kind == "functional":
        if frame.extended:  # 29-bit answers come physically to our source address
            mask = NORMAL_FIXED_PHYSICAL | (source_address << 8)
            return (kind, tx_id) if frame.can_id & 0x1FFFFF00 == mask else None
        return (kind, tx_id)
    if frame.extended:
        if frame.can_id & 0x1FFFFF00 != NORMAL_FIXED_PHYSICAL | (source_address << 8):
            return None
        probed = NORMAL_FIXED_PHYSICAL | ((frame.can_id & 0xFF) << 8) | source_address
        return ("29bit", probed) if (True, probed) in sent_at else None
    if kind == "11bit" and frame.can_id == tx_id + 8:
        return (kind, tx_id)
    if (False, frame.can_id - 8) in sent_at:
        return ("11bit", frame.can_id - 8)
    return (kind, tx_id) if kind == "11bit" else None
