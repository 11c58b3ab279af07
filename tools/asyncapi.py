"""Write one AsyncAPI document per service into contracts/asyncapi/ (``--check``: fail when stale).

FastStream generates each document from the service's own broker (its subscribers and publishers).
Our subscribers take the raw envelope (so a bad message can be answered instead of crashing), which
leaves FastStream nothing to infer a payload from; this tool fills each channel's message payload
with the published JSON Schemas of the message types the contracts catalog assigns to that topic.

Each published schema is self-contained: its definitions sit in its own ``$defs`` and its refs read
``#/$defs/<Name>``. Inside an AsyncAPI document such a ref resolves against the document root, where
there is no ``$defs``, so the official parser (and Studio, the generators) refuse the document. Every
message schema and every definition is therefore hoisted into ``components/schemas`` and each ref
rewritten to point there; ``tools/asyncapi-validate.sh`` proves the result parses.
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
from anju_kit.settings import settings_for

OUT = Path(__file__).resolve().parents[1] / "contracts" / "asyncapi"


def service_app(service: str) -> ServiceApp:
    """The service as its composition root, ``build(settings)``, makes it (nothing connects until it starts)."""
    bootstrap = importlib.import_module(f"anju_{service}.bootstrap")
    app: ServiceApp = bootstrap.build(settings_for(service, region="shanghai"))[0]
    return app


SCHEMAS_REF = "#/components/schemas/"
LOCAL_DEFS_REF = "#/$defs/"
ENVELOPE_NAME = "Envelope"


def document(service: str) -> dict[str, Any]:
    spec: dict[str, Any] = service_app(service).asyncapi().to_specification().to_jsonable()
    for server in spec.get("servers", {}).values():
        server["description"] = "deploy/local; each region's deployment sets ANJU_KAFKA_BOOTSTRAP"
    components = spec.setdefault("components", {})
    # Top-level schemas by component name, each still with its own ``$defs`` until hoisted below.
    messages: dict[str, dict[str, Any]] = {}
    for message_id, message in components.get("messages", {}).items():
        topic = _topic_of(spec, message_id)
        if topic is None:
            continue
        types = types_for_topic(topic)
        if types:
            names = [f"{t.TYPE}.v{t.SCHEMA_VERSION}" for t in types]
            messages.update({name: message_schema(t) for name, t in zip(names, types, strict=True)})
            message["payload"] = {"oneOf": [{"$ref": SCHEMAS_REF + name} for name in names]}
        else:
            messages[ENVELOPE_NAME] = envelope_schema()
            message["payload"] = {"$ref": SCHEMAS_REF + ENVELOPE_NAME}
        message["contentType"] = "application/json"
        # FastStream points the correlation id at a header; ours is the envelope field (the
        # anju_correlation_id header is only a copy of it, see contracts/README.md).
        message["correlationId"] = {"location": "$message.payload#/correlation_id"}
    # FastStream's placeholder schemas are all replaced by the catalog's.
    components["schemas"] = hoist_definitions(messages)
    return spec


def hoist_definitions(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``components/schemas`` for ``schemas``: each one and each of their ``$defs`` by name, refs rewritten.

    A definition keeps its own name when every schema that has it defines it identically (the
    envelope's ``Actor``, shared value objects); if two schemas disagree on one name, each copy is
    qualified by its schema's name (``<schema>.<Name>``) so that neither silently replaces the other.
    """
    variants: dict[str, list[str]] = {}
    for schema in schemas.values():
        for name, definition in schema.get("$defs", {}).items():
            text = json.dumps(definition, sort_keys=True)
            if text not in variants.setdefault(name, []):
                variants[name].append(text)
    hoisted: dict[str, Any] = {}
    for owner, schema in schemas.items():
        schema = dict(schema)
        definitions: dict[str, Any] = schema.pop("$defs", {})
        # AsyncAPI's default schema format is a draft-07 superset; once the 2020-12-only $defs is
        # gone nothing of 2020-12 is left, and a $schema naming 2020-12 would only mislead tools.
        schema.pop("$schema", None)
        renamed = {name: name if len(variants[name]) == 1 else f"{owner}.{name}" for name in definitions}
        for name, definition in definitions.items():
            hoisted[renamed[name]] = _rewrite_refs(definition, renamed)
        if owner in hoisted:
            raise ValueError(f"schema name {owner!r} is also the name of a definition")
        hoisted[owner] = _rewrite_refs(schema, renamed)
    return dict(sorted(hoisted.items()))


def _rewrite_refs(node: Any, renamed: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {key: _rewrite_refs(value, renamed) for key, value in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(LOCAL_DEFS_REF):
            out["$ref"] = SCHEMAS_REF + renamed[ref.removeprefix(LOCAL_DEFS_REF)]
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renamed) for item in node]
    return node


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
