"""Simulated ECUs of a bench on one in-process python-can virtual bus, for ``scan --sim``.

Discovery needs a bus that several ECUs share, so ``--sim`` cannot use the memory pairs the
other commands use: every ECU of the file is served (:func:`diagkit.sim.run_bench`) on one
python-can ``virtual`` channel with the userspace backend, its ids and ISO-TP options as its
profile says, except receive padding checks, which python-can-isotp cannot make.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from diagkit.profile import EcuProfile

_channels = itertools.count(1)


def on_virtual_bus(profile: EcuProfile, channel: str) -> EcuProfile:
    """``profile`` moved onto python-can's virtual bus ``channel`` (userspace backend)."""
    from diagkit.profile import EcuProfile  # noqa: PLC0415

    data: dict[str, Any] = profile.model_dump(mode="json", exclude_defaults=True)
    data.update(interface=channel, backend="userspace", python_can={"interface": "virtual"})
    isotp = data.get("isotp")
    if isinstance(isotp, dict):
        isotp.pop("rx_padding_check", None)
        isotp.pop("rx_padding", None)
    return EcuProfile.model_validate(data)


@contextmanager
def simulated_bus(
    profiles: Sequence[EcuProfile], channel: str | None = None
) -> Iterator[list[EcuProfile]]:
    """Serve ``profiles`` as simulated ECUs on one virtual channel; yields the moved profiles.

    The channel is new for each call unless named, so two scans in one process never meet.
    """
    from diagkit.sim import run_bench  # noqa: PLC0415
    from diagkit.sim.from_profile import simulation_environ  # noqa: PLC0415

    name = channel or f"diagkit-scan-{os.getpid()}-{next(_channels)}"
    moved = [on_virtual_bus(p, name) for p in profiles]
    with run_bench(moved, environ=simulation_environ(moved), poll_interval=0.01):
        yield moved
