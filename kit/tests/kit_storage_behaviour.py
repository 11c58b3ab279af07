"""One behaviour suite for every ``AggregateStorage`` (anju_kit.ports): the Mongo ``AggregateStore`` and
the in-memory ``MemoryAggregateStore`` must answer alike, or component tests on the double prove nothing.

A test module subclasses :class:`AggregateStorageBehaviour` (pytest collects the ``Test*`` subclass)
and provides the ``make_store`` fixture: ``make_store(queried=None, schema=None)`` → a new, empty store.
The inbox and the read models' stores have their suites alike. The in-memory runs are unit tests
(kit/tests/unit); the Mongo runs need the real server (kit/tests/integration).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from anju_contracts import Actor, Envelope, Refusal, Role
from anju_contracts import claims as c
from anju_contracts import registry as r
from anju_contracts.common import ObligationKind, PartyRef, SubjectRef
from anju_kit.due import DueHours, DueHoursEntries, due_hour
from anju_kit.mongo import AlreadyExists, HistoryEntry, NewAggregate, NotFound, OutgoingEvent, VersionConflict
from anju_kit.ports import AggregateStorage, MessageInbox, ViewReads
from anju_kit.rejections import answer_envelope
from anju_kit.upcasting import SCHEMA_VERSION_FIELD, StateSchema, StateTooNew, rename_field
from anju_kit.views import View

MakeStore = Callable[..., AggregateStorage]

ACTOR = Actor(id="reg-1", role=Role.REGULATOR, region="shanghai")
COMMAND = Envelope.wrap(r.AdmitAgency(agency_id="ag-1"), region="shanghai", producer="test", actor=ACTOR, key="ag-1")


def admitted(agency_id: str = "ag-1") -> OutgoingEvent:
    event = r.AgencyAdmitted(agency_id=agency_id, path=r.QualificationPath.OTHER, admitted_by="reg-1")
    return OutgoingEvent(r.AgencyAdmitted.TOPIC or "", COMMAND.follow_up(event, producer="test", key=agency_id))


def rejected() -> OutgoingEvent:
    answer = answer_envelope(COMMAND, Refusal("INVALID_STATE", "already admitted"), producer="test")
    return OutgoingEvent("anju.registry.rejections.v1", answer)


def change(n: int) -> HistoryEntry:
    return HistoryEntry(action=f"change-{n}", actor=ACTOR, at=datetime.now(UTC), details={"n": n}, caused_by=f"c{n}")


class AggregateStorageBehaviour:
    async def test_create_then_get_and_a_second_create_is_already_exists(self, make_store: MakeStore) -> None:
        store = make_store()
        assert await store.get("a") is None
        assert await store.create("a", {"n": 1, "tags": ["x"]}, applied_id="cmd-1") == 1
        stored = await store.get("a")
        assert stored is not None
        assert (stored.id, stored.version, stored.state, stored.applied) == (
            "a",
            1,
            {"n": 1, "tags": ["x"]},
            frozenset({"cmd-1"}),
        )
        with pytest.raises(AlreadyExists):
            await store.create("a", {"n": 2})
        assert (await store.get("a")).state == {"n": 1, "tags": ["x"]}  # type: ignore[union-attr]

    async def test_update_is_a_compare_and_set_on_the_version(self, make_store: MakeStore) -> None:
        store = make_store()
        await store.create("a", {"n": 1}, applied_id="cmd-1")
        assert await store.update("a", 1, {"n": 2}, applied_id="cmd-2") == 2
        with pytest.raises(VersionConflict) as conflict:
            await store.update("a", 1, {"n": 99})
        assert conflict.value.expected_version == 1
        with pytest.raises(NotFound):
            await store.update("nope", 1, {"n": 1})
        stored = await store.get("a")
        assert stored is not None and (stored.version, stored.state) == (2, {"n": 2})
        assert stored.applied == {"cmd-1", "cmd-2"}

    async def test_of_two_writers_from_one_version_exactly_one_wins(self, make_store: MakeStore) -> None:
        store = make_store()
        await store.create("a", {"n": 0})

        async def write(n: int) -> int | None:
            try:
                return await store.update("a", 1, {"n": n}, applied_id=f"w{n}")
            except VersionConflict:
                return None

        results = await asyncio.gather(*(write(n) for n in range(1, 5)))
        assert sorted(results, key=lambda v: v or 0) == [None, None, None, 2]
        stored = await store.get("a")
        assert stored is not None and stored.version == 2 and len(stored.applied) == 1

    async def test_a_stored_state_is_a_copy(self, make_store: MakeStore) -> None:
        store = make_store()
        state: dict[str, Any] = {"items": [1]}
        await store.create("a", state)
        state["items"].append(2)
        read = await store.get("a")
        assert read is not None and read.state == {"items": [1]}
        read.state["items"].append(3)
        assert (await store.get("a")).state == {"items": [1]}  # type: ignore[union-attr]

    async def test_applied_entry_and_events_answer_a_replay_without_the_answers(self, make_store: MakeStore) -> None:
        store = make_store()
        await store.create("a", {"n": 0}, [admitted()], applied_id="cmd-0")
        await store.update("a", 1, {"n": 1}, applied_id=None)
        await store.update("a", 2, {"n": 2}, [admitted(), rejected()], applied_id="cmd-2")
        entry = await store.applied_entry("a", "cmd-2")
        assert entry is not None and entry["version"] == 3 and store.current_state(entry) == {"n": 2}
        assert entry[SCHEMA_VERSION_FIELD] == store.schema.version
        events = await store.applied_events("a", "cmd-2")
        assert [type(e) for e in events] == [r.AgencyAdmitted]  # the Rejected answer is not an event
        assert await store.applied_entry("a", "cmd-x") is None
        assert await store.applied_entry("nope", "cmd-0") is None
        assert await store.applied_events("a", "cmd-x") == ()

    async def test_history_lists_the_changes_with_their_actor_oldest_first(self, make_store: MakeStore) -> None:
        store = make_store()
        await store.create("a", {"n": 0}, history=change(0))
        for n in range(1, 20):
            await store.update("a", n, {"n": n}, history=change(n) if n != 7 else None)
        await store.create("b", {"n": 0}, history=change(100))
        history = await store.history("a")
        assert [h["version"] for h in history] == [v for v in range(1, 21) if v != 8]
        assert [h["action"] for h in history] == [f"change-{n}" for n in range(20) if n != 7]
        assert history[3]["actor"]["id"] == "reg-1" and history[3]["details"] == {"n": 3}
        assert history[3]["caused_by"] == "c3"
        assert [h["action"] for h in await store.history("b")] == ["change-100"]
        assert await store.history("nope") == []

    async def test_events_wait_in_the_outbox_until_marked_published(self, make_store: MakeStore) -> None:
        store = make_store()
        await store.create("a", {"n": 0}, [admitted()])
        await store.update("a", 1, {"n": 1})  # no events: nothing to publish
        await store.update("a", 2, {"n": 2}, [admitted(), admitted()])
        await store.create("b", {"n": 0}, [admitted("ag-b")])
        assert [len(e["events"]) for e in await store.unpublished("a")] == [1, 2]
        assert [(e["_id"], e["_marker"]) for e in await store.unpublished("a")] == [("a@1", "a@1"), ("a@3", "a@3")]
        pending = await store.pending_outbox("a")
        assert [p.envelope.type for p in pending] == ["registry.AgencyAdmitted"] * 3
        assert {e["aggregate_id"] for e in await store.unpublished()} == {"a", "b"}
        await store.mark_published("a@1")
        assert [e["_id"] for e in await store.unpublished("a")] == ["a@3"]
        await store.mark_published("a@3", "b@1")
        assert await store.unpublished() == [] and await store.pending_outbox("a") == []
        future = datetime.now(UTC) + timedelta(minutes=1)
        await store.update("a", 3, {"n": 3}, [admitted()])
        assert await store.unpublished(older_than=datetime.now(UTC) - timedelta(minutes=1)) == []
        assert [e["_id"] for e in await store.unpublished(older_than=future)] == ["a@4"]

    async def test_create_many_skips_existing_ids_and_shares_one_outbox_marker(self, make_store: MakeStore) -> None:
        store = make_store()
        await store.create("m-1", {"n": -1})
        items = [NewAggregate(f"m-{i}", {"n": i}, [admitted(f"m-{i}")], applied_id=f"cmd-{i}") for i in range(3)]
        seen: list[set[str]] = []

        async def after_commit(batch: Any) -> None:
            seen.append(set(batch.ids))

        batch = await store.create_many(items, after_commit=after_commit)
        assert batch.ids == {"m-0", "m-2"} and seen == [{"m-0", "m-2"}]
        assert batch.marker == "batch:m-0@1"
        assert (await store.get("m-1")).state == {"n": -1}  # type: ignore[union-attr]
        stored = await store.get("m-2")
        assert stored is not None and stored.state == {"n": 2} and stored.applied == {"cmd-2"}
        marked = await store.unpublished()
        assert {e["_marker"] for e in marked} == {"batch:m-0@1"}
        assert {e["aggregate_id"] for e in marked} >= {"m-0", "m-2"}
        await store.mark_published("batch:m-0@1")
        assert await store.unpublished() == []
        again = await store.create_many(items)  # the same batch redelivered: nothing new
        assert again.ids == set()
        assert (await store.create_many([])).ids == set()

    async def test_states_carry_their_schema_version_and_older_ones_are_read_upcast(
        self, make_store: MakeStore
    ) -> None:
        schema = StateSchema("thing", version=2, upcasters={1: rename_field("n", "count")})
        store = make_store(schema=schema)
        await store.create("a", {"count": 1}, applied_id="cmd-1")
        entry = await store.applied_entry("a", "cmd-1")
        assert entry is not None and entry[SCHEMA_VERSION_FIELD] == 2
        assert store.current_state({"_id": "old@1", "state": {"n": 5}}) == {"count": 5}  # unstamped: version 1
        with pytest.raises(StateTooNew):
            store.current_state({"_id": "new@1", "state": {"count": 5}, SCHEMA_VERSION_FIELD: 3})


class InboxBehaviour:
    """For ``MessageInbox`` (anju_kit.ports): the subclass provides ``make_inbox`` → a new, empty inbox."""

    async def test_an_id_is_recorded_once(self, make_inbox: Callable[[], MessageInbox]) -> None:
        inbox = make_inbox()
        assert not await inbox.seen("e-1")
        assert await inbox.record("e-1", type="policy.PolicyIssued") is True
        assert await inbox.seen("e-1")
        assert await inbox.record("e-1") is False
        assert not await inbox.seen("e-2")


SYSTEM = Actor(id="anju-claims", role=Role.SYSTEM, region="shanghai")
OPENED_AT = datetime(2026, 9, 12, 10, tzinfo=UTC)
EVENTS_TOPIC = "anju.claims.events.v1"
Fold = Callable[[View, Sequence[Envelope]], Awaitable[ViewReads]]


def opened(claim_id: str, due_at: datetime, kind: ObligationKind = ObligationKind.OBLIGATION) -> Envelope:
    event = c.ObligationOpened(
        obligation_id=f"claim.{claim_id}.perform_compensation.1",
        obligation="perform_compensation",
        kind=kind,
        debtor=PartyRef(role=Role.INSURER, id="ins-1"),
        creditor=PartyRef(role=Role.OWNER, id="o-1"),
        subject=SubjectRef(kind="claim", id=claim_id),
        rule_id="CLM-03",
        due_at=due_at,
        last_day=due_at.date(),
        calendar_estimated=False,
    )
    return Envelope.wrap(event, region="shanghai", producer="claims", actor=SYSTEM, key=claim_id, occurred_at=OPENED_AT)


class DueHoursBehaviour:
    """For a read model's store (``ViewReads``, anju_kit.ports), through the due index view (XC-02): the
    subclass provides ``fold(view, envelopes)`` → the view's store after folding them as published."""

    async def test_xc02_due_obligations_are_found_by_hour_and_looked_at_once(self, fold: Fold) -> None:
        view = DueHours("claims", EVENTS_TOPIC)
        due = datetime(2026, 9, 23, tzinfo=UTC)
        envelopes = [
            opened("c-1", due),
            opened("c-2", due + timedelta(hours=30)),
            opened("c-window", due, ObligationKind.WINDOW),  # a warranty window never falls due
            opened("c-late", OPENED_AT - timedelta(days=5)),  # opened already past due: filed at its opening
        ]
        store = await fold(view, [*envelopes, envelopes[0]])  # the first one delivered twice
        hour = await store.get(due_hour(due))
        assert hour is not None and [e["aggregate_id"] for e in hour["entries"]] == ["c-1"]
        assert await store.get(due_hour(OPENED_AT)) is not None  # c-late, under the hour it was opened

        entries = DueHoursEntries(store, lookback=timedelta(hours=48), first_lookback=timedelta(days=30))
        first = await entries.due(due + timedelta(minutes=1))
        assert sorted(e.aggregate_id for e in first) == ["c-1", "c-late"]
        for entry in first:
            await entries.drop(entry.id)
        assert await entries.due(due + timedelta(minutes=2)) == []  # looked at: not again
        assert [e.aggregate_id for e in await entries.due(due + timedelta(hours=31))] == ["c-2"]

    async def test_xc02_issue10_an_hours_entries_fill_bounded_pages_and_are_all_swept(self, fold: Fold) -> None:
        """A day's deadlines share one hour (24:00 of the last day): past ``page_size`` its entries go on
        to further pages, each bounded, every one swept; a redelivered obligation is kept once."""

        class SmallPages(DueHours):
            page_size = 3

        view = SmallPages("claims", EVENTS_TOPIC)
        due = datetime(2026, 9, 23, tzinfo=UTC)
        envelopes = [opened(f"c-{n}", due) for n in range(8)]
        store = await fold(view, [*envelopes[:5], envelopes[1], envelopes[4], *envelopes[5:], envelopes[6]])
        hour = due_hour(due)
        head = await store.get(hour)
        assert head is not None and head["pages"] == 2
        pages = [head, await store.get(f"{hour}|1"), await store.get(f"{hour}|2")]
        assert [[e["aggregate_id"] for e in page["entries"]] for page in pages if page] == [
            ["c-0", "c-1", "c-2"],
            ["c-3", "c-4", "c-5"],
            ["c-6", "c-7"],
        ]
        entries = DueHoursEntries(store, lookback=timedelta(hours=48), first_lookback=timedelta(days=30))
        swept = await entries.due(due + timedelta(minutes=1), limit=100)
        assert sorted(e.aggregate_id for e in swept) == [f"c-{n}" for n in range(8)]
        assert len(await entries.due(due + timedelta(minutes=1), limit=5)) == 5
