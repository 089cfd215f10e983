"""The transport backends, registered by name: the one list every other part reads.

A backend is a :class:`TransportBackend`: how it opens a :class:`~diagkit.transport.base.Transport`
from a :class:`~diagkit.transport.config.TransportConfig`, how it opens the transmit-only
functional sender (a ``Transport`` too), and whether it can serve a config on this machine.
diagkit's own (``kernel``, ``userspace``, ``memory``) are defined in
:mod:`diagkit.transport.factory`; a package adds one (J2534, DoIP...) without touching diagkit
by publishing it under the entry-point group ``diagkit.transports``, the way python-can finds
``can.interface`` plugins::

    [project.entry-points."diagkit.transports"]
    j2534 = "acme_j2534.diagkit:BACKEND"     # a TransportBackend named "j2534"

Entry points are listed by name without being imported, and loaded when first opened, so a
profile can name a plugin's backend and be validated on a machine where it is installed.
Profiles, ``open_transport``, the command line's ``--backend`` choices and ``auto`` all read
this registry.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from diagkit.errors import ConfigurationError, TransportUnavailableError
from diagkit.plugins import Registry
from diagkit.transport.base import Transport
from diagkit.transport.config import TransportConfig

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

ENTRY_POINT_GROUP = "diagkit.transports"
AUTO = "auto"  # not a backend: "the first registered backend that can serve this config"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

Opener = Callable[[TransportConfig], Transport]
BusOpener = Callable[[TransportConfig, Any], Transport]
FunctionalOpener = Callable[[TransportConfig, Transport], Transport]
Check = Callable[[TransportConfig], "str | None"]


def _serves_anything(config: TransportConfig) -> str | None:
    del config
    return None


@dataclass(frozen=True, kw_only=True)
class TransportBackend:
    """One backend: its name and how to open its channels.

    ``open(config)`` opens the physical channel, or is None for a backend whose channels are
    built in code (memory), with ``refusal`` saying how. ``open_functional(config, physical)``
    opens a transmit-only channel on ``config.functional_address`` (``physical`` is the channel
    already open, for backends that share its bus); None when the backend has none.
    ``unavailable(config)`` returns None when the backend can serve ``config`` here, else why
    not (checked by ``auto``; it must be cheap and open nothing that stays open).
    ``open_on_bus(config, bus)`` opens the channel on a bus the caller already opened (a
    python-can bus for userspace); None when the backend opens its own.
    """

    name: str
    summary: str
    open: Opener | None
    open_functional: FunctionalOpener | None = None
    unavailable: Check = _serves_anything
    open_on_bus: BusOpener | None = None
    refusal: str = ""

    def __post_init__(self) -> None:
        if self.name == AUTO or not _NAME.fullmatch(self.name):
            raise ConfigurationError(
                f"a transport backend needs a name like 'j2534' (letters, digits, _ . -; not "
                f"{AUTO!r}), got {self.name!r}"
            )
        if self.open is None and not self.refusal:
            raise ConfigurationError(
                f"backend {self.name!r} opens nothing from a config: say how in refusal="
            )

    @property
    def opens_from_config(self) -> bool:
        """True when :func:`open_transport` can open this backend's channels by itself."""
        return self.open is not None


_builtins_loaded = False


def register(backend: TransportBackend, *, replace: bool = False) -> None:
    """Make ``backend`` available under its name; an existing name needs ``replace=True``."""
    if not isinstance(backend, TransportBackend):
        raise TypeError(f"expected a TransportBackend, got {type(backend).__name__}")
    _load_builtins()  # diagkit's own stay first in the preference order
    _backends.register(backend.name, backend, replace=replace)


def unregister(name: str) -> None:
    """Forget ``name`` (a no-op when unknown); for tests and plugins reloading."""
    _backends.unregister(name)


def names(*, opens_from_config: bool = False) -> list[str]:
    """Every backend name, registered or published as an entry point, in preference order.

    diagkit's own come first (kernel, userspace, memory), then those registered in code in
    their order, then entry points not loaded yet, sorted. With
    ``opens_from_config``, only those :func:`open_transport` can open (what a command line
    offers); entry-point backends count as such until loaded.
    """
    _load_builtins()
    registered = _backends.registered()
    order = [n for n in registered if registered[n].opens_from_config or not opens_from_config]
    return order + _backends.published()


