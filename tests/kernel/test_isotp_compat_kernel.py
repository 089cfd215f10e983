"""python-can-isotp 2.x code run through diagkit.transport.isotp on the real kernel.

python-can-isotp's own documented socket example, its documented addresses and option round
trips, each next to python-can-isotp's real ``isotp.socket`` doing the same calls on the same
kernel: what our module reads back must be what python-can-isotp reads back. Frames on the
wire are checked by hand (ISO 15765-2) with CAN_RAW; udsoncan's IsoTPSocketConnection, written
for python-can-isotp's socket, runs on ours.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import isotp as python_can_isotp
import pytest
from udsoncan.connections import IsoTPSocketConnection

from diagkit.transport import isotp
from tests.kernel.helpers import reassemble, sniffer

pytestmark = pytest.mark.kernel

GENERAL = ("optflag", "frame_txtime", "ext_address", "txpad", "rxpad", "rx_ext_address")
FLOW_CONTROL = ("stmin", "bs", "wftmax")
LINK_LAYER = ("mtu", "tx_dl", "tx_flags")


@contextmanager
def both() -> Iterator[tuple[isotp.socket, python_can_isotp.socket]]:
    """Our socket and python-can-isotp's, both closed afterwards."""
    ours = isotp.socket(timeout=5.0)
    try:
        theirs = python_can_isotp.socket(timeout=5.0)
        try:
            yield ours, theirs
        finally:
            theirs.close()
    finally:
        ours.close()


def _values(opts: object, names: tuple[str, ...]) -> dict[str, int]:
    return {name: int(getattr(opts, name)) for name in names}


def test_documented_socket_example(classic_iface: str) -> None:
    # python-can-isotp doc/source/isotp/socket.rst, "With this project" (with a timeout added
    # so a failure cannot hang the run)
    payload = b"Hello, this is a long payload sent in small chunks of 8 bytes."
    with sniffer(classic_iface) as raw:
        s = isotp.socket(timeout=5.0)
        s2 = isotp.socket(timeout=5.0)
        try:
            s.set_fc_opts(stmin=5, bs=10)
            s.bind(classic_iface, isotp.Address(rxid=0x123, txid=0x456))
            s2.bind(classic_iface, isotp.Address(rxid=0x456, txid=0x123))
            s2.send(payload)
            assert s.recv() == payload
        finally:
            s.close()
            s2.close()
        frames = raw.frames()
    # FF on 0x123 with FF_DL 62, then s's flow control on 0x456: CTS, BS 10, STmin 5 ms
    assert repr(frames[0]) == "123#103E" + payload[:6].hex().upper()
    assert repr(frames[1]) == "456#300A05"
    assert len(frames) == 2 + 8  # (62 - 6) / 7 consecutive frames, in one block of BS 10
    assert reassemble(frames, 0x123) == payload


# python-can-isotp doc/source/isotp/examples.rst, "Different type of addresses"
DOC_ADDRESSES: list[tuple[str, dict[str, Any]]] = [
    ("Normal_11bits", {"rxid": 0x123, "txid": 0x456}),
    ("Normal_29bits", {"rxid": 0x123456, "txid": 0x789ABC}),
    ("NormalFixed_29bits", {"source_address": 0x11, "target_address": 0x22}),
    (
        "Extended_11bits",
        {"rxid": 0x123, "txid": 0x456, "source_address": 0x55, "target_address": 0xAA},
    ),
    (
        "Extended_29bits",
        {"rxid": 0x123456, "txid": 0x789ABC, "source_address": 0x55, "target_address": 0xAA},
    ),
    ("Mixed_11bits", {"rxid": 0x123, "txid": 0x456, "address_extension": 0x99}),
    (
        "Mixed_29bits",
        {"source_address": 0x11, "target_address": 0x22, "address_extension": 0x99},
    ),
]
EXTEND_ADDR_AND_RX_EXT_ADDR = 0x202  # python-can-isotp's bind(), for every extended/mixed mode


