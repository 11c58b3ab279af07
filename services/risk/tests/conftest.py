"""Risk tests share builders in ``risk_factories`` and ``risk_memory`` (pytest runs with
--import-mode=importlib, which does not put test directories on sys.path; this makes them importable)."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
