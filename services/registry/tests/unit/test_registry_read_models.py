"""Issue #10: the registry's read models fold state events by item id and version, so a redelivery or
a late replay changes nothing, and every document an aggregate enters or leaves hears of it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from anju_contracts import Actor, Envelope, Role
from anju_contracts import registry as r
from anju_contracts.base import Event
from anju_kit.mongo import Doc
from anju_kit.views import Docs, View
from anju_registry.domain.practitioner import Practitioner
from anju_registry.domain.team import Team
from anju_registry.read_models import AgencyLeads, LeadProjects, Pool, Roster, with_item
from anju_registry.state_events import business_events, state_event

REGION = "shanghai"
ACTOR = Actor(id="anju-registry", role=Role.SYSTEM, region=REGION)


class MemoryDocs:
    """What a fold uses of :class:`Docs` (read and write by ``_id``), in memory."""

    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}

    async def get(self, doc_id: str) -> Doc | None:
        return self.docs.get(doc_id)

    def put(self, doc_id: str, doc: Doc) -> None:
        self.docs[doc_id] = {**doc, "_id": doc_id}


async def fold_all(view: View, events: Iterable[Event]) -> dict[str, Doc]:
    docs = MemoryDocs()
    for event in events:
        envelope = Envelope.wrap(event, region=REGION, producer="registry", actor=ACTOR, key="k")
        for key in view.keys(envelope, event):
            await view.fold(cast(Docs, docs), key, envelope, event)
    return docs.docs


def members(doc: Doc | None) -> dict[str, int]:
    return {i["id"]: i["version"] for i in (doc or {}).get("items", []) if i["member"]}


def agency_state(version: int, status: r.AgencyStatus, agency_id: str = "ag-1") -> r.AgencyStateChanged:
    return r.AgencyStateChanged(
        agency_id=agency_id,
        version=version,
        status=status,
        name="上海某风险管理有限公司",
        path=r.QualificationPath.SUPERVISION_LICENCE,
        nominated_by="ins-1",
        watch_listed=False,
        key_supervision=False,
        strikes=0,
    )


def team_state(version: int, lead: str | None, former: tuple[str, ...] = (), project: str = "prj-1") -> Any:
    status = r.TeamStatus.ACTIVE if lead else r.TeamStatus.REFUSED
    return r.TeamStateChanged(
        project_id=project, version=version, status=status, agency_id="ag-1", lead_id=lead, former_lead_ids=former
    )


async def test_reg01_pool_moves_an_agency_between_status_documents_whatever_the_arrival_order() -> None:
    nominated, admitted = agency_state(1, r.AgencyStatus.NOMINATED), agency_state(2, r.AgencyStatus.ADMITTED)
    in_order = await fold_all(Pool(), [nominated, admitted])
    assert members(in_order["status:admitted"]) == {"ag-1": 2} and members(in_order["status:nominated"]) == {}
    item = in_order["status:admitted"]["items"][0]
    assert (item["id"], item["name"], item["nominated_by"]) == ("ag-1", "上海某风险管理有限公司", "ins-1")
    # A replay of the older state after the newer one (or the same one twice) changes nothing.
    assert await fold_all(Pool(), [admitted, nominated, admitted]) == in_order


async def test_reg02_roster_holds_the_approved_practitioners_of_the_agency_only() -> None:
    def state(pid: str, version: int, status: r.PractitionerStatus) -> r.PractitionerStateChanged:
        return r.PractitionerStateChanged(practitioner_id=pid, version=version, agency_id="ag-1", status=status)

    docs = await fold_all(
        Roster(),
        [
            state("p-1", 1, r.PractitionerStatus.APPLIED),
            state("p-2", 1, r.PractitionerStatus.APPLIED),
            state("p-1", 2, r.PractitionerStatus.APPROVED),
            state("p-2", 2, r.PractitionerStatus.REFUSED),
            state("p-1", 1, r.PractitionerStatus.APPLIED),  # late replay
        ],
    )
    assert list(docs) == ["agency:ag-1"] and members(docs["agency:ag-1"]) == {"p-1": 2}


async def test_reg03_a_lead_change_moves_the_project_from_the_old_leads_document_to_the_new_one() -> None:
    events = [
        team_state(1, None),  # refused first attempt: no lead, nobody's load
        team_state(2, "p-a"),
        team_state(2, "p-a", project="prj-2"),
        team_state(3, "p-b", former=("p-a",)),
    ]
    docs = await fold_all(LeadProjects(), events)
    assert members(docs["lead:p-a"]) == {"prj-2": 2} and members(docs["lead:p-b"]) == {"prj-1": 3}
    # An older state delivered again after the newer ones is ignored.
    assert await fold_all(LeadProjects(), [*events, team_state(2, "p-a")]) == docs
    # Changed back: a lead listed among the former leads leads again.
    back = await fold_all(LeadProjects(), [*events, team_state(4, "p-a", former=("p-a", "p-b"))])
    assert members(back["lead:p-a"]) == {"prj-1": 4, "prj-2": 2} and members(back["lead:p-b"]) == {}


async def test_reg03_an_agency_s_leads_document_holds_every_lead_s_projects_in_one_place() -> None:
    events = [
        team_state(1, None),
        team_state(2, "p-a"),
        team_state(2, "p-a", project="prj-2"),
        team_state(3, "p-b", former=("p-a",)),
    ]
    docs = await fold_all(AgencyLeads(), events)
    assert members(docs["agency:ag-1"]) == {"p-a|prj-2": 2, "p-b|prj-1": 3}
    assert await fold_all(AgencyLeads(), [*events, team_state(2, "p-a")]) == docs  # older, late: ignored
    # A team event published before TeamStateChanged carried its agency is not routed anywhere.
    old = team_state(2, "p-c").model_copy(update={"agency_id": None})
    assert list(AgencyLeads().keys(cast(Any, None), old)) == []


def test_an_item_is_kept_once_at_its_newest_version_and_a_tombstone_keeps_the_version() -> None:
    doc = with_item(None, "x", 2, {"a": 1})
    assert doc is not None and with_item(doc, "x", 2, {"a": 9}) is None and with_item(doc, "x", 1, None) is None
    gone = with_item(doc, "x", 3, None)
    assert gone == {"items": [{"id": "x", "version": 3, "member": False}]}
    assert with_item(gone, "x", 2, {"a": 1}) is None  # cannot come back with an older state


def test_xc09_state_events_carry_no_identity_and_are_not_reported_as_the_commands_events(
    person: Any, agency: Any
) -> None:
    p: Practitioner = person("p-1")
    event = state_event(p, 3)
    assert event == r.PractitionerStateChanged(
        practitioner_id="p-1", version=3, agency_id="ag-1", status=r.PractitionerStatus.APPROVED
    )
    assert p.identity.id_number_hash not in event.model_dump_json() and "identity" not in event.model_dump()
    admitted = state_event(agency("ag-1"), 2)
    assert isinstance(admitted, r.AgencyStateChanged) and admitted.status is r.AgencyStatus.ADMITTED
    team = Team.first_attempt(project_id="prj-1", agency_id="ag-1", insurer_id="ins-1")
    assert state_event(team, 1) == team_state(1, None)
    done = r.TeamAssigned(project_id="prj-1", agency_id="ag-1", insurer_id="ins-1", lead_id="p-1", member_ids=())
    assert business_events([done, team_state(1, "p-1")]) == (done,)
