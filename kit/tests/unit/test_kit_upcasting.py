"""XC-08: the upcasting chain that brings a stored state of any older schema version to the current one."""

from __future__ import annotations

from typing import Any

import pytest

from anju_kit.upcasting import (
    BadSchemaVersion,
    StateSchema,
    StateTooNew,
    UpcastFailed,
    rename_field,
)


def add_step(name: str):
    """An upcaster that records, in the state itself, that it ran (to see the order)."""

    def step(state: dict[str, Any]) -> dict[str, Any]:
        state["steps"] = [*state.get("steps", []), name]
        return state

    return step


def test_the_chain_runs_each_step_in_version_order_whatever_the_mapping_order():
    schema = StateSchema("thing", version=4, upcasters={3: add_step("3→4"), 1: add_step("1→2"), 2: add_step("2→3")})

    assert schema.upcast({}, 1)["steps"] == ["1→2", "2→3", "3→4"]
    assert schema.upcast({}, 2)["steps"] == ["2→3", "3→4"]  # starts from the stored version
    assert schema.upcast({"steps": ["x"]}, 4) == {"steps": ["x"]}  # current: untouched
    assert list(schema.upcasters) == [1, 2, 3]


def test_a_document_without_a_schema_version_is_version_1():
    schema = StateSchema("thing", version=2, upcasters={1: rename_field("summary", "description")})

    assert schema.version_of({"_id": "t-1", "state": {}}) == 1
    assert schema.load({"_id": "t-1"}, {"summary": "leak"}) == {"description": "leak"}
    assert schema.load({"_id": "t-1", "schema_version": 1}, {"summary": "leak"}) == {"description": "leak"}
    assert schema.load({"_id": "t-1", "schema_version": 2}, {"description": "leak"}) == {"description": "leak"}


def test_a_state_from_a_newer_schema_than_the_code_knows_is_refused_not_mangled():
    schema = StateSchema("claim", version=2, upcasters={1: rename_field("summary", "description")})

    with pytest.raises(StateTooNew) as refused:
        schema.load({"_id": "clm-1@7", "schema_version": 3}, {"description": "leak"}, doc_id="clm-1@7")

    assert (refused.value.found, refused.value.known, refused.value.kind) == (3, 2, "claim")
    assert "claim clm-1@7" in str(refused.value) and "version 3, newer than the 2" in str(refused.value)


@pytest.mark.parametrize("stored", [0, -1, "2", 1.5, True])
def test_a_stored_schema_version_that_is_not_a_version_number_is_refused(stored: object):
    with pytest.raises(BadSchemaVersion, match="thing t-1"):
        StateSchema("thing").version_of({"schema_version": stored}, doc_id="t-1")


def test_an_upcaster_that_raises_is_named_with_its_step_and_the_record():
    def split_address(state: dict[str, Any]) -> dict[str, Any]:
        state["city"], state["street"] = state.pop("address").split(",")
        return state

    schema = StateSchema("agency", version=3, upcasters={1: rename_field("addr", "address"), 2: split_address})

    with pytest.raises(UpcastFailed) as failed:
        schema.upcast({"addr": "no comma"}, 1, doc_id="ag-9")

    message = str(failed.value)
    assert "agency ag-9" in message and "v2 → v3" in message and "split_address" in message
    assert "ValueError" in message
    assert failed.value.from_version == 2 and isinstance(failed.value.__cause__, ValueError)


def test_an_upcaster_that_forgets_to_return_the_state_is_named():
    def forgets(state: dict[str, Any]) -> dict[str, Any]:
        state["x"] = 1
        return None  # type: ignore[return-value]

    with pytest.raises(UpcastFailed, match=r"v1 → v2 failed in .*forgets: returned NoneType, not a dict"):
        StateSchema("thing", version=2, upcasters={1: forgets}).upcast({}, 1)


def test_rename_field_is_named_in_errors_and_leaves_an_absent_field_absent():
    rename = rename_field("summary", "description")

    assert rename({"other": 1}) == {"other": 1}
    assert "rename_field('summary' → 'description')" in rename.__qualname__


def test_upcasting_never_changes_the_stored_state_it_was_given():
    def nested(state: dict[str, Any]) -> dict[str, Any]:
        state["owner"]["name"] = state["owner"].pop("full_name")
        return state

    stored = {"owner": {"full_name": "王"}}
    assert StateSchema("thing", version=2, upcasters={1: nested}).upcast(stored, 1) == {"owner": {"name": "王"}}
    assert stored == {"owner": {"full_name": "王"}}


@pytest.mark.parametrize(
    ("version", "upcasters", "problem"),
    [
        (3, {1: rename_field("a", "b")}, r"missing \[2\]"),  # a version bumped without its upcaster
        (2, {1: rename_field("a", "b"), 2: rename_field("b", "c")}, r"unexpected \[2\]"),
        (1, {0: rename_field("a", "b")}, r"unexpected \[0\]"),
        (0, {}, "must be an integer >= 1"),
    ],
)
def test_a_schema_whose_chain_does_not_reach_its_version_is_refused_at_start_up(version, upcasters, problem):
    with pytest.raises(ValueError, match=problem):
        StateSchema("thing", version=version, upcasters=upcasters)
