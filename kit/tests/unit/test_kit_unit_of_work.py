"""The kit's unit of work (XC-05, XC-07): authorize before the replay shortcut, one write per change,
re-decide after a lost compare-and-set, CONFLICT for a stale If-Match, a refusal's answer in the same
write as the refusal — on an in-memory repository, since the rules are the kit's, not the store's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from anju_contracts import Actor, Envelope, FailedCondition, ReasonCode, Refusal, Role
from anju_contracts import registry as r
from anju_contracts.base import Event
from anju_contracts.catalog import parse
from anju_kit.clock import FrozenClock
from anju_kit.mongo import AlreadyExists, HistoryEntry, OutgoingEvent, VersionConflict
from anju_kit.pipeline import CommandRequest
from anju_kit.unit_of_work import ATTEMPTS, UnitOfWork

REGION = "shanghai"
OWNER = Actor(id="ins-1", role=Role.INSURER, region=REGION, insurer_id="ins-1")
STRANGER = Actor(id="ins-2", role=Role.INSURER, region=REGION, insurer_id="ins-2")


@dataclass
class Counter:
    owner: str
    value: int = 0
    pending: list[Event] = field(default_factory=list)

    def pull_events(self) -> list[Event]:
        events, self.pending = self.pending, []
        return events


@dataclass(frozen=True)
class LoadedCounter:
    aggregate: Counter
    version: int
    applied: frozenset[str]


@dataclass
class Commit:
    state: tuple[str, int]
    events: list[OutgoingEvent]
    applied_id: str
    history: HistoryEntry


class Counters:
    """The commit log as a dict: inserting version n+1 is the compare-and-set."""

    def __init__(self) -> None:
        self.log: dict[str, list[Commit]] = {}
        self.interfere = 0  # commits another instance slips in before our next save

    async def get(self, doc_id: str) -> LoadedCounter | None:
        commits = self.log.get(doc_id)
        if not commits:
            return None
        owner, value = commits[-1].state
        return LoadedCounter(Counter(owner, value), len(commits), frozenset(c.applied_id for c in commits))

    async def add(
        self,
        doc_id: str,
        aggregate: Counter,
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        if doc_id in self.log:
            raise AlreadyExists(doc_id)
        self.log[doc_id] = [Commit((aggregate.owner, aggregate.value), list(events), applied_id, history)]
        return 1

    async def save(
        self,
        doc_id: str,
        aggregate: Counter,
        loaded: LoadedCounter,
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        commits = self.log[doc_id]
        if self.interfere:
            self.interfere -= 1
            owner, value = commits[-1].state
            commits.append(Commit((owner, value + 100), [], f"other-{len(commits)}", history))
        if len(commits) != loaded.version:
            raise VersionConflict(doc_id, loaded.version)
        commits.append(Commit((aggregate.owner, aggregate.value), list(events), applied_id, history))
        return len(commits)

    async def applied_events(self, doc_id: str, applied_id: str) -> tuple[Event, ...]:
        for commit in self.log.get(doc_id, []):
            if commit.applied_id == applied_id:
                messages = (parse(e.envelope) for e in commit.events if e.topic != "answers")
                return tuple(m for m in messages if isinstance(m, Event))
        return ()


def _refused(agency_id: str) -> r.AgencyRefused:
    failure = FailedCondition(rule_id="REG-01", code="TOO_FEW", message="too few engineers")
    return r.AgencyRefused(agency_id=agency_id, failed=(failure,))


def _request(
    actor: Actor = OWNER, *, expected_version: int | None = None, answer_to: str | None = None
) -> CommandRequest:
    command = r.AdmitAgency(agency_id="ag-1")
    envelope = Envelope.wrap(command, region=REGION, producer="test", actor=actor, key="ag-1")
    return CommandRequest(envelope, command, expected_version=expected_version, answer_to=answer_to)


def _only_owner(actor: Actor):  # type: ignore[no-untyped-def]
    def authorize(loaded: LoadedCounter | None) -> None:
        if loaded is not None and loaded.aggregate.owner != actor.id:
            raise Refusal(ReasonCode.NOT_FOUND, "not there")

    return authorize


async def _increment(loaded: LoadedCounter | None) -> Counter:
    counter = loaded.aggregate if loaded else Counter("ins-1")
    counter.value += 1
    counter.pending.append(r.AgencyAdmitted(agency_id="ag-1", path=r.QualificationPath.OTHER, admitted_by="reg-1"))
    return counter


WORK = UnitOfWork("test", FrozenClock(datetime(2026, 9, 1, tzinfo=UTC)))


async def test_xc05_a_replayed_command_id_is_authorized_before_it_is_answered() -> None:
    repo = Counters()
    first = _request()
    await WORK.apply(repo, "ag-1", first, _increment, authorize=_only_owner(OWNER))
    replay = CommandRequest(first.envelope.model_copy(update={"actor": STRANGER}), first.command)
    with pytest.raises(Refusal) as refused:
        await WORK.apply(repo, "ag-1", replay, _increment, authorize=_only_owner(STRANGER))
    assert refused.value.reason_code == ReasonCode.NOT_FOUND
    again = await WORK.apply(repo, "ag-1", first, _increment, authorize=_only_owner(OWNER))
    assert again.duplicate and again.version == 1 and len(repo.log["ag-1"]) == 1


async def test_a_lost_compare_and_set_decides_again_on_the_fresh_state() -> None:
    repo = Counters()
    await WORK.apply(repo, "ag-1", _request(), _increment)
    repo.interfere = 2
    done = await WORK.apply(repo, "ag-1", _request(), _increment)
    assert (done.version, done.aggregate.value) == (4, 202)  # applied on top of both interfering commits


async def test_a_stale_if_match_is_a_conflict_not_a_silent_reapplication() -> None:
    repo = Counters()
    await WORK.apply(repo, "ag-1", _request(), _increment)
    with pytest.raises(Refusal) as stale:
        await WORK.apply(repo, "ag-1", _request(expected_version=3), _increment)
    assert (stale.value.reason_code, stale.value.field) == (ReasonCode.CONFLICT, "If-Match")
    repo.interfere = 1
    with pytest.raises(Refusal) as raced:
        await WORK.apply(repo, "ag-1", _request(expected_version=1), _increment)
    assert raced.value.reason_code == ReasonCode.CONFLICT


async def test_a_key_changing_faster_than_the_attempts_is_answered_conflict() -> None:
    repo = Counters()
    await WORK.apply(repo, "ag-1", _request(), _increment)
    repo.interfere = ATTEMPTS
    with pytest.raises(Refusal) as busy:
        await WORK.apply(repo, "ag-1", _request(), _increment)
    assert busy.value.reason_code == ReasonCode.CONFLICT


async def test_xc07_a_refusal_event_and_its_answer_are_one_write() -> None:
    repo = Counters()

    async def refuse(loaded: LoadedCounter | None) -> Counter:
        counter = Counter("ins-1")
        counter.pending.append(_refused("ag-1"))
        return counter

    def refusal_of(events: Sequence[Event]) -> Refusal | None:
        failed = [f for e in events if isinstance(e, r.AgencyRefused) for f in e.failed]
        return Refusal.of(failed) if failed else None

    request = _request(answer_to="answers")
    await WORK.apply(repo, "ag-1", request, refuse, refusal_of=refusal_of)
    commit = repo.log["ag-1"][0]
    assert [(e.topic, e.envelope.type) for e in commit.events] == [
        (r.AgencyRefused.TOPIC, "registry.AgencyRefused"),
        ("answers", "common.Rejected"),
    ]
    answer = commit.events[1].envelope
    assert (answer.data["rule_id"], str(answer.causation_id)) == ("REG-01", str(request.envelope.event_id))
    # Over HTTP (no answer topic) the refusal event is stored alone; the caller answers 422 itself.
    http = await WORK.apply(Counters(), "ag-1", _request(), refuse, refusal_of=refusal_of)
    assert [e.TYPE for e in http.events] == ["registry.AgencyRefused"]


async def test_flush_publishes_a_commit_and_its_failure_is_only_logged() -> None:
    repo = Counters()
    published: list[tuple[str, int | None, int]] = []

    async def flush(doc_id: str, version: int | None, outgoing: Sequence[OutgoingEvent]) -> None:
        published.append((doc_id, version, len(outgoing)))
        if version is None:
            raise ConnectionError("broker away")

    first = _request()
    await WORK.apply(repo, "ag-1", first, _increment, flush=flush)
    again = await WORK.apply(repo, "ag-1", first, _increment, flush=flush)  # the failing flush of a replay
    assert again.duplicate and published == [("ag-1", 1, 1), ("ag-1", None, 0)]


async def test_a_state_event_rides_in_the_same_write_with_the_version_it_describes() -> None:
    repo = Counters()

    def state(counter: Counter, version: int) -> Event:
        return r.AgencyAdmitted(agency_id=f"ag-v{version}", path=r.QualificationPath.OTHER, admitted_by=counter.owner)

    await WORK.apply(repo, "ag-1", _request(), _increment, state_event=state)
    done = await WORK.apply(repo, "ag-1", _request(), _increment, state_event=state)
    assert [e.agency_id for e in done.events] == ["ag-1", "ag-v2"]  # type: ignore[attr-defined]
    assert [e.envelope.data["agency_id"] for e in repo.log["ag-1"][1].events] == ["ag-1", "ag-v2"]


async def test_xc02_a_change_the_service_makes_on_its_own_is_stored_once_per_version_as_the_service() -> None:
    repo = Counters()
    await WORK.apply(repo, "ag-1", _request(), _increment)
    first, second = await repo.get("ag-1"), await repo.get("ag-1")  # two sweepers read the same version
    assert first is not None and second is not None
    first.aggregate.pending.append(_refused("ag-1"))
    assert await WORK.record_own_change(repo, "ag-1", first, first.aggregate, region=REGION, action="t.Swept") == 2
    commit = repo.log["ag-1"][-1]
    assert (commit.applied_id, commit.history.action, commit.history.actor.role) == (
        "t.Swept:ag-1:1",
        "t.Swept",
        Role.SYSTEM,
    )
    assert [e.envelope.type for e in commit.events] == ["registry.AgencyRefused"]
    second.aggregate.pending.append(_refused("ag-1"))
    with pytest.raises(VersionConflict):  # the other sweeper lost: the deadline is recorded once
        await WORK.record_own_change(repo, "ag-1", second, second.aggregate, region=REGION, action="t.Swept")
    assert await WORK.record_own_change(repo, "ag-1", first, first.aggregate, region=REGION, action="t.Swept") is None
