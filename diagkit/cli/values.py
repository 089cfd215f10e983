"""Values typed on a command line, parsed the way the DID's codec in the profile reads them.

The parsing lives in :mod:`diagkit.station` (sequences parse values the same way).
"""

from __future__ import annotations

from diagkit.station import parse_value

__all__ = ["parse_value"]
