"""Seed/key algorithms for SecurityAccess (0x27), registered by name and found lazily.

An algorithm is any object with ``compute_key(level, seed, params) -> bytes`` (the
:class:`SecurityAlgorithm` protocol). diagkit ships ``xor_mask`` and ``add_constant`` for
benches and ``aes128_cmac`` (RFC 4493); others are registered with :func:`register` or
published by a package under the entry-point group ``diagkit.security``, loaded when first
asked for::

    [project.entry-points."diagkit.security"]
    acme_v2 = "acme_keys:AcmeV2"

The entry point names an object with ``compute_key`` (an instance, or a module with that
function) or a class, which is instantiated without arguments.
Seeds and keys are secrets of the bench: nothing here logs them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Protocol, runtime_checkable

from diagkit.errors import SecurityAccessError
from diagkit.security.algorithms import AddConstant, Aes128Cmac, Xor

ENTRY_POINT_GROUP = "diagkit.security"

__all__ = [
    "ENTRY_POINT_GROUP",
    "SecurityAlgorithm",
    "checked_key",
    "compute_key",
    "get",
    "names",
    "register",
    "resolve",
    "unregister",
]


@runtime_checkable
class SecurityAlgorithm(Protocol):
    """Computes the key answering ``seed`` for the odd RequestSeed ``level`` (0x01, 0x03...)."""

    def compute_key(self, level: int, seed: bytes, params: Mapping[str, object]) -> bytes:
        """The key to send with SendKey (``level + 1``); ``params`` come from the profile."""
        ...


_lock = threading.Lock()
_registry: dict[str, SecurityAlgorithm] = {}


def register(name: str, algorithm: SecurityAlgorithm, *, replace: bool = False) -> None:
    """Make ``algorithm`` available as ``name``; an existing name needs ``replace=True``."""
    if not isinstance(algorithm, SecurityAlgorithm):
        raise TypeError(
            f"security algorithm {name!r} must have compute_key(level, seed, params), "
            f"got {type(algorithm).__name__}"
        )
    with _lock:
        if name in _registry and not replace and _registry[name] is not algorithm:
            raise ValueError(f"security algorithm {name!r} is already registered")
        _registry[name] = algorithm


def unregister(name: str) -> None:
    """Forget ``name`` (a no-op when unknown); mostly for tests and plugins reloading."""
    with _lock:
        _registry.pop(name, None)


def names() -> list[str]:
    """Every known name, registered or published as an entry point, sorted."""
    with _lock:
        known = set(_registry)
    known.update(ep.name for ep in _entry_points())
    return sorted(known)


def get(name: str) -> SecurityAlgorithm:
    """The algorithm called ``name``, loading its entry point on first use.

    Raises :class:`~diagkit.errors.SecurityAccessError` listing the known names when ``name``
    is unknown, or naming the entry point when it cannot be loaded.
    """
    with _lock:
        found = _registry.get(name)
    if found is not None:
        return found
    for ep in _entry_points():
        if ep.name == name:
            algorithm = _load(ep)
            with _lock:
                return _registry.setdefault(name, algorithm)
    raise SecurityAccessError(
        f"unknown security algorithm {name!r}; known algorithms: {', '.join(names()) or 'none'}"
    )


def resolve(name: str) -> Callable[[int, bytes, Mapping[str, object]], bytes]:
    """``compute_key`` of algorithm ``name``: the resolver a profile's udsoncan config takes."""
    return get(name).compute_key


def compute_key(name: str, level: int, seed: bytes, params: Mapping[str, object]) -> bytes:
    """Run algorithm ``name``; its failures and non-bytes results become SecurityAccessError."""
    algorithm = get(name)
    try:
        key = algorithm.compute_key(level, bytes(seed), params)
    except SecurityAccessError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise SecurityAccessError(
            f"security algorithm {name!r} failed for level 0x{level:02X}: {exc}"
        ) from exc
    return checked_key(key, f"security algorithm {name!r}")


def checked_key(key: object, source: str) -> bytes:
    """``key`` as bytes, or a SecurityAccessError naming ``source`` when it is not bytes."""
    if not isinstance(key, (bytes, bytearray)):
        raise SecurityAccessError(f"{source} returned {type(key).__name__}, expected bytes")
    return bytes(key)


def _entry_points() -> tuple[EntryPoint, ...]:
    return tuple(entry_points(group=ENTRY_POINT_GROUP))


def _load(ep: EntryPoint) -> SecurityAlgorithm:
    try:
        loaded: object = ep.load()
    except Exception as exc:  # a plugin's import may fail in any way
        raise SecurityAccessError(
            f"security algorithm {ep.name!r} (entry point {ep.value!r}) failed to load: {exc}"
        ) from exc
    if isinstance(loaded, type):  # a class is instantiated without arguments
        loaded = loaded()
    if not isinstance(loaded, SecurityAlgorithm):
        raise SecurityAccessError(
            f"security algorithm {ep.name!r} (entry point {ep.value!r}) has no "
            "compute_key(level, seed, params)"
        )
    return loaded


register("xor_mask", Xor())
register("add_constant", AddConstant())
register("aes128_cmac", Aes128Cmac())
