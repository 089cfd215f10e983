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

An algorithm may declare its parameters with a ``Params`` attribute, a pydantic model (frozen,
``extra="forbid"``, as the built-in ones): a profile's ``params:`` are then validated against
it when the profile is loaded, reported with the profile's file and line, and shown in the
JSON Schema of profiles. When the profile takes ``key`` from ``key_env``, the model is
validated with the context ``{"key_from_env": True}`` (:data:`KEY_FROM_ENV`), since the key
itself is only read when a key is computed. Without ``Params`` any parameters are accepted.
Seeds and keys are secrets of the bench: nothing here logs them.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pydantic import BaseModel

from diagkit.errors import SecurityAccessError
from diagkit.plugins import Registry
from diagkit.security.algorithms import KEY_FROM_ENV, AddConstant, Aes128Cmac, Xor

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

ENTRY_POINT_GROUP = "diagkit.security"
BUILTIN = ("add_constant", "aes128_cmac", "xor_mask")
"""The algorithms diagkit ships (the committed JSON Schema describes these)."""

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "KEY_FROM_ENV",
    "SecurityAlgorithm",
    "checked_key",
    "compute_key",
    "get",
    "names",
    "params_model",
    "register",
    "resolve",
    "unregister",
]


@runtime_checkable
class SecurityAlgorithm(Protocol):
    """Computes the key answering ``seed`` for the odd RequestSeed ``level`` (0x01, 0x03...).

    Optionally also has ``Params``, a pydantic model of the parameters it takes (see the
    module documentation); :func:`params_model` reads it. It is not part of the protocol's
    required members, so algorithms without it still qualify.
    """

    def compute_key(self, level: int, seed: bytes, params: Mapping[str, object]) -> bytes:
        """The key to send with SendKey (``level + 1``); ``params`` come from the profile."""
        ...


def register(name: str, algorithm: SecurityAlgorithm, *, replace: bool = False) -> None:
    """Make ``algorithm`` available as ``name``; an existing name needs ``replace=True``."""
    if not isinstance(algorithm, SecurityAlgorithm):
        raise TypeError(
            f"security algorithm {name!r} must have compute_key(level, seed, params), "
            f"got {type(algorithm).__name__}"
        )
    _algorithms.register(name, algorithm, replace=replace)


def unregister(name: str) -> None:
    """Forget ``name`` (a no-op when unknown); mostly for tests and plugins reloading."""
    _algorithms.unregister(name)


def names() -> list[str]:
    """Every known name, registered or published as an entry point, sorted."""
    return sorted([*_algorithms.registered(), *_algorithms.published()])


def get(name: str) -> SecurityAlgorithm:
    """The algorithm called ``name``, loading its entry point on first use.

    Raises :class:`~diagkit.errors.SecurityAccessError` listing the known names when ``name``
    is unknown, or naming the entry point when it cannot be loaded.
    """
    found = _algorithms.find(name)
    if found is not None:
        return found
    known = names()
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise SecurityAccessError(
        f"unknown security algorithm {name!r}; {hint}known algorithms: {', '.join(known) or 'none'}"
    )


def params_model(name: str) -> type[BaseModel] | None:
    """The pydantic model of algorithm ``name``'s parameters, None when it declares none.

    Raises like :func:`get` for an unknown name, and :class:`TypeError` when ``Params`` is
    something other than a pydantic model.
    """
    model = getattr(get(name), "Params", None)
    if model is None:
        return None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(
            f"security algorithm {name!r}: Params must be a pydantic model class, "
            f"got {type(model).__name__}"
        )
    return model


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


_algorithms: Registry[SecurityAlgorithm] = Registry(ENTRY_POINT_GROUP, "security algorithm", _load)
register("xor_mask", Xor())
register("add_constant", AddConstant())
register("aes128_cmac", Aes128Cmac())
