"""Entry points that installed packages publish, read only when a lookup needs them.

``importlib.metadata`` (and the email parser under it) costs about 10 ms to import, and
reading every package's entry points a few more each time: a command that uses only diagkit's
own transport backends and security algorithms reads none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint


def entry_points(group: str) -> tuple[EntryPoint, ...]:
    """Every entry point of ``group`` in the installed packages."""
    from importlib.metadata import entry_points as published  # noqa: PLC0415 - see above

    return tuple(published(group=group))
