"""``python -m diagkit`` runs the command line."""

from __future__ import annotations

import sys

from diagkit.cli import main

sys.exit(main())
