"""The transport backends every backend-parametrised test runs over, as data.

``tests/conftest.py`` turns :data:`BACKENDS` into the ``backend`` fixture (one parameter each,
the kernel ones marked ``kernel`` so the VM bridge runs them in the kernel VM) and into
``make_pair``. A :class:`Backend` opens two connected ends with mirrored addresses, and turns a
profile into one served and reached over the same backend.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal, Protocol

import can
import pytest

from diagkit.profile import EcuProfile
from diagkit.transport.address import Address
from diagkit.transport.base import Transport
from diagkit.transport.kernel import KernelTransport
from diagkit.transport.memory import MemoryTransport
from diagkit.transport.options import LinkLayerOptions, LinkLayerProtocol, SocketOptions
from diagkit.transport.userspace import UserspaceTransport

Kind = Literal["memory", "userspace", "kernel"]

CLIENT = Address(txid=0x7E0, rxid=0x7E8)
"""The tester's end of every pair: sends on 0x7E0, listens on 0x7E8."""
PEER = Address(txid=0x7E8, rxid=0x7E0)
"""The other end (the ECU), mirrored."""
DEFAULT_MAX_PDU_SIZE = 8300
FD_OPTIONS = SocketOptions(
    link_layer=LinkLayerOptions(mtu=LinkLayerProtocol.CAN_FD, tx_dl=64, tx_flags=0x01)
)
"""CAN FD: 64-byte frames with bit rate switch (CANFD_BRS)."""

_channels = itertools.count()


class MakePair(Protocol):
    """Open a connected (client, peer) pair; the fixture closes whatever the test left open."""

    def __call__(
        self, max_pdu_size: int = DEFAULT_MAX_PDU_SIZE, *, peer_max_pdu_size: int | None = None
    ) -> tuple[Transport, Transport]: ...


@dataclass(frozen=True)
class BackendSpec:
    """One backend parameter: its test id, which transport it uses, classic CAN or CAN FD."""

    name: str
    kind: Kind
    can_fd: bool = False

    @property
    def options(self) -> SocketOptions:
        return FD_OPTIONS if self.can_fd else SocketOptions()


BACKENDS = (
    BackendSpec("memory", "memory"),
    BackendSpec("userspace", "userspace"),  # python-can-isotp on python-can's virtual bus
    BackendSpec("userspace-fd", "userspace", can_fd=True),
    BackendSpec("kernel", "kernel"),  # kernel sockets on vcan0, in the VM
    BackendSpec("kernel-fd", "kernel", can_fd=True),  # on vcan1 (mtu 72)
)


@dataclass(frozen=True)
class Backend:
    """A backend bound to one test: the spec, and its interface (a vcan or a virtual channel).

    Userspace ends share a python-can virtual channel of their own per test, so nothing one
    test sends can reach another's ends.
    """

    spec: BackendSpec
    interface: str

    @property
    def name(self) -> str:
        return self.spec.name

    @classmethod
    def bind(cls, spec: BackendSpec, kernel_interface: str | None = None) -> Backend:
        """Bind ``spec`` to the kernel's vcan interface, or to a fresh virtual channel."""
        if spec.kind == "kernel":
            assert kernel_interface is not None, "kernel backends need a vcan interface"
            return cls(spec, kernel_interface)
        return cls(spec, f"{spec.name}-{next(_channels)}")

    def pair(
        self,
        max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
        *,
        peer_max_pdu_size: int | None = None,
    ) -> tuple[Transport, Transport]:
        """Two connected ends, (:data:`CLIENT`, :data:`PEER`), each with its own PDU limit."""
        peer_max = peer_max_pdu_size or max_pdu_size
        if self.spec.kind == "memory":
            if max_pdu_size != peer_max:
                pytest.skip("both ends of a memory pair share one max_pdu_size")
            client, peer = MemoryTransport.pair(max_pdu_size=max_pdu_size)
            return client, peer
        ends: list[Transport] = []
        try:
            for address, limit in ((CLIENT, max_pdu_size), (PEER, peer_max)):
                ends.append(self._open(address, limit))
        except BaseException:
            for end in ends:
                end.close()
            raise
        return ends[0], ends[1]

    def _open(self, address: Address, max_pdu_size: int) -> Transport:
        options = self.spec.options
        if self.spec.kind == "kernel":
            return KernelTransport(self.interface, address, options, max_pdu_size=max_pdu_size)
        bus = can.Bus(interface="virtual", channel=self.interface)
        try:
            return UserspaceTransport(
                bus, address, options, max_pdu_size=max_pdu_size, own_bus=True
            )
        except BaseException:
            bus.shutdown()
            raise

    def profile(self, profile: EcuProfile) -> EcuProfile:
        """``profile`` served and reached over this backend (not memory: no profile opens it)."""
        if self.spec.kind == "memory":
            raise ValueError("a profile cannot open a memory transport; pair the ends directly")
        if self.spec.can_fd:
            data = profile.model_dump(mode="json", exclude_defaults=True)
            isotp = {**data.get("isotp", {}), "can_fd": True, "tx_dl": 64, "bitrate_switch": True}
            profile = EcuProfile.model_validate({**data, "isotp": isotp})
        if self.spec.kind == "userspace":
            profile = profile.model_copy(update={"python_can": {"interface": "virtual"}})
        kind: Literal["userspace", "kernel"] = "userspace"
        if self.spec.kind == "kernel":
            kind = "kernel"
        return profile.with_overrides(interface=self.interface, backend=kind)
