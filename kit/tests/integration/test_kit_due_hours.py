"""The legal clock's due index at city scale (XC-02, issue #10): opened obligations folded into one
document per due hour, swept by ``_id`` look-ups of the last hours — never a query over the index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from anju_contracts import Actor, Envelope, RecordRef, Role
from anju_contracts import claims as c
from anju_contracts.common import ObligationKind, PartyRef, SubjectRef
from anju_kit.due import DueHours, DueHoursEntries, due_hour
from anju_kit.testing import scan_watch
from anju_kit.views import ViewStore, Writer, route

pytestmark = pytest.mark.integration

SYSTEM = Actor(id="anju-claims", role=Role.SYSTEM, region="shanghai")
OPENED_AT = datetime(2026, 9, 12, 10, tzinfo=UTC)


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


async def test_xc02_due_obligations_are_found_by_hour_and_looked_at_once(infra: Any, unique: Any) -> None:
    name = unique("t_due").replace("-", "_")
    view = DueHours("claims", "anju.claims.events.v1")
    due = datetime(2026, 9, 23, tzinfo=UTC)
    async with AsyncMongoClient(infra.mongo_url, tz_aware=True) as client:
        store = ViewStore(client[name], view)
        writer = Writer({view.name: store})
        envelopes = [
            opened("c-1", due),
            opened("c-2", due + timedelta(hours=30)),
            opened("c-window", due, ObligationKind.WINDOW),  # a warranty window never falls due
            opened("c-late", OPENED_AT - timedelta(days=5)),  # opened already past due: filed at its opening
        ]
        changes = [
            change
            for n, envelope in enumerate(envelopes)
            for _, change in route(view, 1, envelope, RecordRef(topic="anju.claims.events.v1", partition=0, offset=n))
        ]
        assert await writer.apply(changes) == 3
        assert await store.get(due_hour(OPENED_AT)) is not None  # c-late, under the hour it was opened

        entries = DueHoursEntries(store, lookback=timedelta(hours=48), first_lookback=timedelta(days=30))
        with scan_watch().watching() as scans:
            first = await entries.due(due + timedelta(minutes=1))
            assert sorted(e.aggregate_id for e in first) == ["c-1", "c-late"]
            for entry in first:
                await entries.drop(entry.id)
            assert await entries.due(due + timedelta(minutes=2)) == []  # looked at: not again
            later = await entries.due(due + timedelta(hours=31))
            assert [e.aggregate_id for e in later] == ["c-2"]
        assert scans == []  # 48 hours read by _id, no query
        await client.drop_database(name)
