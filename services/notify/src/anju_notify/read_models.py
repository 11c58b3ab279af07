"""The notify service's read models (anju_kit.views + anju_kit.listing): each ledger question as a few
documents read by ``_id``, in bounded pages, whatever the number of obligations in the city.

They fold ``notify.ObligationRecorded`` (the whole record, event-carried: no view reads the ledger);
the highest ``revision`` wins, so a late or repeated event never moves a record back. Each record is
filed under a *tally*: ``open``, ``overdue``, ``escalated``, ``fulfilled_on_time``, ``fulfilled_late``,
``cancelled``, ``waived`` (and ``window`` for an open period that bounds a right, e.g. CLM-06).

* ``notify.by_debtor``  — ``<region>|<role>:<id>``, bucket = rule: open obligations by debtor, and per
  insurer and agency what was filed on time, late or not at all (the regulator's filing report);
* ``notify.by_rule``    — ``<region>|<rule>``: e.g. overdue by rule;
* ``notify.by_week``    — ``<region>|<ISO week of due_at>``: due this week;
* ``notify.by_subject`` — ``<kind>:<id>``: everything for one project, unit or claim (XC-03), small;
* ``notify.debtors``    — ``<region>``: the parties that owe (for the regulator's filing report);
* ``notify.inbox``      — ``<region>|<role>:<id>``, bucket = month: each party's messages;
* ``notify.due``        — the steps not fired yet, by the hour they fall due (the sweeper's index).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from anju_contracts import Envelope, topics
from anju_contracts import notify as n
from anju_contracts.base import Event
from anju_contracts.common import ObligationKind, PartyRef
from anju_kit.clock import SHANGHAI
from anju_kit.due import due_hour
from anju_kit.listing import keep_in_head, keep_listed, location_id, page_id
from anju_kit.views import Docs, View

ALL = "all"
_INSTANT = timedelta(microseconds=1)
TALLIES = ("open", "overdue", "escalated", "fulfilled_on_time", "fulfilled_late", "cancelled", "waived", "window")
OPEN_TALLIES = ("open", "overdue", "escalated")


def tally_of(record: n.ObligationRecorded) -> str:
    if record.kind is ObligationKind.WINDOW and record.state in n.OPEN_STATES:
        return "window"  # a period bounding a right (CLM-06 warranty): owed by no one, never overdue
    if record.state is n.LedgerState.FULFILLED:
        return "fulfilled_on_time" if record.on_time is not False else "fulfilled_late"
    return record.state.value


def summary(record: n.ObligationRecorded) -> dict[str, Any]:
    return {
        "obligation_id": record.obligation_id,
        "obligation": record.obligation,
        "rule_id": record.rule_id,
        "source": record.source,
        "debtor": f"{record.debtor.role.value}:{record.debtor.id}",
        "creditor": f"{record.creditor.role.value}:{record.creditor.id}" if record.creditor else None,
        "subject": f"{record.subject.kind}:{record.subject.id}",
        "due_at": record.due_at.isoformat() if record.due_at else None,
        "calendar_estimated": record.calendar_estimated,
        "state": record.state.value,
        "closed_at": record.closed_at.isoformat() if record.closed_at else None,
        "on_time": record.on_time,
        "filing_id": record.filing_id,
    }


def party_listing(region: str, party: PartyRef) -> str:
    return f"{region}|{party.role.value}:{party.id}"


def week_of(at: datetime) -> str:
    """The ISO week (Asia/Shanghai) an instant falls in, e.g. 2026-W41."""
    year, week, _ = at.astimezone(SHANGHAI).isocalendar()
    return f"{year}-W{week:02d}"


def due_week(record: n.ObligationRecorded) -> str | None:
    # due_at is 24:00 of the last day: the last day's week is the week it is due in
    return week_of(record.due_at - _INSTANT) if record.due_at else None


class _Ledger(View):
    sources = (topics.NOTIFY.events,)
    bucketed = False

    def listing(self, envelope: Envelope, record: n.ObligationRecorded) -> str | None:
        raise NotImplementedError

    def bucket(self, record: n.ObligationRecorded) -> str:
        return ALL

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if not isinstance(event, n.ObligationRecorded):
            return []
        key = self.listing(envelope, event)
        return [key] if key else []

    def reads(self, key: str, event: Event) -> Iterable[str]:
        return [location_id(key, event.obligation_id)] if isinstance(event, n.ObligationRecorded) else []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        if not isinstance(event, n.ObligationRecorded):
            return  # a change this version does not fold (e.g. routed by a newer router): never a crash
        await keep_listed(
            docs,
            listing=key,
            bucket=self.bucket(event),
            item_id=event.obligation_id,
            version=event.revision,
            tally=tally_of(event),
            item=summary(event),
        )


class ByDebtor(_Ledger):
    name = "notify.by_debtor"

    def listing(self, envelope: Envelope, record: n.ObligationRecorded) -> str | None:
        return party_listing(envelope.region, record.debtor)

    def bucket(self, record: n.ObligationRecorded) -> str:
        return record.rule_id


class ByRule(_Ledger):
    name = "notify.by_rule"

    def listing(self, envelope: Envelope, record: n.ObligationRecorded) -> str | None:
        return f"{envelope.region}|{record.rule_id}"


class ByWeek(_Ledger):
    name = "notify.by_week"

    def listing(self, envelope: Envelope, record: n.ObligationRecorded) -> str | None:
        week = due_week(record)
        return f"{envelope.region}|{week}" if week else None


class BySubject(View):
    """Everything owed about one record (XC-03): a project's, a unit's or a claim's few obligations."""

    name = "notify.by_subject"
    sources = (topics.NOTIFY.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if not isinstance(event, n.ObligationRecorded):
            return []
        return [f"{event.subject.kind}:{event.subject.id}"]

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        if not isinstance(event, n.ObligationRecorded):
            return  # a change this version does not fold (e.g. routed by a newer router): never a crash
        await keep_in_head(
            docs,
            listing=key,
            item_id=event.obligation_id,
            version=event.revision,
            tally=tally_of(event),
            item=summary(event),
        )


class Debtors(View):
    """``notify.debtors`` — ``<region>``: every party that owes something in the region (a set: a few
    hundred insurers, agencies, builders…), so the regulator's filing report knows whose heads to read."""

    name = "notify.debtors"
    sources = (topics.NOTIFY.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        return [envelope.region] if isinstance(event, n.ObligationRecorded) and event.revision == 1 else []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        if not isinstance(event, n.ObligationRecorded):
            return  # a change this version does not fold (e.g. routed by a newer router): never a crash
        doc = await docs.get(key) or {"debtors": []}
        party = f"{event.debtor.role.value}:{event.debtor.id}"
        if party not in doc["debtors"]:
            docs.put(key, {**doc, "debtors": sorted([*doc["debtors"], party])})


class Inbox(View):
    """Each party's messages (reminders, escalations), by month, in bounded pages, tallied ``unread`` /
    ``read`` (the head's counts give the unread number without reading a page)."""

    name = "notify.inbox"
    sources = (topics.NOTIFY.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if isinstance(event, n.InboxItemsRead):
            return [party_listing(envelope.region, event.party)]
        if not isinstance(event, n.ReminderSent | n.ObligationEscalated):
            return []
        return [party_listing(envelope.region, p) for p in event.recipients]

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        if isinstance(event, n.InboxItemsRead):
            await self._read(docs, key, event)
            return
        if not isinstance(event, n.ReminderSent | n.ObligationEscalated):
            return  # a change this version does not fold (e.g. routed by a newer router): never a crash
        item = {
            "kind": event.level.value if isinstance(event, n.ObligationEscalated) else "reminder",
            "obligation_id": event.obligation_id,
            "rule_id": event.rule_id,
            "subject": f"{event.subject.kind}:{event.subject.id}",
            "subject_zh": event.subject_zh,
            "body_zh": event.body_zh,
            "due_at": event.due_at.isoformat(),
            "sent_at": event.sent_at.isoformat(),
        }
        await keep_listed(
            docs,
            listing=key,
            bucket=event.sent_at.astimezone(SHANGHAI).strftime("%Y-%m"),
            item_id=f"{event.obligation_id}|{event.step_id}",
            version=1,
            tally="unread",
            item=item,
        )

    @staticmethod
    async def _read(docs: Docs, key: str, event: n.InboxItemsRead) -> None:
        for item_id in event.item_ids:
            where = await docs.get(location_id(key, item_id))
            if where is None:
                continue  # not in this party's inbox (or not folded yet): nothing to mark
            bucket, tally, number = where["at"]
            if tally == "read":
                continue
            page = await docs.get(page_id(key, bucket, tally, number)) or {"items": []}
            item = next((i for i in page["items"] if i["id"] == item_id), None)
            if item is None:
                continue
            kept = {k: v for k, v in item.items() if k not in ("id", "version", "tally")}
            read_item = {**kept, "read_at": event.read_at.isoformat()}
            version = int(where["version"]) + 1
            await keep_listed(
                docs, listing=key, bucket=bucket, item_id=item_id, version=version, tally="read", item=read_item
            )


class StepsDue(View):
    """``notify.due``: the steps not fired yet by the hour they fall due, read by the sweeper through
    ``anju_kit.due.DueHoursEntries`` (entries ``{id, aggregate_id, due_at, noted_at}``). A step fired or
    an obligation closed costs the sweeper one look at a record with nothing due."""

    name = "notify.due"
    sources = (topics.NOTIFY.events,)

    @staticmethod
    def _pending(envelope: Envelope, record: n.ObligationRecorded) -> list[tuple[str, n.ScheduledStep]]:
        if record.state not in n.OPEN_STATES:
            return []
        # a step already past when recorded (opened late, or a closing came first) is filed under the
        # hour it was recorded in, which the sweeper's look-back still reads
        return [(due_hour(max(s.at, record.recorded_at)), s) for s in record.steps if not s.fired]

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if not isinstance(event, n.ObligationRecorded):
            return []
        return sorted({hour for hour, _ in self._pending(envelope, event)})

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        if not isinstance(event, n.ObligationRecorded):
            return  # a change this version does not fold (e.g. routed by a newer router): never a crash
        doc = await docs.get(key) or {"entries": []}
        known = {e["id"] for e in doc["entries"]}
        new = [
            {
                "id": f"{event.obligation_id}|{step.step_id}",
                "aggregate_id": event.obligation_id,
                "due_at": step.at.isoformat(),
                "noted_at": event.recorded_at.isoformat(),
            }
            for hour, step in self._pending(envelope, event)
            if hour == key and f"{event.obligation_id}|{step.step_id}" not in known
        ]
        if new:
            docs.put(key, {**doc, "entries": [*doc["entries"], *new]})


DUE = StepsDue()
VIEWS: tuple[View, ...] = (ByDebtor(), ByRule(), ByWeek(), BySubject(), Debtors(), Inbox(), DUE)
