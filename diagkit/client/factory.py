"""Open ECU clients (and functional groups) from profiles, with the settings they compile to.

``open_client("profiles/engine.yaml")``, ``open_client(profile)`` or
``open_client("bench.yaml", ecu="engine")`` validate the profile, open its transport with the
backend it names (or the one given) through :mod:`diagkit.transport.registry`, and configure
the client from :func:`~diagkit.client.settings.client_settings` alone: DID codecs, security
algorithms (through :mod:`diagkit.security`), timing, formats, tester present.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from diagkit.client.client import EcuClient, KeepAlive
from diagkit.client.functional import FunctionalGroup
from diagkit.client.settings import ClientSettings, client_settings
from diagkit.client.tester_present import Sender
from diagkit.client.timing import Timing
from diagkit.errors import ConfigurationError
from diagkit.profile import Bench, EcuProfile, load_bench, load_profile
from diagkit.transport.base import Transport
from diagkit.transport.factory import open_functional, open_transport

if TYPE_CHECKING:
    import can

PathLike = str | os.PathLike[str]
Target = PathLike | EcuProfile | Bench | tuple[PathLike, str]


def load_target(
    target: Target,
    *,
    ecu: str | None = None,
    interface: str | None = None,
    backend: str | None = None,
) -> EcuProfile:
    """The profile ``target`` names, with the overrides applied.

    ``target`` is a profile file, a profile, or a bench (file or loaded) with ``ecu`` naming
    one of its ECUs (``(bench file, ECU name)`` is the same as ``ecu=``). An unknown ECU is a
    :class:`~diagkit.errors.ConfigurationError` listing the bench's ECUs.
    """
    if isinstance(target, tuple):
        if ecu is not None:
            raise ConfigurationError("give the ECU once: (bench, ecu) or ecu=, not both")
        target, ecu = target
    if isinstance(target, EcuProfile):
        if ecu is not None and ecu != target.name:
            raise ConfigurationError(f"ecu={ecu!r} given with the profile of {target.name!r}")
        profile = target
    elif ecu is not None or isinstance(target, Bench):
        bench = target if isinstance(target, Bench) else load_bench(os.fspath(target))
        profile = bench_ecu(bench, ecu)
    else:
        profile = load_profile(os.fspath(target))
    return profile.with_overrides(interface=interface, backend=backend)


def bench_ecu(bench: Bench, ecu: str | None) -> EcuProfile:
    """The profile of ECU ``ecu`` on ``bench`` (``None``: its only ECU); refusals list them."""
    known = ", ".join(bench.ecus)
    if ecu is None:
        if len(bench.ecus) == 1:
            return next(iter(bench.ecus.values()))
        raise ConfigurationError(
            f"bench {bench.name} has several ECUs: choose one with ecu= ({known})"
        )
    if ecu not in bench.ecus:
        raise ConfigurationError(f"no ECU {ecu!r} on bench {bench.name} (ECUs: {known})")
    return bench.ecus[ecu]


def open_client(
    target: Target,
    *,
    ecu: str | None = None,
    interface: str | None = None,
    backend: str | None = None,
    transport: Transport | None = None,
    functional: Sender | None = None,
    bus: can.BusABC | None = None,
    environ: Mapping[str, str] | None = None,
) -> EcuClient:
    """An open, context-managed client for the ECU ``target`` (and ``ecu``) describe.

    ``target``/``ecu`` are as in :func:`load_target`, e.g. ``open_client("bench.yaml",
    ecu="engine")``. ``interface``/``backend`` override the profile's (as a command line
    would). ``transport`` replaces the one the profile would open (e.g. a memory transport to a
    simulated ECU; the client then owns it), ``functional`` the functional sender (without it,
    a given transport keeps tester present physical). ``bus`` is a python-can bus for the
    userspace backend. ``environ`` is where ``key_env`` security keys are read (default: the
    environment).
    """
    try:
        profile = load_target(target, ecu=ecu, interface=interface, backend=backend)
        settings = client_settings(profile, environ=environ)
    except BaseException:  # a given transport is the client's, even when none is made
        for given in (transport, functional):
            if given is not None:
                given.close()
        raise
    keep_alive = settings.keep_alive
    own = transport is None
    if transport is None:
        transport = open_transport(settings.transport, bus=bus)
    try:
        if keep_alive.enabled and keep_alive.functional:
            if own or functional is not None:
                functional = functional or open_functional(settings.transport, transport)
            else:  # a transport given without its functional sender: stay physical
                keep_alive = dataclasses.replace(keep_alive, functional=False)
        return client_from_settings(
            settings, transport, keep_alive=keep_alive, functional=functional
        )
    except BaseException:
        if functional is not None:
            functional.close()
        transport.close()  # idempotent: the client may have closed it already
        raise


def client_from_settings(
    settings: ClientSettings,
    transport: Transport,
    *,
    keep_alive: KeepAlive | None = None,
    functional: Sender | None = None,
) -> EcuClient:
    """The client ``settings`` describe, over ``transport`` (which it then owns)."""
    return EcuClient(
        transport,
        address=settings.label,
        timing=settings.timing,
        config=settings.udsoncan,
        keep_alive=keep_alive or settings.keep_alive,
        functional=functional,
        did_names=settings.did_names,
        dtc_status_mask=settings.dtc_status_mask,
        security_settings=settings.security,
    )


def open_functional_group(
    bench: PathLike | Bench,
    ecus: Sequence[str] | None = None,
    *,
    backend: str | None = None,
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
    settings = [
        client_settings(bench_ecu(loaded, name).with_overrides(backend=backend)) for name in names
    ]
    configs = [s.transport for s in settings]
    interfaces = {c.interface for c in configs}
    if len(interfaces) != 1:
        raise ConfigurationError(
            f"functional requests reach one bus; the ECUs are on {', '.join(sorted(interfaces))}"
        )
    timings = [s.timing for s in settings]
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
        sender = open_functional(configs[0], receivers[names[0]])
        return FunctionalGroup(sender, receivers, timing)
    except BaseException:
        if sender is not None:
            sender.close()
        for receiver in receivers.values():
            receiver.close()
        raise