@pytest.mark.parametrize(("mode", "fields"), DOC_ADDRESSES, ids=[m for m, _ in DOC_ADDRESSES])
def test_documented_addresses_bind_like_python_can_isotp(
    classic_iface: str, mode: str, fields: dict[str, Any]
) -> None:
    with both() as (ours, theirs):
        ours.bind(classic_iface, isotp.Address(isotp.AddressingMode[mode], **fields))
        theirs.bind(
            classic_iface,
            python_can_isotp.Address(python_can_isotp.AddressingMode[mode], **fields),
        )
        mine = _values(ours.get_opts(), GENERAL)
        assert mine == _values(theirs.get_opts(), GENERAL)
        with_ext = mode.startswith(("Extended", "Mixed"))
        assert mine["optflag"] == (EXTEND_ADDR_AND_RX_EXT_ADDR if with_ext else 0)
        # the kernel reports the bound (interface, rx id, tx id)
        assert ours.real_socket().getsockname() == theirs.real_socket().getsockname()


Step = tuple[str, dict[str, Any]]
ROUND_TRIPS = [
    pytest.param(
        [("set_opts", {"txpad": 0x55}), ("set_opts", {"rxpad": 0xAA, "frame_txtime": 0})],
        id="pads-and-frame-txtime",
    ),
    pytest.param(
        [("set_opts", {"optflag": 0x400, "txpad": 0}), ("set_opts", {"frame_txtime": 0xFFFFFFFF})],
        id="optflag-and-txpad",
    ),
    pytest.param([("set_opts", {"ext_address": 0x12, "rx_ext_address": 0x34})], id="ext-bytes"),
    pytest.param(
        [("set_opts", {"ext_address": 0x12}), ("set_opts", {"optflag": 0x040})],
        id="optflag-replaces-flags",
    ),
    pytest.param([("set_opts", {"tx_stmin": 500_000, "optflag": 0x004})], id="tx-stmin"),
    pytest.param(
        [("set_fc_opts", {"bs": 8, "stmin": 0xF5, "wftmax": 3}), ("set_fc_opts", {"stmin": 0x7F})],
        id="flow-control",
    ),
    pytest.param(
        [("set_ll_opts", {"mtu": 72, "tx_dl": 64, "tx_flags": 1}), ("set_ll_opts", {"tx_dl": 32})],
        id="link-layer",
    ),
]


@pytest.mark.parametrize("steps", ROUND_TRIPS)
def test_option_round_trips_read_back_like_python_can_isotp(steps: list[Step]) -> None:
    with both() as (ours, theirs):
        for method, kwargs in steps:
            returned = getattr(ours, method)(**kwargs)
            getattr(theirs, method)(**kwargs)
            for getter, names in (
                (ours.get_opts, GENERAL),
                (ours.get_fc_opts, FLOW_CONTROL),
                (ours.get_ll_opts, LINK_LAYER),
            ):
                theirs_getter: Callable[[], object] = getattr(theirs, getter.__name__)
                assert _values(getter(), names) == _values(theirs_getter(), names), (
                    f"{getter.__name__} after {method}({kwargs})"
                )
            assert returned == getattr(ours, "get_" + method[4:])()


def test_forced_tx_stmin_is_reported() -> None:
    with isotp.socket() as s:
        assert s.set_opts(tx_stmin=250_000).tx_stmin == 250_000
        assert s.get_opts().optflag & isotp.socket.flags.FORCE_TXSTMIN


def test_udsoncan_isotp_socket_connection_runs_on_our_socket(classic_iface: str) -> None:
    # udsoncan's connection was written for python-can-isotp's socket (it even selects on
    # the socket's private _socket); it must work unchanged on ours
    request, response = b"\x22\xf1\x90", b"\x62\xf1\x90" + b"WDD1234567890ABCD"
    tester = isotp.Address(rxid=0x7E8, txid=0x7E0)
    with isotp.socket(timeout=5.0) as ecu:
        ecu.bind(classic_iface, isotp.Address(rxid=0x7E0, txid=0x7E8))
        connection = IsoTPSocketConnection(
            classic_iface,
            tester,  # type: ignore[arg-type]
            tpsock=isotp.socket(timeout=0.1),  # type: ignore[arg-type]
        )
        with connection.open():
            connection.send(request)
            assert ecu.recv() == request
            ecu.send(response)
            assert connection.wait_frame(timeout=5.0) == response
    # udsoncan's receive thread leaves its epoll selector to the garbage collector
    gc.collect()
