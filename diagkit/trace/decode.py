"""A recorded trace read back as UDS: ISO-TP reassembled per CAN id, then services by name.

:func:`reassemble` follows ISO 15765-2 per CAN id (single frames, first frame + consecutive
frames, flow control counted, not returned); :func:`describe` names the service, the DIDs, the
sub-function and the NRC of each PDU (:mod:`diagkit.codes`, ISO 14229-1 annex C DIDs, or the
names a profile gives). Addressing with an extension byte before the PCI is told by ``prefix``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from diagkit.codes import NEGATIVE_RESPONSE_SID, POSITIVE_RESPONSE_OFFSET, nrc_name, service_name
from diagkit.trace.frame import Direction, TraceFrame
from diagkit.trace.mask import MASK_BYTE

# ISO 14229-1:2020 annex C.1, the identification DIDs (0xF180-0xF199)
ISO_DIDS: Mapping[int, str] = {
    0xF180: "BootSoftwareIdentification",
    0xF181: "applicationSoftwareIdentification",
    0xF182: "applicationDataIdentification",
    0xF183: "bootSoftwareFingerprint",
    0xF184: "applicationSoftwareFingerprint",
    0xF185: "applicationDataFingerprint",
    0xF186: "ActiveDiagnosticSession",
    0xF187: "vehicleManufacturerSparePartNumber",
    0xF188: "vehicleManufacturerECUSoftwareNumber",
    0xF189: "vehicleManufacturerECUSoftwareVersionNumber",
    0xF18A: "systemSupplierIdentifier",
    0xF18B: "ECUManufacturingDate",
    0xF18C: "ECUSerialNumber",
    0xF18D: "supportedFunctionalUnits",
    0xF18E: "VehicleManufacturerKitAssemblyPartNumber",
    0xF190: "VIN",
    0xF191: "vehicleManufacturerECUHardwareNumber",
    0xF192: "systemSupplierECUHardwareNumber",
    0xF193: "systemSupplierECUHardwareVersionNumber",
    0xF194: "systemSupplierECUSoftwareNumber",
    0xF195: "systemSupplierECUSoftwareVersionNumber",
    0xF196: "exhaustRegulationOrTypeApprovalNumber",
    0xF197: "systemNameOrEngineType",
    0xF198: "repairShopCodeOrTesterSerialNumber",
    0xF199: "programmingDate",
}
SESSIONS = {0x01: "default", 0x02: "programming", 0x03: "extended", 0x04: "safety_system"}
RESETS = {0x01: "hard", 0x02: "key_off_on", 0x03: "soft"}
ROUTINE_CONTROL = {0x01: "start", 0x02: "stop", 0x03: "results"}
_DID_SERVICES = (0x22, 0x2E, 0x2F)  # a DID follows the SID


@dataclass(frozen=True)
class Pdu:
    """One reassembled ISO-TP PDU: when its first and last frame were seen, its id and bytes."""

    timestamp: float
    end: float
    arbitration_id: int
    is_extended_id: bool
    direction: Direction | None
    data: bytes
    frames: int


@dataclass
class _Rx:
    start: TraceFrame
    total: int
    data: bytearray
    frames: int = 1
    next_sn: int = 1


@dataclass
class Reassembly:
    """The PDUs of a trace, and what did not fit ISO 15765-2 (broken transfers)."""

    pdus: list[Pdu] = field(default_factory=list)
    flow_controls: int = 0
    problems: list[str] = field(default_factory=list)


def reassemble(
    frames: Iterable[TraceFrame], prefix: Mapping[tuple[int, bool], int] | None = None
) -> Reassembly:
    """The PDUs in ``frames``, in the order their last frame arrived; per id, as ISO 15765-2."""
    result = Reassembly()
    pending: dict[tuple[int, bool], _Rx] = {}
    prefixes = prefix or {}
    for frame in frames:
        key = (frame.arbitration_id, frame.is_extended_id)
        pci_at = prefixes.get(key, 0)
        data = frame.data
        if len(data) <= pci_at:
            continue
        kind, low = data[pci_at] >> 4, data[pci_at] & 0x0F
        where = f"id 0x{frame.arbitration_id:X} at {frame.timestamp:.6f}"
        if kind == 0:
            length, start = low, pci_at + 1
            if length == 0 and len(data) > 8:  # CAN FD single frame: length in the next byte
                length, start = data[pci_at + 1], pci_at + 2
            if key in pending:
                result.problems.append(f"{where}: a single frame broke off a transfer")
                del pending[key]
            if length == 0 or start + length > len(data):
                result.problems.append(f"{where}: single frame length {length} does not fit")
                continue
            payload = bytes(data[start : start + length])
            result.pdus.append(_pdu(frame, frame, payload, 1))
        elif kind == 1:
            if len(data) < pci_at + 2:
                continue
            total, start = (low << 8) | data[pci_at + 1], pci_at + 2
            if total == 0 and len(data) >= pci_at + 6:
                total, start = int.from_bytes(data[pci_at + 2 : pci_at + 6], "big"), pci_at + 6
            if key in pending:
                result.problems.append(f"{where}: a first frame broke off a transfer")
            pending[key] = _Rx(frame, total, bytearray(data[start:]))
        elif kind == 2:
            rx = pending.get(key)
            if rx is None:
                result.problems.append(f"{where}: consecutive frame without a first frame")
                continue
            if low != rx.next_sn:
                result.problems.append(
                    f"{where}: consecutive frame SN {low}, expected {rx.next_sn}"
                )
                del pending[key]
                continue
            rx.data += data[pci_at + 1 :]
            rx.frames += 1
            rx.next_sn = (rx.next_sn + 1) & 0x0F
            if len(rx.data) >= rx.total:
                result.pdus.append(_pdu(rx.start, frame, bytes(rx.data[: rx.total]), rx.frames))
                del pending[key]
        elif kind == 3:
            result.flow_controls += 1
    for key, rx in pending.items():
        result.problems.append(
            f"id 0x{key[0]:X}: a transfer of {rx.total} bytes stopped after {len(rx.data)}"
        )
    return result


def _pdu(first: TraceFrame, last: TraceFrame, data: bytes, frames: int) -> Pdu:
    return Pdu(
        timestamp=first.timestamp,
        end=last.timestamp,
        arbitration_id=first.arbitration_id,
        is_extended_id=first.is_extended_id,
        direction=first.direction,
        data=data,
        frames=frames,
    )


def did_name(did: int, names: Mapping[int, str] | None = None) -> str:
    """A DID as ``0xF190 (VIN)``: the profile's name, else the ISO name, else the number."""
    name = (names or {}).get(did) or ISO_DIDS.get(did)
    return f"0x{did:04X} ({name})" if name else f"0x{did:04X}"


