"""The claims use cases' cross-cutting rules on in-memory ports: redelivery and replays (XC-07), authorize
before the replay shortcut (XC-05), a lost compare-and-set decided again (XC-04), the overdue sweeper of two
instances firing once (XC-02), bulk intake of a batch (CLM-01)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest
from claims_memory import (
    CORE,
    INSURER,
    OTHER_INSURER,
    REGULATOR,
    InMemoryClaims,
    at,
    covered,
    moment,
    owner,
    report,
    wrap,
)

from anju_claims.domain.coverage import PolicyCoverage
from anju_claims.domain.errors import ClaimError
from anju_claims.handlers import BatchItem
from anju_claims.read_models import DUE
from anju_contracts import Actor, ReasonCode, Refusal
from anju_contracts import claims as c
from anju_contracts.policy import OwnerRef, UnitOwnersChanged
from anju_kit.calendar import shanghai_day
from anju_kit.clock import SHANGHAI, FrozenClock
from anju_kit.due import due_hour

S = c.ClaimStatus
GRACE = timedelta(seconds=60)


async def test_xc07_a_redelivered_command_is_answered_alike_and_stored_and_published_once(
    claims: InMemoryClaims,
) -> None:
    report_id, schedule_id = uuid.uuid4(), uuid.uuid4()
    first = await claims.send(report("c-idem"), owner("o-1", "u-1"), event_id=report_id)
    again = await claims.send(report("c-idem"), owner("o-1", "u-1"), event_id=report_id)
    assert (first.duplicate, again.duplicate, again.version) == (False, True, 1)
    assert again.claim == first.claim

    schedule = c.ScheduleSurvey(claim_id="c-idem", scheduled_at=at(2026, 9, 2, 14), surveyor_id="srv-1")
    assert (await claims.send(schedule, event_id=schedule_id)).version == 2
    replay = await claims.send(schedule, event_id=schedule_id)
    same_fact = await claims.send(schedule)  # the same business fact under a new id: a no-op in the domain
    assert (replay.duplicate, replay.version, same_fact.duplicate, same_fact.version) == (True, 2, True, 2)

    steps = claims.events("c-idem", c.ClaimReported, c.SurveyScheduled)
    assert [e.type for e in steps] == [c.ClaimReported.TYPE, c.SurveyScheduled.TYPE]
    # One state for the read models per commit, none for a replay.
    assert [e.data["version"] for e in claims.events("c-idem", c.ClaimStateChanged)] == [1, 2]
    assert [h["action"] for h in await claims.repo.history("c-idem")] == ["claims.ReportClaim", "claims.ScheduleSurvey"]


async def test_xc05_a_replayed_command_id_is_authorized_first_and_tells_a_stranger_nothing(
    claims: InMemoryClaims,
) -> None:
    await claims.send(report("c-key"), owner("o-1", "u-1"))
    key = uuid.uuid4()
    schedule = c.ScheduleSurvey(claim_id="c-key", scheduled_at=at(2026, 9, 2, 14), surveyor_id="srv-1")
    assert (await claims.send(schedule, INSURER, event_id=key)).version == 2

    # Another insurer replaying the id (readable by anyone as a follow-up's causation id) gets exactly the
    # answer a claim that does not exist gets — not the cached success with the claim in it.
    with pytest.raises(ClaimError) as theirs:
        await claims.send(schedule, OTHER_INSURER, event_id=key)
    with pytest.raises(ClaimError) as nothing:
        await claims.send(schedule.model_copy(update={"claim_id": "c-none"}), OTHER_INSURER, event_id=key)
    assert theirs.value.reason_code == nothing.value.reason_code == ReasonCode.NOT_FOUND
    assert theirs.value.field == nothing.value.field == "claim_id"
    # Another owner's replay of the report: refused before the id is even looked up.
    with pytest.raises(ClaimError) as stranger:
        await claims.send(report("c-key"), owner("o-2", "u-2"), event_id=key)
    assert stranger.value.reason_code == ReasonCode.FORBIDDEN
    # A regulator may read the claim but not act: FORBIDDEN, even with the id of a command already applied.
    with pytest.raises(ClaimError) as regulator:
        await claims.send(schedule, REGULATOR, event_id=key)
    assert regulator.value.reason_code == ReasonCode.FORBIDDEN
    assert await claims.version("c-key") == 2


async def test_xc04_a_lost_compare_and_set_is_decided_again_on_the_fresh_state_and_no_update_is_lost(
    claims: InMemoryClaims,
) -> None:
    reported = await claims.send(report("c-cas"), owner("o-1", "u-1"))
    photo = claims.upload(reported.claim, "leak.jpg", b"\xff\xd8\xff" + b"photo" * 100)

    async def owner_attaches_first() -> None:  # lands between the insurer's read and its write
        await claims.send(c.AttachEvidence(claim_id="c-cas", evidence=photo), owner("o-1", "u-1"))

    claims.store.cut_in = owner_attaches_first
    schedule = c.ScheduleSurvey(claim_id="c-cas", scheduled_at=at(2026, 9, 2, 14), surveyor_id="srv-1")
    outcome = await claims.send(schedule)

    assert claims.store.conflicts == 1  # the insurer's first write lost the race ...
    assert outcome.version == 3  # ... and was decided again on the version the owner wrote
    claim = await claims.claim("c-cas")
    assert claim.status is S.SURVEY_SCHEDULED and claim.evidence_keys() == {photo.key}
    actions = [h["action"] for h in await claims.repo.history("c-cas")]
    assert actions == ["claims.ReportClaim", "claims.AttachEvidence", "claims.ScheduleSurvey"]

    # With HTTP If-Match the sender named the version it saw: CONFLICT instead of a silent re-decision.
    async def owner_withdraws_first() -> None:
        await claims.send(c.WithdrawClaim(claim_id="c-cas", reason="已自行修复。"), owner("o-1", "u-1"))

    claims.store.cut_in = owner_withdraws_first
    survey = c.RecordSurvey(claim_id="c-cas", surveyed_at=at(2026, 9, 2, 15), surveyor_id="srv-1", findings="渗漏")
    with pytest.raises(Refusal) as conflict:
        await claims.send(survey, expected_version=3)
    assert (conflict.value.reason_code, conflict.value.field) == (ReasonCode.CONFLICT, "If-Match")
    claim = await claims.claim("c-cas")
    assert claim.status is S.WITHDRAWN and claim.surveyed_at is None


@pytest.fixture
async def live_claims() -> InMemoryClaims:
    """Claims on a clock frozen at the real present. Envelopes carry the wall-clock time (``occurred_at``)
    and the due index files an obligation under the later of its due hour and that time, so for the sweeper
    the legal clock and the envelopes must agree, as they do in production. (The policy's waterproofing
    period, from 2025-01-01, covers reports until 2029.)"""
    running = await InMemoryClaims.start(FrozenClock(datetime.now(SHANGHAI).replace(second=0, microsecond=0)))
    await running.load_policy("pol-1", {"u-1": "o-1"})
    return running


async def test_xc02_clm03_the_overdue_sweepers_of_two_instances_fire_an_unmet_deadline_exactly_once(
    live_claims: InMemoryClaims,
) -> None:
    claims = live_claims
    await covered(claims, "c-due")
    agreed = moment(claims, claims.clock.now() + timedelta(hours=1))
    agreement = c.RecordAgreement(
        claim_id="c-due",
        mode=c.CompensationMode.MONEY,
        amount_fen=80_000,
        agreed_on=shanghai_day(agreed),
        money_agreed_by_owner=True,
    )
    (perform,) = (await claims.send(agreement)).claim.deadlines
    assert perform.rule_id == "CLM-03"
    # The due index, a read model of the obligations published, files it under the hour it falls due in.
    hour = await claims.views.store(DUE.name).get(due_hour(perform.due_at))
    assert hour is not None and [e["aggregate_id"] for e in hour["entries"]] == ["c-due"]
    first, second = claims.handlers, claims.instance()

    moment(claims, perform.due_at - timedelta(minutes=1))  # the end of the 10 days: not overdue yet
    assert list(await asyncio.gather(first.sweep_overdue(grace=GRACE), second.sweep_overdue(grace=GRACE))) == [0, 0]
    assert claims.events("c-due", c.DeadlineOverdue) == []

    moment(claims, perform.due_at + timedelta(hours=1))
    fired = await asyncio.gather(first.sweep_overdue(grace=GRACE), second.sweep_overdue(grace=GRACE))

    assert sorted(fired) == [0, 1] and claims.store.conflicts == 1  # both raced for it; one commit won
    (overdue,) = claims.events("c-due", c.DeadlineOverdue)
    assert overdue.data["deadline"]["rule_id"] == "CLM-03" and overdue.actor.id == "anju-claims"
    claim = await claims.claim("c-due")
    assert claim.deadlines[0].overdue_reported and claim.next_due_at is None
    assert [h["action"] for h in await claims.repo.history("c-due")].count("claims.DeadlineOverdue") == 1
    # The next rounds: the loser looks at the claim again and finds nothing left to fire; the winner remembers.
    for later in (timedelta(hours=1, minutes=5), timedelta(days=1)):
        moment(claims, perform.due_at + later)
        again = await asyncio.gather(first.sweep_overdue(grace=GRACE), second.sweep_overdue(grace=GRACE))
        assert list(again) == [0, 0]
    assert len(claims.events("c-due", c.DeadlineOverdue)) == 1


async def test_clm01_a_batch_of_reports_is_created_in_bulk_and_its_redelivery_changes_nothing(
    claims: InMemoryClaims,
) -> None:
    def item(message: c.ReportClaim | c.ScheduleSurvey, actor: Actor) -> BatchItem:
        return BatchItem(wrap(message, actor, key=message.claim_id), message)

    schedule = c.ScheduleSurvey(claim_id="c-b1", scheduled_at=at(2026, 9, 2, 14), surveyor_id="srv-1")
    batch = [
        item(report("c-b1"), owner("o-1", "u-1")),
        item(report("c-b2", "u-2", "o-2"), owner("o-2", "u-2")),
        item(report("c-b3", "u-1", "o-1"), owner("o-2", "u-2")),  # not their unit
        item(schedule, INSURER),
    ]
    refused = await claims.handlers.execute_batch(batch)

    assert [(e.key, error.reason_code) for e, error in refused] == [("c-b3", ReasonCode.FORBIDDEN)]
    assert [await claims.version(cid) for cid in ("c-b1", "c-b2", "c-b3")] == [2, 1, None]
    published = [(e.key, e.type) for e in claims.published]
    assert sorted(p for p in published if p[1] != c.ClaimStateChanged.TYPE) == [
        ("c-b1", c.ClaimReported.TYPE),
        ("c-b1", c.SurveyScheduled.TYPE),
        ("c-b2", c.ClaimReported.TYPE),
    ]
    states = {cid: [e.data["version"] for e in claims.events(cid, c.ClaimStateChanged)] for cid in ("c-b1", "c-b2")}
    assert states == {"c-b1": [1, 2], "c-b2": [1]}
    assert await claims.store.unpublished() == []  # the batch's outbox marker went with its publish

    again = await claims.handlers.execute_batch(batch)  # the same records redelivered
    assert [e.key for e, _ in again] == ["c-b3"]
    assert [await claims.version(cid) for cid in ("c-b1", "c-b2", "c-b3")] == [2, 1, None]
    assert [(e.key, e.type) for e in claims.published] == published


async def test_clm01_issue10_a_batch_of_policy_events_folds_each_policy_once_and_as_one_by_one(
    clock: FrozenClock,
) -> None:
    """A project's owners arrive by the hundred: claims folds a run of one policy's events with one read
    and one write of its fold, ending where one event at a time ends; a redelivered batch changes nothing."""
    one, batched = await InMemoryClaims.start(clock), await InMemoryClaims.start(clock)
    for claims in (one, batched):
        await claims.load_policy("pol-1", {"u-1": "o-1", "u-2": "o-2"})
        await claims.load_policy("pol-2", {"u-9": "o-9"})
    events = [
        UnitOwnersChanged(
            policy_id=policy,
            unit_id=unit,
            owners=(OwnerRef(owner_id=f"new-{unit}", id_number_masked="310***********1234"),),
            changed_on=datetime(2026, 3, 1).date(),
        )
        for policy, unit in (("pol-1", "u-1"), ("pol-1", "u-2"), ("pol-2", "u-9"))
    ]
    batch = [(wrap(e, CORE, key=e.policy_id), e) for e in events]
    for envelope, event in batch:
        await one.handlers.project_policy_event(envelope, event)
    writes: list[str] = []
    put = batched.coverage.put

    async def counted(coverage: PolicyCoverage, *, previous: PolicyCoverage | None, seq: int) -> None:
        writes.append(coverage.policy_id)
        await put(coverage, previous=previous, seq=seq)

    batched.coverage.put = counted
    await batched.handlers.project_policy_events(batch)
    assert writes == ["pol-1", "pol-2"]  # one write per policy's run, not per event
    assert batched.coverage.policies == one.coverage.policies
    await batched.handlers.project_policy_events(batch)  # redelivered
    assert writes == ["pol-1", "pol-2"]
