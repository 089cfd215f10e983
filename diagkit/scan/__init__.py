"""Discovery and scanning: which ECUs answer on a bus, and which services and DIDs one offers.

Usable from Python without the command line (``diagkit scan`` is a thin layer over it)::

    from diagkit.scan import DiscoveryPlan, discover, open_raw_bus, parse_ids
    from diagkit.transport import Address, TransportConfig

    config = TransportConfig("can0", Address(txid=0x7E0, rxid=0x7E8))   # only the bus is used
    bus = open_raw_bus(config)
    try:
        found = discover(bus, DiscoveryPlan(ids=parse_ids("0x7E0-0x7EF", high=0x7FF)))
    finally:
        bus.close()
    for ecu in found.ecus():
        print(ecu["tx_id"], ecu["rx_id"], ecu["elapsed_ms"])

Every scan is paced (:class:`Pacer`: requests per second and a bound on the whole scan) and
fills its result object as it goes, so an interrupted scan keeps what it found.
"""

from __future__ import annotations

from diagkit.scan.bus import KernelRawBus, PythonCanRawBus, RawBus, RawFrame, open_raw_bus
from diagkit.scan.discovery import (
    PROBES,
    Discovery,
    DiscoveryPlan,
    Responder,
    discover,
    frame_payload,
    single_frame,
)
from diagkit.scan.limits import Pacer, parse_ids
from diagkit.scan.profile_writer import starting_profile, write_starting_profile
from diagkit.scan.services import (
    ALL_SERVICES,
    SAFE_REQUESTS,
    Answer,
    Finding,
    ServiceScan,
    exchange,
    scan_dids,
    scan_services,
)

__all__ = [
    "ALL_SERVICES",
    "PROBES",
    "SAFE_REQUESTS",
    "Answer",
    "Discovery",
    "DiscoveryPlan",
    "Finding",
    "KernelRawBus",
    "Pacer",
    "PythonCanRawBus",
    "RawBus",
    "RawFrame",
    "Responder",
    "ServiceScan",
    "discover",
    "exchange",
    "frame_payload",
    "open_raw_bus",
    "parse_ids",
    "scan_dids",
    "scan_services",
    "single_frame",
    "starting_profile",
    "write_starting_profile",
]
