"""A commit-log entry keeps the change to the state (a JSON Patch, RFC 6902): applying the change to
the state before gives the state after, for every kind of difference a domain state shows."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import jsonpatch
import pytest

from anju_kit.state_changes import apply_changes, changes

BEFORE: dict[str, Any] = {
    "project_id": "prj-1",
    "agency_id": None,
    "issues": {
        "iss-1": {"status": "open", "deadlines": [{"obligation": "rectification", "state": "open"}], "photos": []},
        "iss/2~x": {"status": "closed", "deadlines": [], "photos": ["a.jpg"]},
    },
    "reports": [{"id": "r-1"}],
    "count": 1,
    "flag": True,
}


def roundtrip(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    patch = changes(before, after)
    assert apply_changes(copy.deepcopy(before), patch) == after
    # The standard format: the library itself (and any RFC 6902 tool) reads the stored change.
    assert jsonpatch.JsonPatch(json.loads(json.dumps(patch))).apply(copy.deepcopy(before)) == after
    return patch


def test_equal_states_have_no_change() -> None:
    assert changes(BEFORE, copy.deepcopy(BEFORE)) == []


def test_one_field_of_one_issue_is_one_operation_not_the_whole_state() -> None:
    after = copy.deepcopy(BEFORE)
    after["issues"]["iss-1"]["status"] = "rectified"
    assert roundtrip(BEFORE, after) == [{"op": "replace", "path": "/issues/iss-1/status", "value": "rectified"}]


def test_a_list_that_only_grew_records_the_items_added() -> None:
    after = copy.deepcopy(BEFORE)
    after["reports"].append({"id": "r-2"})
    after["issues"]["iss-1"]["deadlines"].append({"obligation": "review", "state": "open"})
    patch = roundtrip(BEFORE, after)
    assert {op["op"] for op in patch} == {"add"} and all(op["path"].endswith("/-") for op in patch)


def test_added_removed_and_retyped_values_and_keys_that_need_escaping() -> None:
    after = copy.deepcopy(BEFORE)
    del after["issues"]["iss/2~x"]
    after["issues"]["iss-3"] = {"status": "open", "deadlines": [], "photos": []}
    after["agency_id"] = "ag-1"
    after["count"] = 1.0  # equal in Python, not in JSON
    after["flag"] = 1
    after["reports"] = [{"id": "r-0"}]  # a list changed in place: replaced whole
    patch = roundtrip(BEFORE, after)
    assert {"op": "remove", "path": "/issues/iss~12~0x"} in patch


def test_random_changes_to_a_large_state_always_roundtrip() -> None:
    rng = random.Random(7)
    state: dict[str, Any] = {f"iss-{i}": {"n": i, "tags": ["a"], "sub": {"x": None}} for i in range(200)}
    for _ in range(300):
        after = copy.deepcopy(state)
        key = f"iss-{rng.randrange(220)}"
        action = rng.choice(("set", "grow", "drop", "nest", "new"))
        if action == "new" or key not in after:
            after[key] = {"n": rng.random(), "tags": [], "sub": {}}
        elif action == "set":
            after[key]["n"] = rng.choice((None, 0, 1.5, "七", True, [1, 2], {"k": "v"}))
        elif action == "grow":
            after[key]["tags"] = [*after[key]["tags"], rng.choice(("b", {"c": 1}))]
        elif action == "drop":
            del after[key]
        else:
            after[key]["sub"][rng.choice(("x", "y", "a/b"))] = rng.choice((None, "z", {"deep": [1]}))
        roundtrip(state, after)
        state = after


def test_a_change_must_leave_an_object() -> None:
    with pytest.raises(ValueError):
        apply_changes({"a": 1}, [{"op": "replace", "path": "", "value": [1]}])
