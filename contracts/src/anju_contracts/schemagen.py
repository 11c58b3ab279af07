"""Generate the committed JSON Schemas of every message type, or check they are fresh.

    python -m anju_contracts.schemagen            # (re)write contracts/schemas/
    python -m anju_contracts.schemagen --check    # exit 1 listing stale, missing or extra files

One file per message type, ``<TYPE>.v<SCHEMA_VERSION>.json``: the whole Kafka message, i.e. the
envelope with ``type``/``schema_version`` pinned and ``data`` replaced by the payload's schema, so an
insurer's system can validate exactly what it sends or receives. Also ``envelope.json`` (the
envelope with an untyped payload) and ``index.json`` (types, versions, kinds, topics). Output is
deterministic (sorted keys, two-space indent, trailing newline): regenerating a clean tree changes
nothing, which is what the ``--check`` guard relies on.

Only ``schemas/`` is written here; the per-service AsyncAPI documents are generated from the
FastStream apps elsewhere and may reuse :func:`message_schema` and :func:`render`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, create_model

from anju_contracts import catalog, topics
from anju_contracts.base import Message
from anju_contracts.envelope import Envelope

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_FILE = "envelope.json"
INDEX_FILE = "index.json"


def schema_file(cls: type[Message]) -> str:
    return f"{cls.TYPE}.v{cls.SCHEMA_VERSION}.json"


def example_file(cls: type[Message]) -> str:
    """Examples are named like the schema they satisfy (``contracts/examples/``)."""
    return schema_file(cls)


def default_schemas_dir() -> Path:
    """``contracts/schemas`` of the source tree, else ``./contracts/schemas`` (installed wheel)."""
    contracts_dir = Path(__file__).resolve().parents[2]
    if (contracts_dir / "pyproject.toml").is_file():
        return contracts_dir / "schemas"
    return Path("contracts") / "schemas"


def message_schema(cls: type[Message]) -> dict[str, Any]:
    """JSON Schema of a whole message of type ``cls``: the envelope around its payload."""
    # Literal of a runtime value: fine for pydantic, not expressible to a static checker.
    pinned_type: Any = Literal[cls.TYPE]
    pinned_version: Any = Literal[cls.SCHEMA_VERSION]
    typed_envelope = create_model(
        f"{cls.TYPE}.v{cls.SCHEMA_VERSION}",
        __base__=Envelope,
        __doc__=f"A {cls.TYPE} message (schema version {cls.SCHEMA_VERSION}) in the Anju envelope.",
        type=(
            pinned_type,
            Field(description="Message type; see index.json for every type."),
        ),
        schema_version=(
            pinned_version,
            Field(description="Major schema version of the payload type."),
        ),
        data=(cls, Field(description=f"The {cls.TYPE} payload.")),
    )
    schema = typed_envelope.model_json_schema()
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["x-anju-type"] = cls.TYPE
    schema["x-anju-schema-version"] = cls.SCHEMA_VERSION
    schema["x-anju-kind"] = cls.KIND
    schema["x-anju-topics"] = list(topics_of(cls))
    return schema


def envelope_schema() -> dict[str, Any]:
    schema = Envelope.model_json_schema()
    schema["$schema"] = JSON_SCHEMA_DIALECT
    return schema


def topics_of(cls: type[Message]) -> tuple[str, ...]:
    """Catalog topics (without dead letters) a type travels on."""
    return tuple(
        topic for topic in topics.all_topics() if not topic.endswith(".dlq") and cls in catalog.types_for_topic(topic)
    )


def index() -> dict[str, Any]:
    types = catalog.message_types()
    return {
        "envelope": ENVELOPE_FILE,
        "types": [
            {
                "type": cls.TYPE,
                "schema_version": cls.SCHEMA_VERSION,
                "kind": cls.KIND,
                "topics": list(topics_of(cls)),
                "schema": schema_file(cls),
                "example": f"../examples/{example_file(cls)}",
            }
            for cls in types.values()
        ],
        "topics": {
            topic: [cls.TYPE for cls in catalog.types_for_topic(topic)]
            for topic in topics.all_topics()
            if not topic.endswith(".dlq")
        },
        "dead_letter_suffix": ".dlq",
    }


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render() -> dict[str, str]:
    """Every file of ``schemas/``: file name → exact text."""
    return dict(_render())


@cache  # the catalog is fixed once imported; building ~100 schemas takes a moment
def _render() -> dict[str, str]:
    files = {ENVELOPE_FILE: _dump(envelope_schema()), INDEX_FILE: _dump(index())}
    for cls in catalog.message_types().values():
        files[schema_file(cls)] = _dump(message_schema(cls))
    return dict(sorted(files.items()))


def differences(out_dir: Path, rendered: dict[str, str] | None = None) -> list[str]:
    """What differs between ``out_dir`` and the generated files, one ``<state>: <file>`` line each."""
    rendered = render() if rendered is None else rendered
    present = {p.name for p in out_dir.glob("*.json")} if out_dir.is_dir() else set()
    problems = [f"extra: {name}" for name in sorted(present - rendered.keys())]
    for name, text in rendered.items():
        if name not in present:
            problems.append(f"missing: {name}")
        elif (out_dir / name).read_text(encoding="utf-8") != text:
            problems.append(f"stale: {name}")
    return sorted(problems, key=lambda line: line.split(": ", 1)[1])


def write(out_dir: Path) -> list[str]:
    """Make ``out_dir`` match the generated files; returns what changed (as :func:`differences`)."""
    rendered = render()
    changes = differences(out_dir, rendered)
    out_dir.mkdir(parents=True, exist_ok=True)
    for line in changes:
        state, name = line.split(": ", 1)
        if state == "extra":
            (out_dir / name).unlink()
        else:
            (out_dir / name).write_text(rendered[name], encoding="utf-8")
    return changes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m anju_contracts.schemagen", description="Generate or check the committed JSON Schemas."
    )
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if anything differs")
    parser.add_argument("--out", type=Path, default=None, help="schemas directory (default: contracts/schemas)")
    args = parser.parse_args(argv)
    out_dir: Path = args.out if args.out is not None else default_schemas_dir()
    if args.check:
        problems = differences(out_dir)
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            print(f"{out_dir} is out of date: run python -m anju_contracts.schemagen", file=sys.stderr)
            return 1
        print(f"{out_dir}: {len(render())} files up to date")
        return 0
    for line in write(out_dir):
        print(line.replace("missing:", "wrote:").replace("stale:", "updated:").replace("extra:", "removed:"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
