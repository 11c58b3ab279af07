"""The committed AsyncAPI documents match what the services' brokers generate (`make contracts`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "asyncapi.py"


def _tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("anju_asyncapi_tool", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_xc07_asyncapi_documents_are_fresh() -> None:
    tool = _tool()
    stale = [
        name
        for name, text in tool.render().items()
        if not (tool.OUT / name).exists() or (tool.OUT / name).read_text(encoding="utf-8") != text
    ]
    assert not stale, f"stale AsyncAPI documents, run `make contracts`: {stale}"


def test_every_service_documents_its_commands_events_and_rejections() -> None:
    tool = _tool()
    for service in ("registry", "policy", "risk", "claims", "notify"):
        document = tool.document(service)
        addresses = {channel["address"] for channel in document["channels"].values()}
        assert {
            f"anju.{service}.commands.v1",
            f"anju.{service}.events.v1",
            f"anju.{service}.rejections.v1",
        } <= addresses, service
