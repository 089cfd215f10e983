"""Things known by name: registered in code, or published by installed packages as entry points.

Transport backends and security algorithms are both found this way: a :class:`Registry`
holds what is registered, and reads the installed packages' entry points only when a name is
not registered, loading one the first time it is asked for. ``importlib.metadata`` (with the
email parser under it) costs about 10 ms to import and reading every package's entry points a
few more each time, so a command that uses only diagkit's own reads none.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

T = TypeVar("T")


def entry_points(group: str) -> tuple[EntryPoint, ...]:
    """Every entry point of ``group`` in the installed packages."""
    from importlib.metadata import entry_points as published  # noqa: PLC0415 - see above

    return tuple(published(group=group))


class Registry(Generic[T]):
    """Items of one kind by name; ``load`` turns an entry point of ``group`` into an item.

    ``what`` names the kind in messages (``transport backend``). Registered items keep the
    order they were registered in. Safe to use from several threads.
    """

    def __init__(self, group: str, what: str, load: Callable[[EntryPoint], T]) -> None:
        self.group = group
        self.what = what
        self._load = load
        self._lock = threading.Lock()
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T, *, replace: bool = False) -> None:
        """Make ``item`` known as ``name``; an existing name needs ``replace=True``."""
        with self._lock:
            known = self._items.get(name)
            if known is not None and known is not item and not replace:
                raise ValueError(f"{self.what} {name!r} is already registered")
            self._items[name] = item

    def unregister(self, name: str) -> None:
        """Forget ``name`` (a no-op when unknown); for tests and plugins reloading."""
        with self._lock:
            self._items.pop(name, None)

    def registered(self) -> dict[str, T]:
        """What is registered or loaded so far, in order (reads no entry point)."""
        with self._lock:
            return dict(self._items)

    def published(self) -> list[str]:
        """The names of entry points not loaded yet, sorted."""
        registered = self.registered()
        return sorted({ep.name for ep in entry_points(self.group)} - set(registered))

    def find(self, name: str) -> T | None:
        """The item called ``name``, loading its entry point on first use; None when unknown.

        Entry points are read only when ``name`` is not registered.
        """
        with self._lock:
            found = self._items.get(name)
        if found is not None:
            return found
        for ep in entry_points(self.group):
            if ep.name == name:
                item = self._load(ep)
                with self._lock:
                    return self._items.setdefault(name, item)
        return None

    def is_published(self, name: str) -> bool:
        """Whether an installed package publishes ``name`` (loading nothing)."""
        return any(ep.name == name for ep in entry_points(self.group))
