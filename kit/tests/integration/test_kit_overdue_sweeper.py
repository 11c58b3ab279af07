"""The kit's legal clock on an aggregate that is not a claim, against the real local FerretDB (XC-02):
an agency's inspection report owed to the insurer within 3 working days (RSK-08) fires its overdue
event exactly once while two sweepers, each with its own connection, run at the same time."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

import pytest
from pydantic import BaseModel, PrivateAttr
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from anju_contracts import Actor, Envelope, Role
from anju_contracts.base import Event, Identifier
from anju_contracts.common import DeadlineInfo, ObligationFulfilled, ObligationOpened, PartyRef, SubjectRef
from anju_kit.calendar import PrcCalendar
from anju_kit.clock import SHANGHAI
from anju_kit.deadlines import (
    LegalClock,
    ObligationEvents,
    ObligationParties,
    TrackedDeadline,
    next_due_at,
    take_overdue,
)
from anju_kit.due import DueEntry, sweep_overdue
from anju_kit.mongo import AggregateStore, Doc, HistoryEntry, OutgoingEvent, VersionConflict, connect
from anju_kit.settings import ServiceSettings

pytestmark = pytest.mark.integration

TOPIC = "anju.risk.events.v1"
SYSTEM = Actor(id="anju-risk", role=Role.SYSTEM, region="shanghai")


class ReportOpened(ObligationOpened):
    TYPE = "test.ObligationOpened"
    TOPIC: ClassVar[str | None] = TOPIC


class ReportFulfilled(ObligationFulfilled):
    TYPE = "test.ObligationFulfilled"
    TOPIC: ClassVar[str | None] = TOPIC


class ReportOverdue(Event):
    TYPE = "test.InspectionReportOverdue"
    TOPIC: ClassVar[str | None] = TOPIC

    inspection_id: Identifier
    deadline: DeadlineInfo


class DueIndex:
    """A small collection of due entries: the sweeper's index in this test, where a dozen inspections
    are due. It asks the store for "every entry due by now", a field query FerretDB answers by reading
    the whole collection, so the services sweep :class:`anju_kit.due.DueHours` (by ``_id``) instead."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self.collection = collection

    def _doc(self, aggregate_id: str, version: int, due_at: datetime, now: datetime) -> Doc:
        return {
            "_id": f"{aggregate_id}@{version}:{due_at.astimezone(UTC).isoformat()}",
            "aggregate_id": aggregate_id,
            "version": version,
            "due_at": due_at,
            "at": now,
        }

    async def note(self, aggregate_id: str, version: int, due_at: datetime) -> None:
        """Remember that ``aggregate_id`` is due at ``due_at`` after its commit of ``version`` (call it
        before that commit)."""
        # The same entry twice is a replay of the same commit: already noted.
        with contextlib.suppress(DuplicateKeyError):
            await self.collection.insert_one(self._doc(aggregate_id, version, due_at, datetime.now(UTC)))

    async def note_change(
        self, aggregate_id: str, version: int, due_at: datetime | None, due_before: datetime | None
    ) -> None:
        """:meth:`note`, when the commit of ``version`` moves the due instant from ``due_before``."""
        if due_at is not None and due_at != due_before:
            await self.note(aggregate_id, version, due_at)

    async def due(self, now: datetime, *, limit: int = 100) -> list[DueEntry]:
        """Entries due at ``now`` or earlier, earliest first."""
        cursor = self.collection.find({"due_at": {"$lte": now}}).sort("due_at", ASCENDING).limit(limit)
        return [
            DueEntry(doc["_id"], doc["aggregate_id"], int(doc["version"]), doc["due_at"], doc["at"])
            async for doc in cursor
        ]

    async def drop(self, entry_id: str) -> None:
        await self.collection.delete_one({"_id": entry_id})


class Inspection(BaseModel):
    """A test double of another service's aggregate: the same legal clock, its own overdue event."""

    inspection_id: str
    agency_id: str
    insurer_id: str
    deadlines: list[TrackedDeadline] = []
    _pending: list[Event] = PrivateAttr(default_factory=list)

    @classmethod
    def inspected(cls, inspection_id: str, on: date, calendar: PrcCalendar) -> Inspection:
        inspection = cls(inspection_id=inspection_id, agency_id="agy-1", insurer_id="ins-1")
        due = calendar.add_working_days(on, 3, rule_id="RSK-08")
        inspection._clock(datetime(on.year, on.month, on.day, 18, tzinfo=SHANGHAI)).open(due, "upload_report")
        return inspection

    def fire_overdue(self, now: datetime) -> list[Event]:
        fired: list[Event] = [
            ReportOverdue(inspection_id=self.inspection_id, deadline=d.info())
            for d in take_overdue(self.deadlines, now)
        ]
        self._pending += fired
        return fired

    def pull_events(self) -> list[Event]:
        events, self._pending = self._pending, []
        return events

    def _clock(self, at: datetime) -> LegalClock:
        return LegalClock(
            self.deadlines,
            at=at,
            parties=lambda: ObligationParties(
                debtor=PartyRef(role=Role.AGENCY, id=self.agency_id),
                creditor=PartyRef(role=Role.INSURER, id=self.insurer_id),
                subject=SubjectRef(kind="inspection", id=self.inspection_id),
            ),
            events=ObligationEvents(opened=ReportOpened, fulfilled=ReportFulfilled),
            record=self._pending.append,
        )


@dataclass(frozen=True)
class LoadedInspection:
    inspection: Inspection
    version: int
    due_at: datetime | None  # next_due_at as loaded (the inspection changes in place)


