"""Issue #10: a router sends a key's consecutive view changes as one record (one signature, one door),
in order, cut by count and size; the writer reads a group and a single change (a router before groups)
alike."""

from __future__ import annotations

from collections.abc import Iterable

from anju_contracts import Actor, Envelope, RecordRef, Role
from anju_contracts import registry as r
from anju_contracts.base import Event
from anju_kit.views import (
    GROUP_CHANGES,
    Docs,
    View,
    ViewChange,
    ViewChanges,
    _changes,
    _groups,
    _wrap_group,
    route,
)

REGION = "shanghai"
REGULATOR = Actor(id="reg-1", role=Role.REGULATOR, region=REGION)
SOURCE = "anju.registry.events.v1"


class ByAdmitter(View):
    name = "test.by_admitter"
    sources = (SOURCE,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        return [event.admitted_by] if isinstance(event, r.AgencyAdmitted) else []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        raise AssertionError("not folded here")


def changes(count: int) -> list[ViewChange]:
    found: list[ViewChange] = []
    for n in range(count):
        event = r.AgencyAdmitted(agency_id=f"ag-{n}", path=r.QualificationPath.OTHER, admitted_by="reg-9")
        envelope = Envelope.wrap(event, region=REGION, producer="registry", actor=REGULATOR, key=f"ag-{n}")
        found += [
            change for _, change in route(ByAdmitter(), 1, envelope, RecordRef(topic=SOURCE, partition=0, offset=n))
        ]
    return found


def test_issue10_a_keys_changes_go_in_order_in_records_cut_by_count_and_size() -> None:
    many = changes(GROUP_CHANGES + 5)
    by_count = list(_groups([(c, 100) for c in many], budget=1_000_000))
    assert [len(g) for g in by_count] == [GROUP_CHANGES, 5]
    assert [c.source.offset for g in by_count for c in g] == list(range(GROUP_CHANGES + 5))  # order kept
    by_size = list(_groups([(c, 400) for c in many[:5]], budget=1_000))
    assert [len(g) for g in by_size] == [2, 2, 1]
    assert [len(g) for g in _groups([(many[0], 5_000)], budget=1_000)] == [1]  # one too big still goes alone


def test_issue10_the_writer_reads_a_group_and_a_single_change_alike() -> None:
    group = changes(3)
    envelope = _wrap_group(group, REGION, "registry")
    assert envelope.type == ViewChanges.TYPE and envelope.key == "test.by_admitter|reg-9"
    assert _changes(Envelope.model_validate_json(envelope.model_dump_json())) == group
    single = Envelope.wrap(group[0], region=REGION, producer="registry", actor=REGULATOR, key="k")
    assert _changes(single) == [group[0]]
    again = _wrap_group(group, REGION, "registry")
    assert again.event_id == envelope.event_id  # the same changes re-routed are the same record
