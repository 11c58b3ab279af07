"""Kit tests share behaviour suites (``kit_storage_behaviour``) between unit and integration runs; pytest
runs with --import-mode=importlib, which does not put test directories on sys.path, so this does."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
