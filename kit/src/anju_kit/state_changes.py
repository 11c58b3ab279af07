"""The change between two versions of a stored state, as a JSON Patch (RFC 6902).

Why: an aggregate such as a project's risk file (hundreds of risk issues) or a project's policy (its
units' owners) is a state of hundreds of kilobytes, and one command changes a few fields of it. A
commit-log entry that held the whole state made every change cost the whole state again, in the
insert and in the log's size (measured: a risk file of 160 issues, 300 KB of state, 168 MB of log
after 486 commands). So the log keeps the change, and a whole state every few versions
(:data:`anju_kit.mongo.SNAPSHOT_EVERY`) so that no entry is further than that from one it can be read
from.

The patch is made here, not with ``jsonpatch.make_patch``: that walks every value of both states
(25 ms for a 200 KB risk file, measured), while the states a command produces differ in a few
subtrees, which ``==`` (in C) rules out at once. It is applied with the library (``jsonpatch``), so
the stored change is the standard format any tool reads. Lists are replaced whole unless the new one
only appends to the old (the common growth: a deadline, a report, a photo added).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jsonpatch
from jsonpointer import escape

Operation = dict[str, Any]


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Operation]:
    """The JSON Patch that turns ``old`` into ``new`` (both plain JSON values; empty when equal)."""
    operations: list[Operation] = []
    _compare(old, new, "", operations)
    return operations


def apply_changes(state: Mapping[str, Any], operations: Sequence[Operation]) -> dict[str, Any]:
    """``state`` with the patch applied. ``state`` is changed in place: pass a copy you own (a state
    just decoded from storage is one)."""
    patched = jsonpatch.apply_patch(state, list(operations), in_place=True)
    if not isinstance(patched, dict):  # a patch replacing the root with a non-object: not a state
        raise ValueError("a state change must leave an object")
    return patched


def _compare(old: Any, new: Any, path: str, operations: list[Operation]) -> None:
    # type() too, not == alone: 1 == 1.0 == True in Python, but JSON tells them apart.
    if type(old) is type(new) and old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old.keys() - new.keys():
            operations.append({"op": "remove", "path": f"{path}/{escape(key)}"})
        for key, value in new.items():
            if key in old:
                _compare(old[key], value, f"{path}/{escape(key)}", operations)
            else:
                operations.append({"op": "add", "path": f"{path}/{escape(key)}", "value": value})
    elif isinstance(old, list) and isinstance(new, list) and len(new) > len(old) and _same(new[: len(old)], old):
        operations.extend({"op": "add", "path": f"{path}/-", "value": item} for item in new[len(old) :])
    else:
        operations.append({"op": "replace", "path": path, "value": new})


def _same(a: list[Any], b: list[Any]) -> bool:
    return all(type(x) is type(y) and x == y for x, y in zip(a, b, strict=True))