def describe(pdu: bytes, did_names: Mapping[int, str] | None = None) -> dict[str, Any]:
    """What a UDS PDU says: kind (request, response, negative), service, DIDs, NRC, details."""
    if not pdu:
        return {"kind": "empty", "text": "(empty)"}
    sid = pdu[0]
    if sid == NEGATIVE_RESPONSE_SID and len(pdu) >= 3:
        return {
            "kind": "negative",
            "sid": pdu[1],
            "service": service_name(pdu[1]),
            "nrc": pdu[2],
            "nrc_name": nrc_name(pdu[2]),
            "text": (
                f"{service_name(pdu[1])} negative response: {nrc_name(pdu[2])} (0x{pdu[2]:02X})"
            ),
        }
    response = bool(sid & POSITIVE_RESPONSE_OFFSET)
    request_sid = sid - POSITIVE_RESPONSE_OFFSET if response else sid
    info: dict[str, Any] = {
        "kind": "response" if response else "request",
        "sid": request_sid,
        "service": service_name(request_sid),
    }
    details = _details(request_sid, pdu[1:], response, did_names, info)
    label = f"{info['service']}{' positive response' if response else ''}"
    info["text"] = f"{label} {details}".rstrip()
    return info


def _details(
    sid: int,
    body: bytes,
    response: bool,
    names: Mapping[int, str] | None,
    info: dict[str, Any],
) -> str:
    """The readable part after the service name; fills ``info`` with DIDs and sub-functions."""
    if sid == 0x22 and not response:
        dids = [int.from_bytes(body[i : i + 2], "big") for i in range(0, len(body) - 1, 2)]
        info["dids"] = dids
        return " ".join(did_name(d, names) for d in dids)
    if sid in _DID_SERVICES and len(body) >= 2:
        did = int.from_bytes(body[:2], "big")
        info["dids"] = [did]
        rest = body[2:]
        return f"{did_name(did, names)}{' ' + rest.hex(' ') if rest else ''}"
    if not body:
        return ""
    sub = body[0] & 0x7F
    suppress = " (suppress positive response)" if body[0] & 0x80 and not response else ""
    info["subfunction"] = sub
    if sid == 0x10:
        return f"{SESSIONS.get(sub, f'session 0x{sub:02X}')}{suppress} {body[1:].hex(' ')}".rstrip()
    if sid == 0x11:
        return f"{RESETS.get(sub, f'type 0x{sub:02X}')}{suppress}"
    if sid == 0x27:
        what = "requestSeed" if sub % 2 else "sendKey"
        text = f"{what} level 0x{sub:02X}{suppress}"
        secret = body[1:]
        if secret:
            label = ("seed" if sub % 2 else "data") if response else ("data" if sub % 2 else "key")
            shown = "masked" if all(b == MASK_BYTE for b in secret) else secret.hex(" ")
            text += f" {label} {shown}"
        return text
    if sid == 0x31 and len(body) >= 3:
        routine = int.from_bytes(body[1:3], "big")
        info["routine"] = routine
        control = ROUTINE_CONTROL.get(sub, f"0x{sub:02X}")
        return f"{control} routine 0x{routine:04X} {body[3:].hex(' ')}".rstrip()
    return f"0x{body[0]:02X}{suppress} {body[1:].hex(' ')}".rstrip()


def decode(
    frames: Iterable[TraceFrame],
    *,
    did_names: Mapping[int, str] | None = None,
    prefix: Mapping[tuple[int, bool], int] | None = None,
) -> Iterator[tuple[Pdu, dict[str, Any]]]:
    """Each PDU of the trace with its description, in order."""
    for pdu in reassemble(frames, prefix).pdus:
        yield pdu, describe(pdu.data, did_names)
