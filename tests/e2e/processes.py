"""Services as real processes in end-to-end tests: waiting until one is ready (or failing with its log)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest


def wait_ready(service: str, url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 120) -> None:
    """Until ``service`` answers ``/readyz`` 200; fails the test with the end of its log when it exits or
    is not ready within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{service} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            response = httpx.get(f"{url}/readyz", timeout=5)
            if response.status_code == 200:
                return
            last = response.text
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.5)
    pytest.fail(f"{service} not ready at {url}/readyz: {last}\n{log.read_text()[-3000:]}")
