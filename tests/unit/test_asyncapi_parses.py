"""The committed AsyncAPI documents open in integrators' AsyncAPI tooling (XC-07: documented topics).

The official parser (@asyncapi/parser, the one AsyncAPI Studio and the generators use) is run by
tools/asyncapi-validate.sh, exactly as `make check` runs it. Node.js is part of the machine image
and of CI's, so a missing node fails this test with a message instead of skipping it.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VALIDATE = ROOT / "tools" / "asyncapi-validate.sh"
DOCUMENTS = sorted((ROOT / "contracts" / "asyncapi").glob("*.json"))


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("anju_asyncapi_tool", ROOT / "tools" / "asyncapi.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def _resolves(document: dict[str, Any], ref: str) -> bool:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_xc07_official_asyncapi_parser_accepts_every_document() -> None:
    assert shutil.which("node"), "node (Node.js 20+) is not on PATH: it is needed to run the official AsyncAPI parser"
    assert len(DOCUMENTS) == 5, DOCUMENTS
    # The first run installs the pinned parser into ~/.cache/anju (about 20 s); later runs reuse it.
    result = subprocess.run(
        [str(VALIDATE), *map(str, DOCUMENTS)], capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, f"AsyncAPI parser refused a document:\n{result.stdout}\n{result.stderr}"


def test_xc07_every_ref_in_the_documents_resolves_inside_the_document() -> None:
    # A quick check without node: the defect the parser found was refs to "#/$defs/…" that no
    # longer resolved once the schemas sat under components.
    for path in DOCUMENTS:
        document = json.loads(path.read_text(encoding="utf-8"))
        dangling = sorted({ref for ref in _refs(document) if not _resolves(document, ref)})
        assert not dangling, f"{path.name}: refs that resolve nowhere: {dangling[:5]}"


def test_definitions_that_differ_under_one_name_are_both_kept() -> None:
    tool = _tool()
    first = {"$defs": {"Part": {"type": "string"}}, "properties": {"p": {"$ref": "#/$defs/Part"}}}
    second = {"$defs": {"Part": {"type": "integer"}}, "properties": {"p": {"$ref": "#/$defs/Part"}}}
    shared = {"$defs": {"Actor": {"type": "object"}}, "properties": {"a": {"$ref": "#/$defs/Actor"}}}
    hoisted = tool.hoist_definitions({"a.A.v1": first, "b.B.v1": second, "c.C.v1": shared | {}})
    assert hoisted["a.A.v1.Part"] == {"type": "string"}
    assert hoisted["b.B.v1.Part"] == {"type": "integer"}
    assert hoisted["a.A.v1"]["properties"]["p"]["$ref"] == "#/components/schemas/a.A.v1.Part"
    assert hoisted["c.C.v1"]["properties"]["a"]["$ref"] == "#/components/schemas/Actor"
    assert "Part" not in hoisted and "$defs" not in hoisted["a.A.v1"]
