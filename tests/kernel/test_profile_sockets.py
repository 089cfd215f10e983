"""Each example profile's compiled options open a real kernel ISO-TP socket that talks to a peer.

The peer is bound to the mirrored address, built here by hand from ISO 15765-2 (ids swapped;
TA and SA swapped), not by the profile code under test. Expected frames on the wire are written
out per profile: CAN id, frame format and bytes of a TesterPresent (3E 00) single frame.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagkit.profile import EcuProfile, load_profile, transport_config
from diagkit.transport.address import Address, AddressingMode
from diagkit.transport.config import TransportConfig
from diagkit.transport.kernel import KernelTransport, functional_sender
from diagkit.transport.options import Flags, GeneralOptions, SocketOptions
from tests.kernel.helpers import payload, sniffer

pytestmark = pytest.mark.kernel

PROFILES = Path(__file__).resolve().parents[2] / "profiles"
REQUEST = b"\x3e\x00"  # TesterPresent: fits a single frame

# profile -> (physical CAN id, 29-bit, frame bytes, functional CAN id, functional frame bytes)
WIRE: dict[str, tuple[int, bool, str, int | None, str | None]] = {
    "engine.yaml": (0x7E0, False, "023E00CCCCCCCCCC", 0x7DF, "023E00CCCCCCCCCC"),
    "engine_userspace.yaml": (0x7E0, False, "023E00CCCCCCCCCC", 0x7DF, "023E00CCCCCCCCCC"),
    "inverter_29bit.yaml": (0x18DA0BF1, True, "023E00AAAAAAAAAA", 0x18DB33F1, "023E00AAAAAAAAAA"),
    "camera_canfd.yaml": (0x74A, False, "023E00CCCCCCCCCC", 0x7DF, "023E00CCCCCCCCCC"),
    "gateway.yaml": (0x6F1, False, "40023E00", 0x6F1, "DF023E00"),
    "doors/front_left.yaml": (0x6F1, False, "72023E00FFFFFFFF", 0x6F1, "DF023E00FFFFFFFF"),
    "doors/front_right.yaml": (0x6F1, False, "73023E00FFFFFFFF", 0x6F1, "DF023E00FFFFFFFF"),
}


def mirrored(address: Address) -> Address:
    """The ECU's side of ``address``."""
    mode = address.addressing_mode
    if mode in (AddressingMode.NormalFixed_29bits, AddressingMode.Mixed_29bits):
        return Address(
            mode,
            target_address=address.source_address,
            source_address=address.target_address,
            address_extension=address.address_extension,
        )
    return Address(
        mode,
        txid=address.rxid,
        rxid=address.txid,
        target_address=address.source_address,
        source_address=address.target_address,
        address_extension=address.address_extension,
    )


def compiled(name: str, classic_iface: str, fd_iface: str) -> tuple[EcuProfile, TransportConfig]:
    profile = load_profile(PROFILES / name)
    config = transport_config(profile)
    interface = fd_iface if profile.isotp.can_fd else classic_iface
    return profile, dataclasses.replace(config, interface=interface, backend="kernel")


@pytest.fixture(params=sorted(WIRE))
def channel(
    request: pytest.FixtureRequest, classic_iface: str, fd_iface: str
) -> Iterator[tuple[str, EcuProfile, TransportConfig, KernelTransport, KernelTransport]]:
    name: str = request.param
    profile, config = compiled(name, classic_iface, fd_iface)
    pad = profile.isotp.rx_padding if profile.isotp.rx_padding is not None else 0xCC
    peer_options = SocketOptions(
        general=GeneralOptions(optflag=Flags.TX_PADDING, txpad=pad),
        link_layer=config.options.link_layer,
    )
    with (
        KernelTransport.from_config(config) as tester,
        KernelTransport(config.interface, mirrored(config.address), peer_options) as ecu,
    ):
        yield name, profile, config, tester, ecu


def test_profile_socket_round_trips_a_pdu_with_its_peer(
    channel: tuple[str, EcuProfile, TransportConfig, KernelTransport, KernelTransport],
) -> None:
    _, _, _, tester, ecu = channel
    for size in (2, 300):
        request = payload(size)
        tester.send(request)
        assert ecu.recv(timeout=10.0) == request
        response = bytes(reversed(request))
        ecu.send(response)
        assert tester.recv(timeout=10.0) == response
    assert tester.recv(timeout=0) is None


def test_profile_socket_puts_the_expected_frame_on_the_wire(
    channel: tuple[str, EcuProfile, TransportConfig, KernelTransport, KernelTransport],
) -> None:
    name, profile, config, tester, ecu = channel
    can_id, extended, data, _, _ = WIRE[name]
    with sniffer(config.interface) as bus:
        tester.send(REQUEST)
        assert ecu.recv(timeout=5.0) == REQUEST
        (frame,) = bus.wait_for(1)
    assert (frame.can_id, frame.extended, frame.data.hex().upper()) == (can_id, extended, data)
    assert frame.fd == profile.isotp.can_fd


def test_profile_functional_address_sends_a_broadcast_single_frame(
    classic_iface: str, fd_iface: str
) -> None:
    for name, (_, extended, _, can_id, data) in sorted(WIRE.items()):
        _, config = compiled(name, classic_iface, fd_iface)
        assert config.functional_address is not None, name
        with sniffer(config.interface) as bus:
            with functional_sender(
                config.interface, config.functional_address, config.options
            ) as broadcast:
                broadcast.send(REQUEST)
            (frame,) = bus.wait_for(1)
        assert (frame.can_id, frame.extended, frame.data.hex().upper()) == (can_id, extended, data)
