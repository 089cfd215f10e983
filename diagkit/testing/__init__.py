"""Testing ECUs with pytest: the plugin (:mod:`diagkit.testing.plugin`) and what it is built on.

:class:`Rig` holds a run's clients and simulated ECUs; :class:`Measure` checks measured values
against limits and records both for the JUnit report. See ``docs/pytest-plugin.md``.
"""

from __future__ import annotations

from diagkit.testing.measure import Measure
from diagkit.testing.rig import Rig

__all__ = ["Measure", "Rig"]
