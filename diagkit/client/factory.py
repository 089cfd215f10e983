"""Open ECU clients (and functional groups) from profiles: the only wiring of profile to client.

``open_client("profiles/engine.yaml")``, ``open_client(profile)`` or
``open_client(("bench.yaml", "engine"))`` validate the profile, open its transport with the
backend it names (or the one given), and configure the client from it alone: DID codecs,
security algorithms (through :mod:`diagkit.security`), timing, formats, tester present.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from diagkit import security
from diagkit.client.client import EcuClient, KeepAlive
from diagkit.client.functional import FunctionalGroup
from diagkit.client.tester_present import Sender
from diagkit.client.timing import Timing
from diagkit.errors import ConfigurationError
from diagkit.profile import (
    Bench,
    EcuProfile,
    load_bench,
    load_profile,
    transport_config,
    udsoncan_config,
)
from diagkit.profile.model import Backend
from diagkit.transport.base import Transport
from diagkit.transport.config import TransportConfig
from diagkit.transport.factory import open_functional, open_transport

if TYPE_CHECKING:
    import can

PathLike = str | os.PathLike[str]
Target = PathLike | EcuProfile | tuple[PathLike, str]


def load_target(
    target: Target, *, interface: str | None = None, backend: Backend | None = None
) -> EcuProfile:
    """The profile ``target`` names: a profile file, a profile, or ``(bench file, ECU name)``."""
    if isinstance(target, EcuProfile):
        profile = target
    elif isinstance(target, tuple):
        bench_path, ecu = target
        profile = load_bench(os.fspath(bench_path))[ecu]
    else:
        profile = load_profile(os.fspath(target))
    return profile.with_overrides(interface=interface, backend=backend)


def timing_of(profile: EcuProfile) -> Timing:
    """The client timing of the profile's ``uds:`` section.

    Without a ``request_timeout`` in the file, nothing but P2 and P2* bounds a request, so any
    number of 0x78 pendings can extend it (ISO 14229-2).
    """
    uds = profile.uds
    return Timing(
        p2=uds.p2,
        p2_star=uds.p2_star,
        request_timeout=uds.request_timeout,
        use_server_timing=uds.use_server_timing,
    )


def keep_alive_of(profile: EcuProfile) -> KeepAlive:
    """The tester-present settings of the profile's ``uds.tester_present`` section."""
    tester = profile.uds.tester_present
    return KeepAlive(
        enabled=tester.enabled,
        interval=tester.interval,
        suppress=tester.suppress_positive_response,
        functional=tester.addressing == "functional",
    )


def label_of(profile: EcuProfile, config: TransportConfig) -> str:
    """How errors and logs name the ECU, e.g. ``engine can0 0x7E0/0x7E8``."""
    address = config.address
    width = 8 if address.is_29bit else 3
    return (
        f"{profile.name} {config.interface} 0x{address.tx_id:0{width}X}/0x{address.rx_id:0{width}X}"
    )


def open_client(
    target: Target,
    *,
    interface: str | None = None,
    backend: Backend | None = None,
    transport: Transport | None = None,
    functional: Sender | None = None,
    bus: can.BusABC | None = None,
    environ: Mapping[str, str] | None = None,
) -> EcuClient:
    """An open, context-managed client for the ECU ``target`` describes.

    ``interface``/``backend`` override the profile's (as a command line would). ``transport``
    replaces the one the profile would open (e.g. a memory transport to a simulated ECU; the
    client then owns it), ``functional`` the functional sender (without it, a given transport
    keeps tester present physical). ``bus`` is a python-can bus for the userspace backend.
    ``environ`` is where ``key_env`` security keys are read (default: the environment).
    """
    profile = load_target(target, interface=interface, backend=backend)
    config = transport_config(profile)
    uds_config = udsoncan_config(profile, algorithms=security.resolve, environ=environ)
    keep_alive = keep_alive_of(profile)
    own = transport is None
    if transport is None:
        transport = open_transport(config, bus=bus)
    try:
        if keep_alive.enabled and keep_alive.functional:
            if own or functional is not None:
                functional = functional or open_functional_sender(config, transport)
            else:  # a transport given without its functional sender: stay physical
                keep_alive = dataclasses.replace(keep_alive, functional=False)
        return EcuClient(
            transport,
            address=label_of(profile, config),
            timing=timing_of(profile),
            config=dict(uds_config),
            keep_alive=keep_alive,
            functional=functional,
            did_names={did.name: did.id for did in profile.dids},
            dtc_status_mask=profile.dtc.status_mask,
        )
    except BaseException:
        if functional is not None:
            functional.close()
        if own:
            transport.close()
        raise


def open_functional_sender(config: TransportConfig, physical: Transport) -> Sender:
    """A transmit-only sender on the profile's functional address, for its backend."""
    return open_functional(config, physical)


def open_functional_group(
    bench: PathLike | Bench,
    ecus: Sequence[str] | None = None,
    *,
    backend: Backend | None = None,
    bus: can.BusABC | None = None,
) -> FunctionalGroup:
    """A functional group over the bench's ECUs (all, or those named), on one interface.

    The functional sender uses the first ECU's functional address; each ECU gets a receiving
    channel on its physical address. P2/P2* are the longest of the ECUs' profiles.
    """
    loaded = bench if isinstance(bench, Bench) else load_bench(os.fspath(bench))
    names = list(ecus) if ecus is not None else list(loaded.ecus)
    if not names:
        raise ConfigurationError("a functional group needs at least one ECU")
    profiles = [loaded[name].with_overrides(backend=backend) for name in names]
    configs = [transport_config(p) for p in profiles]
    interfaces = {c.interface for c in configs}
    if len(interfaces) != 1:
        raise ConfigurationError(
            f"functional requests reach one bus; the ECUs are on {', '.join(sorted(interfaces))}"
        )
    timings = [timing_of(p) for p in profiles]
    timing = Timing(
        p2=max(t.p2 for t in timings),
        p2_star=max(t.p2_star for t in timings),
        use_server_timing=False,
    )
    receivers: dict[str, Transport] = {}
    sender: Sender | None = None
    try:
        for name, config in zip(names, configs, strict=True):
            receivers[name] = open_transport(config, bus=bus)
        sender = open_functional_sender(configs[0], receivers[names[0]])
        return FunctionalGroup(sender, receivers, timing)
    except BaseException:
        if sender is not None:
            sender.close()
        for receiver in receivers.values():
            receiver.close()
        raise
