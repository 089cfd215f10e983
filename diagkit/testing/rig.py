"""The ECUs of one test run: their profiles, one open client each, and their simulations.

A :class:`Rig` opens a client the first time a test asks for an ECU and keeps it for the
whole run (connection, tester present and timing set up once); :meth:`Rig.discard` closes a
client a transport error left in doubt, so the next test gets a fresh one. Simulated ECUs are
served in this process: over memory pairs (no bus at all), or with :func:`diagkit.sim.run_bench`
on the profiles' own interfaces when the ECUs should sit on a real (e.g. vcan) bus.
:meth:`Rig.close` closes everything, whatever the tests did.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from diagkit.errors import ConfigurationError

if TYPE_CHECKING:
    from diagkit.client import EcuClient
    from diagkit.profile import EcuProfile
    from diagkit.sim import SimEcu, SimServer
    from diagkit.sim.faults import Faults

log = logging.getLogger(__name__)

MEMORY = "memory"
POLL_INTERVAL = 0.01  # how soon a simulation notices it is stopped; serving is not slowed by it


@dataclass
class _MemoryLink:
    """A client over a memory pair and the server of the simulated ECU on its other end."""

    client: EcuClient
    server: SimServer

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            self.server.stop()


class Rig:
    """Clients for the ECUs of a profile or a bench, opened once and reopened when broken.

    ``profiles`` maps ECU names to their profiles (overrides already applied). ``simulate``:
    serve every ECU as a :class:`~diagkit.sim.SimEcu` in this process; ``on_bus`` serves them
    on the profiles' interfaces and backends (:func:`~diagkit.sim.run_bench`) instead of
    memory pairs.
    """

    def __init__(
        self,
        profiles: Mapping[str, EcuProfile],
        *,
        simulate: bool = False,
        on_bus: bool = False,
    ) -> None:
        if not profiles:
            raise ConfigurationError("a rig needs at least one ECU profile")
        self.profiles = dict(profiles)
        self.simulate = simulate
        self.on_bus = simulate and on_bus
        self._clients: dict[str, EcuClient] = {}
        self._links: dict[str, _MemoryLink] = {}
        self._sims: dict[str, SimEcu] = {}
        self._initial_faults: dict[str, Faults] = {}
        self._bus_server: SimServer | None = None
        self._environ: dict[str, str] | None = None
        if simulate:
            from diagkit.sim.from_profile import simulation_environ  # noqa: PLC0415

            self._environ = simulation_environ(self.profiles.values())

    # -- clients ------------------------------------------------------------------------------

    def client(self, name: str) -> EcuClient:
        """The open client of ECU ``name``: the one already open, else a new one."""
        profile = self.profile(name)
        client = self._clients.get(name)
        if client is not None and not client.closed:
            return client
        self.discard(name)
        if self.simulate and not self.on_bus:
            link = self._open_memory_link(profile)
            self._links[name] = link
            client = link.client
        else:
            from diagkit.client.factory import open_client  # noqa: PLC0415

            self.sims()  # on a bus, the simulated ECUs must be listening first
            client = open_client(profile, environ=self._environ)
        self._clients[name] = client
        return client

    def discard(self, name: str) -> None:
        """Close ECU ``name``'s client (if open), so the next :meth:`client` opens a new one."""
        client = self._clients.pop(name, None)
        link = self._links.pop(name, None)
        try:
            if client is not None:
                client.close()
        finally:
            if link is not None:
                link.close()

    def profile(self, name: str) -> EcuProfile:
        """The profile of ECU ``name``; an unknown name lists the known ones."""
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(self.profiles)
            raise ConfigurationError(f"no ECU {name!r} in this run (ECUs: {known})") from None

    # -- simulations --------------------------------------------------------------------------

    def sims(self) -> dict[str, SimEcu]:
        """The simulated ECUs by name (started on first use); empty when nothing is simulated."""
        if not self.simulate:
            return {}
        if self.on_bus and self._bus_server is None:
            from diagkit.sim import run_bench  # noqa: PLC0415

            self._bus_server = run_bench(
                self.profiles.values(), environ=self._environ, poll_interval=POLL_INTERVAL
            )
            # run_bench adds the ECUs in the order given (two may share a profile's name)
            for name, sim in zip(self.profiles, self._bus_server.ecus, strict=True):
                self._remember(name, sim)
        elif not self.on_bus:
            for name, profile in self.profiles.items():
                if name not in self._sims:
                    self._remember(name, self._new_sim(profile))
        return dict(self._sims)

    def restore_faults(self) -> None:
        """Give every simulated ECU back the faults its profile declares (none injected)."""
        for name, sim in self._sims.items():
            sim.set_faults(self._initial_faults[name])

    def _remember(self, name: str, sim: SimEcu) -> None:
        self._sims[name] = sim
        self._initial_faults[name] = sim.spec.faults

    def _new_sim(self, profile: EcuProfile) -> SimEcu:
        from diagkit.sim import SimEcu, spec_from_profile  # noqa: PLC0415

        return SimEcu(spec_from_profile(profile, environ=self._environ))

    def _open_memory_link(self, profile: EcuProfile) -> _MemoryLink:
        from diagkit.station import open_simulated  # noqa: PLC0415

        sim = self.sims()[self._name_of(profile)]
        client, server = open_simulated(
            profile, sim, environ=self._environ, poll_interval=POLL_INTERVAL
        )
        return _MemoryLink(client, server)

    def _name_of(self, profile: EcuProfile) -> str:
        return next(name for name, known in self.profiles.items() if known is profile)

    # -- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Close every client and stop every simulation; safe to call more than once."""
        errors: list[BaseException] = []
        for name in list(self._clients):
            try:
                self.discard(name)
            except Exception as exc:  # close the others all the same
                errors.append(exc)
        if self._bus_server is not None:
            self._bus_server.stop()
            self._bus_server = None
        if errors:
            raise errors[0]

    def __iter__(self) -> Iterator[str]:
        return iter(self.profiles)
