"""Recording the CAN frames of an exchange to a file: :func:`record`.

Frames are masked (:mod:`diagkit.trace.mask`) unless ``mask_secrets=False`` is given — the lab
opt-in for benches whose keys are not secret — and written as they arrive, in the format the
file's suffix names (:mod:`diagkit.trace.files`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Union

from diagkit.errors import ConfigurationError
from diagkit.trace.files import TraceWriter, open_writer
from diagkit.trace.frame import TraceFrame
from diagkit.trace.mask import SecretMasker
from diagkit.transport.config import TransportConfig
from diagkit.transport.options import LinkLayerProtocol

if TYPE_CHECKING:
    import can

    from diagkit.client import EcuClient
    from diagkit.profile import Bench, EcuProfile
    from diagkit.trace.sources import BusSource, RawSocketSource
    from diagkit.transport.base import Transport

logger = logging.getLogger(__name__)

Recordable = Union["EcuProfile", "Bench", TransportConfig]
MEMORY_REFUSAL = (
    "the memory backend has no CAN frames to record (it passes whole PDUs in this process); "
    "record on the kernel backend (vcan) or the userspace one (python-can's virtual bus)"
)


@dataclass(frozen=True)
class TraceIds:
    """The CAN ids a trace keeps: what the tester sends and what the ECUs answer."""

    tx: frozenset[tuple[int, bool]]
    rx: frozenset[tuple[int, bool]]
    prefix: dict[tuple[int, bool], int]  # address-extension bytes before the PCI, per id
    can_fd: bool

    @property
    def all(self) -> frozenset[tuple[int, bool]]:
        """Every id recorded, both directions."""
        return self.tx | self.rx


def transport_configs(targets: Recordable | Iterable[Recordable]) -> list[TransportConfig]:
    """The transport configs of profiles, benches (all their ECUs) and configs."""
    from diagkit.profile import Bench, EcuProfile, transport_config  # noqa: PLC0415

    items: Iterable[Recordable] = (
        [targets] if isinstance(targets, (EcuProfile, Bench, TransportConfig)) else targets
    )
    configs: list[TransportConfig] = []
    for item in items:
        if isinstance(item, TransportConfig):
            configs.append(item)
        elif isinstance(item, Bench):
            configs += [transport_config(ecu) for ecu in item.ecus.values()]
        elif isinstance(item, EcuProfile):
            configs.append(transport_config(item))
        else:
            raise ConfigurationError(
                f"cannot record {type(item).__name__}: give profiles, benches or TransportConfigs"
            )
    if not configs:
        raise ConfigurationError("a trace needs at least one profile to know which ids to keep")
    return configs


def trace_ids(configs: Sequence[TransportConfig]) -> TraceIds:
    """Every id the configs use: physical request/response and functional request ids."""
    tx: set[tuple[int, bool]] = set()
    rx: set[tuple[int, bool]] = set()
    prefix: dict[tuple[int, bool], int] = {}
    for config in configs:
        addresses = [config.address]
        if config.functional_address is not None:
            addresses.append(config.functional_address)
        for address in addresses:
            out = (address.tx_id, address.is_29bit)
            tx.add(out)
            prefix[out] = 0 if address.tx_ext_address is None else 1
        back = (config.address.rx_id, config.address.is_29bit)
        rx.add(back)
        prefix[back] = 0 if config.address.rx_ext_address is None else 1
    can_fd = any(c.options.link_layer.mtu == LinkLayerProtocol.CAN_FD for c in configs)
    return TraceIds(frozenset(tx), frozenset(rx), prefix, can_fd)


class Recorder:
    """Writes each frame a source hands over (masked unless told not to); thread-safe."""

    def __init__(self, path: Path, writer: TraceWriter, masker: SecretMasker | None) -> None:
        self.path = path
        self.frames = 0
        self._writer = writer
        self._masker = masker
        self._lock = threading.Lock()

    @property
    def masked(self) -> bool:
        """True when seeds and keys are masked in this trace."""
        return self._masker is not None

    def write(self, frame: TraceFrame) -> None:
        """Record one frame."""
        with self._lock:
            if self._masker is not None:
                frame = self._masker.mask(frame)
            self._writer.write(frame)
            self.frames += 1


@contextmanager
def record(
    targets: Recordable | Iterable[Recordable],
    path: str | Path,
    *,
    mask_secrets: bool = True,
    transport: Transport | None = None,
    bus: can.BusABC | None = None,
) -> Iterator[Recorder]:
    """Record every CAN frame on the ids of ``targets`` into ``path`` until the block ends.

    ``targets`` are profiles, benches (every ECU) or transport configs. The source follows
    their backend: the kernel one records with a CAN_RAW socket on each interface; the
    userspace one hooks a python-can bus, ``bus`` or that of ``transport`` (an open
    ``UserspaceTransport``). A memory transport has no frames: ConfigurationError. Seeds and
    keys are masked unless ``mask_secrets=False`` (the lab opt-in).
    """
    configs = transport_configs(targets)
    ids = trace_ids(configs)
    backends = {c.backend for c in configs}
    if transport is not None:
        backend, transport_bus = _source_of(transport)
        backends, bus = {backend}, bus or transport_bus
    if bus is not None:
        backends = {"userspace"}
    unknown = backends - {"kernel", "userspace"}
    if unknown:
        raise ConfigurationError(
            f"cannot record frames on the {', '.join(sorted(unknown))} backend: only the kernel "
            "and userspace backends carry CAN frames"
        )
    if "userspace" in backends and bus is None:
        raise ConfigurationError(
            "recording on the userspace backend needs its python-can bus: pass bus= (the bus the "
            "clients run on) or transport= (an open userspace transport)"
        )
    path = Path(path)
    writer = open_writer(path, interface=configs[0].interface)
    recorder = Recorder(path, writer, SecretMasker(ids.prefix) if mask_secrets else None)
    sources: list[RawSocketSource | BusSource] = []
    try:
        from diagkit.trace.sources import BusSource, RawSocketSource  # noqa: PLC0415

        if bus is not None:
            sources.append(BusSource(bus, ids.all, recorder.write))
        else:
            for interface in sorted({c.interface for c in configs}):
                sources.append(RawSocketSource(interface, ids.all, ids.tx, recorder.write))
        logger.info(
            "recording %s (%s)", path, "seeds and keys masked" if mask_secrets else "unmasked"
        )
        yield recorder
    finally:
        for source in reversed(sources):
            source.stop()
        writer.close()
        logger.info("%d frames recorded in %s", recorder.frames, path)


def _source_of(transport: Transport) -> tuple[str, can.BusABC | None]:
    """The backend an open transport belongs to, and its python-can bus; memory is refused."""
    from diagkit.transport.memory import MemoryTransport  # noqa: PLC0415

    if isinstance(transport, MemoryTransport):
        raise ConfigurationError(MEMORY_REFUSAL)
    from diagkit.transport.userspace import UserspaceTransport  # noqa: PLC0415

    if isinstance(transport, UserspaceTransport):
        return "userspace", transport.bus
    try:
        from diagkit.transport.kernel import KernelTransport  # noqa: PLC0415
    except ImportError:  # not Linux: no kernel transport can exist
        return type(transport).__name__, None
    kernel = isinstance(transport, KernelTransport)
    return ("kernel" if kernel else type(transport).__name__), None


def recording(
    path: str | Path,
    *,
    profiles: Sequence[EcuProfile],
    clients: Mapping[str, EcuClient],
    mask_secrets: bool = True,
) -> AbstractContextManager[Recorder]:
    """:func:`record` for ECUs whose clients are open (the pytest plugin's per-test traces).

    On the userspace backend the frames are taken from the bus the first ECU's client runs on
    (every ECU of a bench shares its bus there); the kernel backend needs no client.
    """
    transport = None
    if any(p.backend == "userspace" for p in profiles):
        first = next(p.name for p in profiles if p.backend == "userspace")
        transport = clients[first].connection.transport
    return record(profiles, path, mask_secrets=mask_secrets, transport=transport)


@contextmanager
def record_profiles(
    profiles: Sequence[EcuProfile], path: str | Path, *, mask_secrets: bool = True
) -> Iterator[Recorder]:
    """:func:`record` for ECUs no open transport of ours belongs to (a simulator, a run).

    On the userspace backend the frames are read from a python-can bus of the recording's own
    on the first userspace profile's channel (python-can's ``virtual`` bus, and interfaces that
    let two buses share a channel); the kernel backend needs none.
    """
    bus = None
    first = next((p for p in profiles if p.backend == "userspace"), None)
    if first is not None:
        from diagkit.profile import transport_config  # noqa: PLC0415
        from diagkit.transport.userspace import open_bus  # noqa: PLC0415

        bus = open_bus(transport_config(first))
    try:
        with record(profiles, path, mask_secrets=mask_secrets, bus=bus) as recorder:
            yield recorder
    finally:
        if bus is not None:
            bus.shutdown()
