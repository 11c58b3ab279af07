"""Write one AsyncAPI document per service into contracts/asyncapi/ (``--check``: fail when stale).

FastStream generates each document from the service's own broker (its subscribers and publishers).
Our subscribers take the raw envelope (so a bad message can be answered instead of crashing), which
leaves FastStream nothing to infer a payload from; this tool fills each channel's message payload
with the published JSON Schemas of the message types the contracts catalog assigns to that topic.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from anju_contracts.catalog import types_for_topic
from anju_contracts.schemagen import envelope_schema, message_schema
from anju_contracts.topics import SERVICES
from anju_kit.service import ServiceApp
from anju_kit.settings import ServiceSettings

OUT = Path(__file__).resolve().parents[1] / "contracts" / "asyncapi"


def service_settings(service: str) -> ServiceSettings:
    """The service's own settings class (``anju_<service>.config``) when it has one."""
    try:
        config = importlib.import_module(f"anju_{service}.config")
    except ModuleNotFoundError:
        return ServiceSettings.for_service(service, region="shanghai")
    for value in vars(config).values():
        if isinstance(value, type) and issubclass(value, ServiceSettings) and value is not ServiceSettings:
            loaded: ServiceSettings = value.load(region="shanghai") if hasattr(value, "load") else value()
            return loaded
    return ServiceSettings.for_service(service, region="shanghai")


def service_app(service: str) -> ServiceApp:
    """The service as its composition root builds it (nothing connects until it starts)."""
    bootstrap = importlib.import_module(f"anju_{service}.bootstrap")
    built = bootstrap.create_service(service_settings(service))
    app: ServiceApp = built[0] if isinstance(built, tuple) else built
    return app


def document(service: str) -> dict[str, Any]:
    spec: dict[str, Any] = service_app(service).asyncapi().to_specification().to_jsonable()
    for server in spec.get("servers", {}).values():
        server["description"] = "deploy/local; each region's deployment sets ANJU_KAFKA_BOOTSTRAP"
    for message_id, message in spec.get("components", {}).get("messages", {}).items():
        topic = _topic_of(spec, message_id)
        if topic is None:
            continue
        types = types_for_topic(topic)
        message["payload"] = {"oneOf": [message_schema(t) for t in types]} if types else envelope_schema()
        message["contentType"] = "application/json"
    spec.get("components", {}).pop("schemas", None)  # FastStream's placeholders, all replaced above
    return spec


def _topic_of(spec: dict[str, Any], message_id: str) -> str | None:
    for channel in spec.get("channels", {}).values():
        for ref in channel.get("messages", {}).values():
            if ref.get("$ref", "").endswith(f"/{message_id}"):
                address: str | None = channel.get("address")
                return address
    return None


def render() -> dict[str, str]:
    return {f"{s}.json": json.dumps(document(s), indent=2, sort_keys=True, ensure_ascii=False) + "\n" for s in SERVICES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when a committed document is stale")
    args = parser.parse_args()
    rendered = render()
    if args.check:
        stale = [
            name
            for name, text in rendered.items()
            if not (OUT / name).exists() or (OUT / name).read_text(encoding="utf-8") != text
        ]
        if stale:
            print(f"stale AsyncAPI documents (run `make contracts`): {', '.join(stale)}", file=sys.stderr)
            return 1
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in rendered.items():
        (OUT / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(rendered)} AsyncAPI documents to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
