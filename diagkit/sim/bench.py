"""Serve profiles as simulated ECUs on their own interfaces and addresses: :func:`run_bench`.

The ECU side of a profile's addressing is the client's with ids (and target/source address
bytes) swapped; functional requests are received on a second, receive-only channel.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from diagkit.errors import ConfigurationError
from diagkit.sim.ecu import SimEcu
from diagkit.sim.faults import Faults
from diagkit.sim.from_profile import KeyAlgorithm, spec_from_profile
from diagkit.sim.server import SimServer
from diagkit.transport.address import Address, AddressingMode
from diagkit.transport.base import Transport

if TYPE_CHECKING:
    from diagkit.profile import Bench, EcuProfile
    from diagkit.transport.config import TransportConfig


def server_address(client: Address) -> Address:
    """The ECU's end of a client's physical address: what the client sends, it receives."""
    return Address(
        client.addressing_mode,
        txid=client.rxid,
        rxid=client.txid,
        target_address=client.source_address,
        source_address=client.target_address,
        address_extension=client.address_extension,
    )


def functional_listen_address(client_functional: Address) -> Address:
    """Where the ECU receives a client's functional requests (it answers on its physical id)."""
    mode = client_functional.addressing_mode
    if mode is AddressingMode.NormalFixed_29bits:
        return Address(
            AddressingMode.Normal_29bits,
            txid=client_functional.rx_id,
            rxid=client_functional.tx_id,
        )
    if mode is AddressingMode.Mixed_29bits:
        raise ConfigurationError(
            "receiving functional requests with mixed 29-bit addressing is not simulated; "
            "remove the functional address from the profile to simulate it"
        )
    return server_address(client_functional)


def run_bench(
    bench: Bench | EcuProfile | Iterable[EcuProfile],
    *,
    faults: Mapping[str, Faults] | None = None,
    algorithms: Callable[[str], KeyAlgorithm] | None = None,
    environ: Mapping[str, str] | None = None,
    open_transport: Callable[[TransportConfig], Transport] | None = None,
    poll_interval: float = 0.05,
) -> SimServer:
    """Start simulating every ECU of ``bench`` (or one profile); returns the running server.

    ``faults`` replaces the profile's ``simulation.faults`` per ECU name; ``algorithms`` and
    ``environ`` are handed to :func:`spec_from_profile`. The server owns the
    transports it opened and closes them on :meth:`SimServer.stop`. The memory backend has no
    bus to serve on: use :class:`SimServer` with :meth:`MemoryTransport.pair` instead.
    """
    from diagkit.profile import Bench, EcuProfile, transport_config  # noqa: PLC0415
    from diagkit.transport.factory import open_transport as open_from_config  # noqa: PLC0415

    opener = open_transport if open_transport is not None else open_from_config
    if isinstance(bench, EcuProfile):
        profiles: list[EcuProfile] = [bench]
    elif isinstance(bench, Bench):
        profiles = list(bench.ecus.values())
    else:
        profiles = list(bench)
    server = SimServer(poll_interval=poll_interval)
    opened: list[Transport] = []
    try:
        for profile in profiles:
            if profile.backend == "memory":
                raise ConfigurationError(
                    f"ECU {profile.name} uses the memory backend, which has no bus to serve on; "
                    "serve it with SimServer().add(ecu, end) on a MemoryTransport.pair()"
                )
            spec = spec_from_profile(profile, algorithms=algorithms, environ=environ)
            if faults is not None and profile.name in faults:
                spec = dataclasses.replace(spec, faults=faults[profile.name])
            config = transport_config(profile)
            ecu_config = dataclasses.replace(
                config, address=server_address(config.address), functional_address=None
            )
            physical = opener(ecu_config)
            opened.append(physical)
            functional = None
            if config.functional_address is not None:
                listen = functional_listen_address(config.functional_address)
                functional = opener(dataclasses.replace(ecu_config, address=listen))
                opened.append(functional)
            server.add(SimEcu(spec), physical, functional=functional, owned=True)
        return server.start()
    except BaseException:
        for transport in opened:
            transport.close()
        raise