class Instance:
    """One service instance: its own connection, store, due index and sweeper callbacks."""

    def __init__(self, settings: ServiceSettings, *, race: tuple[str, asyncio.Barrier] | None = None) -> None:
        self.client = connect(settings)
        db = self.client[settings.mongo_db]
        self.store = AggregateStore(db["inspections"])
        self.due = DueIndex(db["inspections_due"])
        self.race = race
        self.conflicts = 0

    def outgoing(self, events: list[Event], key: str) -> list[OutgoingEvent]:
        return [
            OutgoingEvent(TOPIC, Envelope.wrap(e, region="shanghai", producer="risk", actor=SYSTEM, key=key))
            for e in events
        ]

    async def create(self, inspection: Inspection) -> None:
        await self.due.note_change(inspection.inspection_id, 1, next_due_at(inspection.deadlines), None)
        events = self.outgoing(inspection.pull_events(), inspection.inspection_id)
        await self.store.create(inspection.inspection_id, inspection.model_dump(mode="json"), events)

    async def load(self, inspection_id: str) -> LoadedInspection | None:
        stored = await self.store.get(inspection_id)
        if stored is None:
            return None
        inspection = Inspection.model_validate(stored.state)
        return LoadedInspection(inspection, stored.version, next_due_at(inspection.deadlines))

    async def fire(self, loaded: LoadedInspection, now: datetime) -> int:
        inspection = loaded.inspection
        events = inspection.fire_overdue(now)
        if not events:
            return 0
        if self.race is not None and self.race[0] == inspection.inspection_id:
            await asyncio.wait_for(self.race[1].wait(), 10)  # both instances hold this version before either writes
        await self.due.note_change(
            inspection.inspection_id, loaded.version + 1, next_due_at(inspection.deadlines), loaded.due_at
        )
        try:
            await self.store.update(
                inspection.inspection_id,
                loaded.version,
                inspection.model_dump(mode="json"),
                self.outgoing(inspection.pull_events(), inspection.inspection_id),
                applied_id=f"overdue:{inspection.inspection_id}:{loaded.version}",
                history=HistoryEntry("test.InspectionReportOverdue", SYSTEM, now),
            )
        except VersionConflict:
            self.conflicts += 1
            raise
        return len(events)

    async def sweep(self, now: datetime) -> int:
        return await sweep_overdue(
            self.due, load=self.load, fire=self.fire, now=now, grace=timedelta(minutes=5), limit=100
        )


async def test_xc02_overdue_fires_exactly_once_with_two_sweepers_running_concurrently(service_settings) -> None:
    settings = service_settings("risk")
    race = ("insp-0", asyncio.Barrier(2))
    first, second = Instance(settings, race=race), Instance(settings, race=race)
    calendar = PrcCalendar()
    ids = [f"insp-{n}" for n in range(12)]
    try:
        for inspection_id in ids:  # inspected 2026-09-30: 3 working days end 10-10 (an adjusted Saturday)
            await first.create(Inspection.inspected(inspection_id, date(2026, 9, 30), calendar))
        due_at = datetime(2026, 10, 11, tzinfo=SHANGHAI)
        assert [e.aggregate_id for e in await first.due.due(due_at - timedelta(microseconds=1))] == []
        assert len(await second.due.due(due_at)) == len(ids)

        now = datetime(2026, 10, 12, 9, tzinfo=SHANGHAI)
        fired = list(await asyncio.gather(first.sweep(now), second.sweep(now)))
        # Both held insp-0 at version 1 before either wrote: one insert won, the other lost the race.
        assert first.conflicts + second.conflicts >= 1
        for _ in range(3):  # entries kept by a lost race are judged again (nothing left to fire)
            fired += await asyncio.gather(first.sweep(now), second.sweep(now))
        assert sum(fired) == len(ids)
        assert await first.due.due(now) == []

        for inspection_id in ids:
            history = await first.store.history(inspection_id)
            assert [h["action"] for h in history].count("test.InspectionReportOverdue") == 1, inspection_id
            log = await first.store.log.find_one({"_id": f"{inspection_id}@1"})
            assert log is not None and [e["envelope"] for e in log["events"]]
            opened = Envelope.model_validate_json(log["events"][0]["envelope"])
            assert opened.type == ReportOpened.TYPE
            assert opened.data["obligation_id"] == f"inspection.{inspection_id}.upload_report.1"
            assert opened.data["debtor"] == {"role": "agency", "id": "agy-1"}
            loaded = await second.load(inspection_id)
            assert loaded is not None and loaded.version == 2
            assert loaded.inspection.deadlines[0].overdue_reported
            overdue = await first.store.log.find_one({"_id": f"{inspection_id}@2"})
            assert overdue is not None
            (event,) = [Envelope.model_validate_json(e["envelope"]) for e in overdue["events"]]
            assert event.type == ReportOverdue.TYPE and event.data["deadline"]["rule_id"] == "RSK-08"
    finally:
        await first.client.close()
        await second.client.close()


async def test_an_entry_whose_commit_never_came_is_dropped_after_the_grace(service_settings) -> None:
    settings = service_settings("risk")
    instance = Instance(settings)
    try:
        # The writer noted the entry, then died before its commit: nothing to load.
        await instance.due.note("insp-ghost", 1, datetime(2026, 1, 1, tzinfo=UTC))
        now = datetime(2026, 2, 1, tzinfo=UTC)
        assert await instance.sweep(now) == 0
        assert len(await instance.due.due(now)) == 1  # younger than the grace: its commit may be in flight
        (entry,) = await instance.due.due(now)
        await instance.due.collection.update_one(
            {"_id": entry.id}, {"$set": {"at": datetime.now(UTC) - timedelta(hours=1)}}
        )
        assert await instance.sweep(now) == 0
        assert await instance.due.due(now) == []
    finally:
        await instance.client.close()
