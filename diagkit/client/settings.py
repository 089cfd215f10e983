"""Everything a client needs from a profile, built in one place: :func:`client_settings`.

The transport config, ISO 14229-2 timing, tester present, the security levels' algorithms,
udsoncan's options (DID codecs, formats), the DID names and the DTC status mask all come from
the profile through this one function; :mod:`diagkit.client.factory` opens clients from its
result alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from udsoncan.typing import ClientConfig

from diagkit.client.client import KeepAlive, SecuritySettings
from diagkit.client.timing import Timing
from diagkit.client.udsconfig import client_config
from diagkit.profile import EcuProfile, transport_config, udsoncan_config
from diagkit.profile.codecs import UdsoncanDidCodec
from diagkit.profile.security import LevelParams
from diagkit.transport.address import Address
from diagkit.transport.config import TransportConfig


@dataclass(frozen=True, kw_only=True)
class ClientSettings:
    """How to open and configure the client of one ECU, as its profile says.

    ``label`` names the ECU in errors and logs (``engine can0 0x7E0/0x7E8``). ``udsoncan``
    holds udsoncan's options that the profile sets (formats, DTC sizes, ``data_identifiers``);
    timing is not among them: it is ``timing``, which
    :func:`~diagkit.client.udsconfig.client_config` turns into udsoncan's timing keys. ``security``
    names each level's algorithm (of :mod:`diagkit.security`) and its parameters.
    """

    name: str
    label: str
    transport: TransportConfig
    timing: Timing
    keep_alive: KeepAlive
    udsoncan: Mapping[str, Any]
    did_names: Mapping[str, int]
    dtc_status_mask: int
    security: SecuritySettings

    @property
    def functional_address(self) -> Address | None:
        """Where functional requests go, None when the profile defines no functional address."""
        return self.transport.functional_address

    @property
    def did_codecs(self) -> Mapping[int, UdsoncanDidCodec]:
        """The codec of every DID of the profile, by id."""
        codecs: Mapping[int, UdsoncanDidCodec] = self.udsoncan.get("data_identifiers", {})
        return codecs

    def udsoncan_config(self) -> ClientConfig:
        """udsoncan's complete client config: its defaults, these options and the timing."""
        return client_config(self.udsoncan, self.timing)


def client_settings(
    profile: EcuProfile,
    *,
    environ: Mapping[str, str] | None = None,
) -> ClientSettings:
    """The client settings of ``profile``: the only place a profile becomes a client's config.

    ``environ`` is where ``key_env`` keys are read, when a level is unlocked (default: the
    process environment).
    Without a ``request_timeout`` in the profile nothing but P2 and P2* bounds a request, so
    any number of 0x78 pendings can extend it (ISO 14229-2).
    """
    config = transport_config(profile)
    uds = profile.uds
    tester = uds.tester_present
    return ClientSettings(
        name=profile.name,
        label=label(profile.name, config),
        transport=config,
        timing=Timing(
            p2=uds.p2,
            p2_star=uds.p2_star,
            request_timeout=uds.request_timeout,
            use_server_timing=uds.use_server_timing,
        ),
        keep_alive=KeepAlive(
            enabled=tester.enabled,
            interval=tester.interval,
            suppress=tester.suppress_positive_response,
            # a disabled keeper sends nothing, so it needs no functional sender either
            functional=tester.enabled and tester.addressing == "functional",
        ),
        udsoncan=dict(udsoncan_config(profile)),
        did_names={did.name: did.id for did in profile.dids},
        dtc_status_mask=profile.dtc.status_mask,
        security=SecuritySettings(
            levels={
                level.level: (level.algorithm, LevelParams(level, environ))
                for level in profile.security
            }
        ),
    )


def label(name: str, config: TransportConfig) -> str:
    """How errors and logs name an ECU, e.g. ``engine can0 0x7E0/0x7E8``."""
    address = config.address
    width = 8 if address.is_29bit else 3
    return f"{name} {config.interface} 0x{address.tx_id:0{width}X}/0x{address.rx_id:0{width}X}"
