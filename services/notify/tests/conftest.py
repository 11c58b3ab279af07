"""Notify tests share ``notify_memory`` (pytest runs with --import-mode=importlib, which
does not put test directories on sys.path; this makes that one module importable)."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