def is_known(name: str, *, opens_from_config: bool = False) -> bool:
    """Whether :func:`names` lists ``name``; entry points are read only for a name not registered.

    Checking a profile's backend this way costs nothing for diagkit's own backends, where
    reading every installed package's entry points costs milliseconds each time.
    """
    _load_builtins()
    found = _backends.registered().get(name)
    if found is not None:
        return found.opens_from_config or not opens_from_config
    return _backends.is_published(name)


class Choices:
    """The backend names a command line offers, as argparse ``choices``, read when needed.

    Membership is :func:`is_known` (entry points read only for an unknown name); iterating
    (for ``--help`` and the invalid-choice message) lists :func:`names` then ``extra``.
    """

    def __init__(self, *, opens_from_config: bool, extra: tuple[str, ...] = ()) -> None:
        self._opens_from_config = opens_from_config
        self._extra = extra

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return name in self._extra or is_known(name, opens_from_config=self._opens_from_config)

    def __iter__(self) -> Iterator[str]:
        return iter([*names(opens_from_config=self._opens_from_config), *self._extra])


def loaded() -> list[TransportBackend]:
    """The backends registered or loaded so far, in preference order (imports no plugin)."""
    _load_builtins()
    return list(_backends.registered().values())


def get(name: str) -> TransportBackend:
    """The backend called ``name``, loading its entry point on first use.

    Raises :class:`~diagkit.errors.ConfigurationError` listing the known names when ``name``
    is unknown, :class:`~diagkit.errors.TransportUnavailableError` when its plugin cannot load.
    """
    _load_builtins()
    found = _backends.find(name)
    if found is None:
        raise ConfigurationError(unknown(name))
    return found


def unknown(name: str) -> str:
    """The message for an unknown backend name: the closest known one, and all of them."""
    known = names()
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown transport backend {name!r}{hint} (known backends: {', '.join(known)})"


def choose(config: TransportConfig) -> TransportBackend:
    """What ``auto`` means: the first backend (in :func:`names` order) that can serve ``config``.

    Only backends :func:`open_transport` can open are candidates; when none can serve the
    config, :class:`~diagkit.errors.TransportUnavailableError` gives each one's reason.
    """
    reasons: list[str] = []
    for name in names(opens_from_config=True):
        try:
            backend = get(name)
        except TransportUnavailableError as exc:
            reasons.append(str(exc))
            continue
        why_not = backend.unavailable(config)
        if why_not is None:
            return backend
        reasons.append(f"{name}: {why_not}")
    raise TransportUnavailableError(
        "no transport backend can serve this config here (" + "; ".join(reasons) + ")"
    )


def _load(ep: EntryPoint) -> TransportBackend:
    try:
        loaded: object = ep.load()
    except ImportError as exc:
        raise TransportUnavailableError(
            f"transport backend {ep.name!r} (entry point {ep.value!r}) cannot be imported: {exc}; "
            "install the package that provides it"
        ) from exc
    except Exception as exc:  # a plugin's import may fail in any way
        raise TransportUnavailableError(
            f"transport backend {ep.name!r} (entry point {ep.value!r}) failed to load: {exc}"
        ) from exc
    if not isinstance(loaded, TransportBackend) or loaded.name != ep.name:
        raise ConfigurationError(
            f"entry point {ep.name!r} = {ep.value!r} of group {ENTRY_POINT_GROUP} must name a "
            f"TransportBackend called {ep.name!r}, got {loaded!r}"
        )
    return loaded


def _load_builtins() -> None:
    """Register diagkit's own backends once (their definitions import nothing heavy)."""
    global _builtins_loaded  # noqa: PLW0603 - one flag guarding a one-time import
    if _builtins_loaded:
        return
    from diagkit.transport import factory  # noqa: PLC0415 - the built-ins register there

    for backend in factory.BUILTIN_BACKENDS:
        if backend.name not in _backends.registered():
            _backends.register(backend.name, backend)
    _builtins_loaded = True


_backends: Registry[TransportBackend] = Registry(ENTRY_POINT_GROUP, "transport backend", _load)
