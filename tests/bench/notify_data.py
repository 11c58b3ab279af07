"""The notify bench's obligations: a seeded, deterministic generator (replayable, so a database can be
seeded in a stream and checked against the in-memory fold of the same records).

20 insurers and 40 agencies owing under seven rules, due over three years (156 weeks), one subject per
10 obligations; 80 % fulfilled (one in eight of them late), 10 % open, 5 % overdue, 3 % escalated,
2 % waived.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from anju_contracts import Actor, Envelope, Role
from anju_contracts import notify as n
from anju_contracts.common import ObligationKind, PartyRef, SubjectRef
from anju_kit.clock import SHANGHAI

REGION = "shanghai"
RULES = ("POL-07", "POL-10", "RSK-02", "RSK-07", "RSK-08", "CLM-03", "CLM-04")
START = datetime(2024, 1, 1, tzinfo=SHANGHAI)
SEED = 14
ACTOR = Actor(id="anju-notify", role=Role.SYSTEM, region=REGION)


def _debtor(i: int) -> PartyRef:
    if i % 3 == 2:
        return PartyRef(role=Role.AGENCY, id=f"agy-{i % 40:02d}")
    return PartyRef(role=Role.INSURER, id=f"ins-{i % 20:02d}")


def _state(rng: random.Random) -> tuple[n.LedgerState, bool | None]:
    roll = rng.random()
    if roll < 0.80:
        return n.LedgerState.FULFILLED, rng.random() >= 0.125
    for state, edge in (
        (n.LedgerState.OPEN, 0.90),
        (n.LedgerState.OVERDUE, 0.95),
        (n.LedgerState.ESCALATED, 0.98),
    ):
        if roll < edge:
            return state, None
    return n.LedgerState.WAIVED, None


def obligation_id(i: int) -> str:
    return f"bench.sub-{i // 10}.{RULES[i % len(RULES)].lower().replace('-', '_')}.{i}"


def recorded(i: int, rng: random.Random) -> n.ObligationRecorded:
    rule = RULES[i % len(RULES)]
    due = (START + timedelta(hours=rng.randrange(0, 156 * 7 * 24))).replace(minute=0)
    state, on_time = _state(rng)
    closed = state in (n.LedgerState.FULFILLED, n.LedgerState.WAIVED)
    return n.ObligationRecorded(
        obligation_id=obligation_id(i),
        revision=2,
        recorded_at=due,
        source="policy" if rule.startswith("POL") else "risk" if rule.startswith("RSK") else "claims",
        obligation="upload",
        kind=ObligationKind.OBLIGATION,
        rule_id=rule,
        debtor=_debtor(i),
        creditor=PartyRef(role=Role.REGULATOR, id=REGION),
        subject=SubjectRef(kind="project", id=f"sub-{i // 10}"),
        due_at=due,
        last_day=(due - timedelta(days=1)).date() if due.hour == 0 else due.date(),
        calendar_estimated=False,
        state=state,
        closed_at=due - timedelta(days=1) if closed else None,
        on_time=on_time,
    )


def obligations(count: int) -> Iterator[n.ObligationRecorded]:
    """The first ``count`` records, always the same ones (one generator, seeded)."""
    rng = random.Random(SEED)
    for i in range(count):
        yield recorded(i, rng)


def event_id(record: n.ObligationRecorded) -> uuid.UUID:
    """A fixed event id per record, so the heads' ``_as_of`` is the same however the records are folded."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"anju:bench:notify:{record.obligation_id}")


def envelope_of(record: n.ObligationRecorded) -> Envelope:
    """The envelope the ledger would publish ``record`` in (occurred when recorded, fixed event id)."""
    return Envelope.wrap(
        record,
        region=REGION,
        producer="notify",
        actor=ACTOR,
        key=record.obligation_id,
        occurred_at=record.recorded_at,
        event_id=event_id(record),
    )
