"""The risk service's read models: each question as documents read by ``_id`` (anju_kit.views).

* ``risk.project_facts`` — what a command needs to know of its project from the other services: the
  insurer and participants (policy ``ProjectRegistered``) and the agency and team that staff it
  (registry ``TeamAssigned``, ``LeadChanged``, ``TeamStateChanged``). One document per project.
* ``risk.by_agency`` — an agency's projects (XC-05), listing ``<agency>`` in bounded pages
  (anju_kit.listing) with the team's status as tally.
* ``risk.issues`` — a project's issues by status (open, rectified, closed), listing ``<project>`` in
  bounded pages, folded from ``risk.RiskIssueStateChanged`` (event-carried state, highest version wins).
* ``risk.units`` — one household, one file (XC-03): each unit's special-inspection results (分户验收,
  预看房) from ``risk.SpecialInspectionCompleted``, one document per unit read by ``_id``.
* ``risk.hazards`` — a project's hazards by status, listing ``<project>`` in bounded pages, folded from
  ``risk.HazardStateChanged`` (event-carried state, highest version wins; SAF-03).
* ``risk.safety_coverage`` — each quarter's coverage of the projects' risk sources (SAF-02), listing
  ``<quarter>`` (the regulator's region) and ``<agency>:<quarter>`` (an agency's projects) in bounded
  pages with ``covered`` / ``uncovered`` as tally, folded from ``risk.SafetyQuarterRecorded``.
* ``risk.agency_issues`` — an agency's issues across its projects by status, listing ``<agency>`` in
  bounded pages (item ``<project>:<issue>``), folded from ``risk.RiskIssueStateChanged``: the agency's
  open ones without reading its projects one by one (issue #10); a project's change of agency moves its
  issues to the new agency's listing (the old one tallies them ``reassigned``).
* ``risk.serious_by_region`` / ``risk.serious_by_insurer`` — the serious issues by status, listing
  ``<region>`` (the regulator's page: RSK-07 seals no final report over an open one) and ``<insurer>``
  (an insurer's own, XC-05), folded from the same events; general issues never enter them.
* ``risk.issue_history`` — one issue's whole history (RSK-04, RSK-05), one document per issue
  (``<project>:<issue>``): as raised with its evidence, every rectification round with the unit's note and
  before/after evidence, each round's review (sent back with a new deadline, or closed) with the agency's
  comment, and the issue's latest state (highest version wins). The risk file keeps only a compact record
  of a closed issue, so this is where its rounds are read; folded from ``risk.RiskIssueRaised``,
  ``RiskIssueStateChanged``, ``RectificationSubmitted``, ``RectificationSentBack`` and ``RiskIssueClosed``.
* ``risk.due`` — the legal clock's due index: opened obligations by due hour (kit.due.DueHours), each
  naming the project's risk file (the events' key) as the aggregate to look at.

Each document has one writer (the partition key's), so no atomic update is needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from anju_contracts import Envelope, topics
from anju_contracts import registry as reg
from anju_contracts import risk as r
from anju_contracts import safety as sf
from anju_contracts import underwriting as u
from anju_contracts.base import Event
from anju_contracts.common import EvidenceRef, ObligationOpened
from anju_contracts.policy import ProjectStage
from anju_kit.due import DueHours
from anju_kit.listing import PAGE_SIZE, keep_listed, location_id, read_listed, tallies
from anju_kit.mongo import Doc
from anju_kit.ports import ViewReads
from anju_kit.views import AS_OF, Docs, View
from anju_risk.domain.safety_reports import key_of

ALL = "all"  # one bucket: a project's issues and an agency's projects are listings too small for months
OPEN_TALLIES = (r.IssueStatus.OPEN.value, r.IssueStatus.RECTIFIED.value)  # not closed (销项)
REASSIGNED = "reassigned"  # an agency's issue of a project that changed agency since (risk.agency_issues)


class ProjectFactsView(View):
    name = "risk.project_facts"
    sources = (topics.POLICY.events, topics.REGISTRY.events)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if isinstance(event, u.ProjectRegistered | reg.TeamAssigned | reg.LeadChanged | reg.TeamStateChanged):
            return [event.project_id]
        if isinstance(event, u.StageAdvanced) and event.stage is ProjectStage.COMPLETION_ACCEPTANCE:
            return [event.project_id]
        return []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        doc = dict(await docs.get(key) or {})
        match event:
            case u.ProjectRegistered():
                doc["insurer_id"] = event.insurer_id
                doc["participants"] = {p.organisation_id: p.role.value for p in event.participants}
            case reg.TeamAssigned():
                doc.setdefault("insurer_id", event.insurer_id)
                doc.update(
                    agency_id=event.agency_id,
                    lead_id=event.lead_id,
                    member_ids=sorted(set(event.member_ids)),
                    team_status=reg.TeamStatus.ACTIVE.value,
                )
            case u.StageAdvanced():
                doc["completed_on"] = event.on.isoformat()  # SAF-05: retention counts from completion
            case reg.LeadChanged():
                doc.update(agency_id=event.agency_id, lead_id=event.new_lead_id)
            case reg.TeamStateChanged():
                if int(doc.get("team_version", 0)) >= event.version:
                    return  # an older standing arriving late changes nothing
                doc.update(team_version=event.version, team_status=event.status.value, lead_id=event.lead_id)
                if event.agency_id is not None:
                    doc["agency_id"] = event.agency_id
        docs.put(key, doc)


class AgencyProjects(View):
    name = "risk.by_agency"
    sources = (topics.REGISTRY.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if isinstance(event, reg.TeamAssigned | reg.TeamStateChanged) and event.agency_id:
            return [event.agency_id]
        return []

    def reads(self, key: str, event: Event) -> Iterable[str]:
        return (
            [location_id(key, event.project_id)] if isinstance(event, reg.TeamAssigned | reg.TeamStateChanged) else []
        )

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, reg.TeamAssigned | reg.TeamStateChanged)
        item: dict[str, Any]
        if isinstance(event, reg.TeamAssigned):  # no version: below any TeamStateChanged of the team
            item = {"project_id": event.project_id, "insurer_id": event.insurer_id, "lead_id": event.lead_id}
            status, version = reg.TeamStatus.ACTIVE.value, 0
        else:
            item = {"project_id": event.project_id, "lead_id": event.lead_id}
            status, version = event.status.value, event.version
        await keep_listed(
            docs, listing=key, bucket=ALL, item_id=event.project_id, version=version, tally=status, item=item
        )


class ProjectIssues(View):
    name = "risk.issues"
    sources = (topics.RISK.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        return [event.project_id] if isinstance(event, r.RiskIssueStateChanged) else []

    def reads(self, key: str, event: Event) -> Iterable[str]:
        return [location_id(key, event.issue_id)] if isinstance(event, r.RiskIssueStateChanged) else []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, r.RiskIssueStateChanged)
        item = event.model_dump(mode="json", exclude={"version"})
        await keep_listed(
            docs,
            listing=key,
            bucket=ALL,
            item_id=event.issue_id,
            version=event.version,
            tally=event.status.value,
            item=item,
        )


def issue_key(project_id: str, issue_id: str) -> str:
    """An issue across projects: ``:`` is in no identifier, so the pair is unambiguous."""
    return f"{project_id}:{issue_id}"


def issue_item_id(event: r.RiskIssueStateChanged) -> str:
    """An issue's id in a listing across projects (see :func:`issue_key`)."""
    return issue_key(event.project_id, event.issue_id)


class _IssuesAcrossProjects(View):
    """Issues of many projects on one listing, by status: the partition key (an agency, the region, an
    insurer) comes from the event, the item is ``<project>:<issue>`` and the highest file version wins."""

    sources = (topics.RISK.events,)

    def key_of(self, envelope: Envelope, event: r.RiskIssueStateChanged) -> str | None:
        raise NotImplementedError

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if not isinstance(event, r.RiskIssueStateChanged):
            return []
        key = self.key_of(envelope, event)
        return [key] if key else []

    def reads(self, key: str, event: Event) -> Iterable[str]:
        return [location_id(key, issue_item_id(event))] if isinstance(event, r.RiskIssueStateChanged) else []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, r.RiskIssueStateChanged)
        await self.keep(docs, key, event, event.status.value)

    @staticmethod
    async def keep(docs: Docs, key: str, event: r.RiskIssueStateChanged, tally: str) -> None:
        await keep_listed(
            docs,
            listing=key,
            bucket=ALL,
            item_id=issue_item_id(event),
            version=event.version,
            tally=tally,
            item=event.model_dump(mode="json", exclude={"version", "previous_agency_id"}),
        )


class AgencyIssues(_IssuesAcrossProjects):
    """An agency's issues across its projects (XC-05: its assigned projects), listing ``<agency>``.

    A state without an agency (recorded before any team was known) is listed under none. When a project
    changes agency, its file states every issue again naming the agency before (``previous_agency_id``):
    the new agency lists them, the old one moves each it held to the tally ``reassigned`` (off its open
    pages, still counted: the issue was its work once). The highest version wins in each listing, so a
    late older state never lists an issue back under the agency that lost it."""

    name = "risk.agency_issues"

    def key_of(self, envelope: Envelope, event: r.RiskIssueStateChanged) -> str | None:
        return event.agency_id

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if not isinstance(event, r.RiskIssueStateChanged):
            return []
        return [k for k in (event.agency_id, event.previous_agency_id) if k]

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, r.RiskIssueStateChanged)
        if key == event.agency_id:
            await self.keep(docs, key, event, event.status.value)
        elif await docs.get(location_id(key, issue_item_id(event))) is not None:
            await self.keep(docs, key, event, REASSIGNED)
        # else: the agency before never listed it, so there is nothing to take off its pages


class SeriousByRegion(_IssuesAcrossProjects):
    """The region's serious issues (the regulator sees its whole region, XC-05; RSK-07), listing
    ``<region>``: the service runs per region, as policy's and claims' region listings are keyed."""

    name = "risk.serious_by_region"

    def key_of(self, envelope: Envelope, event: r.RiskIssueStateChanged) -> str | None:
        return envelope.region if event.severity is r.IssueSeverity.SERIOUS else None  # severity never changes


class SeriousByInsurer(_IssuesAcrossProjects):
    """An insurer's serious issues (its own business only, XC-05), listing ``<insurer>``: the projects
    whose final report it may not seal yet (RSK-07)."""

    name = "risk.serious_by_insurer"

    def key_of(self, envelope: Envelope, event: r.RiskIssueStateChanged) -> str | None:
        return event.insurer_id if event.severity is r.IssueSeverity.SERIOUS else None


HISTORY_EVENTS = (
    r.RiskIssueRaised,
    r.RiskIssueStateChanged,
    r.RectificationSubmitted,
    r.RectificationSentBack,
    r.RiskIssueClosed,
)
AS_RAISED = ("severity", "location", "part", "process_id", "responsible_unit_id")  # never change
STATE = ("status", "description", "rectify_by", "agency_id", "insurer_id")  # the latest state's
CLOSING = "_closing"  # the close's comment and who: settled onto the last round (not answered)


class IssueHistory(View):
    """RSK-04, RSK-05: an issue's whole history, one document per issue (``<project>:<issue>``).

    A fold is idempotent (a record delivered twice, or the relay publishing one again, changes nothing):
    the raise and the close are set, not appended; a state older than the one kept is ignored (highest
    version wins); rounds are kept by round number, a submission and its review merged into one entry
    whichever comes first. ``RiskIssueClosed`` names no round: the close is kept aside and settled onto
    the last round on every fold, so a round folded after the close (a rebuild out of order) still gets it.
    An issue has a handful of rounds, so its document stays small (each round's evidence ≤ 2 × 50 refs)."""

    name = "risk.issue_history"
    sources = (topics.RISK.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        return [issue_key(event.project_id, event.issue_id)] if isinstance(event, HISTORY_EVENTS) else []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, HISTORY_EVENTS)
        doc = dict(await docs.get(key) or {"project_id": event.project_id, "issue_id": event.issue_id})
        rounds = {int(one["round"]): dict(one) for one in doc.get("rounds", [])}
        step = {"at": envelope.occurred_at.isoformat(), "by": envelope.actor.id}
        match event:
            case r.RiskIssueRaised():
                doc.update(event.model_dump(mode="json", include=set(AS_RAISED)))
                doc["raised"] = {
                    **step,
                    "rectify_by": event.rectify_by.isoformat(),
                    "evidence": _refs(event.evidence),
                }
            case r.RiskIssueStateChanged():
                if int(doc.get("version", 0)) >= event.version:
                    return  # an older (or the same) state arriving late changes nothing
                state = event.model_dump(mode="json", include={*AS_RAISED, *STATE})
                for name in AS_RAISED:  # the raise says them too; a state folded first shows them already
                    doc.setdefault(name, state[name])
                doc.update({name: state[name] for name in STATE}, version=event.version)
            case r.RectificationSubmitted():
                rounds.setdefault(event.round, {"round": event.round}).update(
                    note=event.note,
                    before=_refs(event.before),
                    after=_refs(event.after),
                    submitted_at=step["at"],
                    submitted_by=step["by"],
                )
            case r.RectificationSentBack():
                rounds.setdefault(event.round, {"round": event.round})["review"] = {
                    "decision": r.ReviewDecision.SEND_BACK.value,
                    "comment": event.comment,
                    "rectify_by": event.rectify_by.isoformat(),
                    **step,
                }
            case r.RiskIssueClosed():
                doc["closed_at"] = event.closed_at.isoformat()
                doc[CLOSING] = {"comment": event.comment, "at": doc["closed_at"], "by": step["by"]}
        doc["rounds"] = _settled(rounds, doc.get(CLOSING))
        docs.put(key, doc)


def _refs(evidence: Iterable[EvidenceRef]) -> list[Doc]:
    return [ref.model_dump(mode="json") for ref in evidence]


def _settled(rounds: dict[int, Doc], closing: Doc | None) -> list[Doc]:
    """The rounds in order, the close (if any) as the last round's review: only the last one can hold it,
    and a round sent back keeps its own review (a close folded before a later round's submission waits)."""
    ordered = [rounds[n] for n in sorted(rounds)]
    for one in ordered:
        if one.get("review", {}).get("decision") == r.ReviewDecision.CLOSE.value:
            del one["review"]  # copies (fold's): set again below when still the last round
    if closing is not None and ordered and "review" not in ordered[-1]:
        ordered[-1]["review"] = {"decision": r.ReviewDecision.CLOSE.value, **closing}
    return ordered


class RiskDue(DueHours):
    """Opened obligations by due hour. An issue's obligation names the issue as its subject, but the
    aggregate the sweeper loads is the project's risk file: the events are keyed by it."""

    def __init__(self) -> None:
        super().__init__("risk", topics.RISK.events)

    def aggregate_of(self, envelope: Envelope, event: ObligationOpened) -> str:
        return envelope.key or event.subject.id


class UnitInspections(View):
    """A unit's inspections (XC-03): a handful per unit over the building's life, kept in its document."""

    name = "risk.units"
    sources = (topics.RISK.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if isinstance(event, r.SpecialInspectionCompleted):
            return list(dict.fromkeys(f.unit_id for f in event.findings))
        return []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, r.SpecialInspectionCompleted)
        doc = await docs.get(key) or {"unit_id": key, "inspections": []}
        entries = [
            e
            for e in doc["inspections"]
            if (e["project_id"], e["inspection_id"]) != (event.project_id, event.inspection_id)
        ]
        for finding in event.findings:
            if finding.unit_id == key:
                entries.append(
                    {
                        "project_id": event.project_id,
                        "inspection_id": event.inspection_id,
                        "kind": event.kind.value,
                        "completed_on": event.completed_on.isoformat(),
                        "building": finding.building,
                        "result": finding.result.value,
                        "note": finding.note,
                    }
                )
        docs.put(key, {**doc, "inspections": entries})


class ProjectHazards(View):
    """SAF-03: a project's hazards by status (open, rectified, closed), listing ``<project>``."""

    name = "risk.hazards"
    sources = (topics.RISK.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        return [event.project_id] if isinstance(event, sf.HazardStateChanged) else []

    def reads(self, key: str, event: Event) -> Iterable[str]:
        return [location_id(key, event.hazard_id)] if isinstance(event, sf.HazardStateChanged) else []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, sf.HazardStateChanged)
        item = event.model_dump(mode="json", exclude={"version"})
        await keep_listed(
            docs,
            listing=key,
            bucket=ALL,
            item_id=event.hazard_id,
            version=event.version,
            tally=event.status.value,
            item=item,
        )


class SafetyCoverage(View):
    """SAF-02: which projects have a quarter not covered yet, and what is still unchecked."""

    name = "risk.safety_coverage"
    sources = (topics.RISK.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if isinstance(event, sf.SafetyQuarterRecorded):
            return [event.quarter, f"{event.agency_id}:{event.quarter}"]
        return []

    def reads(self, key: str, event: Event) -> Iterable[str]:
        return [location_id(key, event.project_id)] if isinstance(event, sf.SafetyQuarterRecorded) else []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, sf.SafetyQuarterRecorded)
        covered = (
            event.level_1_2_unchecked == 0
            and event.inspections >= event.inspections_required
            and event.full_coverage >= event.full_coverage_required
        )
        item = {
            "project_id": event.project_id,
            "agency_id": event.agency_id,
            "unchecked_source_ids": list(event.unchecked_source_ids),
            "inspections_missing": max(0, event.inspections_required - event.inspections),
            "full_coverage_missing": max(0, event.full_coverage_required - event.full_coverage),
        }
        await keep_listed(
            docs,
            listing=key,
            bucket=ALL,
            item_id=event.project_id,
            version=event.version,
            tally=COVERED if covered else UNCOVERED,
            item=item,
        )


class AgencyHazards(View):
    """SAF-04 per agency: the hazards an agency found in a period, across its projects, by status —
    listing ``<agency>:<period>`` for the month, the quarter and the year of the finding's day, and beside
    it ``<agency>:<period>:<insurer>`` with the projects of one insurer only (XC-05: an insurer's copy).

    The insurer's own listing is a listing of its own, not a filter over the agency's pages: a filtered
    page would be short, its total and counts would tell the insurer of other insurers' hazards, and past
    the first pages its own would be missed. Version 2 added it (the view is rebuilt from the events)."""

    name = "risk.agency_hazards"
    version = 2
    sources = (topics.RISK.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if not isinstance(event, sf.HazardStateChanged) or event.agency_id is None or event.found_on is None:
            return []  # a state recorded before the fields existed: the project's own report still lists it
        periods = [key_of(period, event.found_on) for period in sf.ReportPeriod]
        listings = [agency_listing(event.agency_id, period) for period in periods]
        if event.insurer_id is not None:
            listings += [agency_listing(event.agency_id, period, event.insurer_id) for period in periods]
        return listings

    def reads(self, key: str, event: Event) -> Iterable[str]:
        return [location_id(key, self._item_id(event))] if isinstance(event, sf.HazardStateChanged) else []

    @staticmethod
    def _item_id(event: Event) -> str:
        assert isinstance(event, sf.HazardStateChanged)
        return f"{event.project_id}.{event.hazard_id}"

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, sf.HazardStateChanged)
        await keep_listed(
            docs,
            listing=key,
            bucket=ALL,
            item_id=self._item_id(event),
            version=event.version,
            tally=event.status.value,
            item=event.model_dump(mode="json", exclude={"version"}),
        )


COVERED, UNCOVERED = "covered", "uncovered"
FACTS = ProjectFactsView()
BY_AGENCY = AgencyProjects()
ISSUES = ProjectIssues()
DUE = RiskDue()
UNITS = UnitInspections()
SAFETY_COVERAGE = SafetyCoverage()
HAZARDS = ProjectHazards()
AGENCY_HAZARDS = AgencyHazards()
AGENCY_ISSUES = AgencyIssues()
SERIOUS_BY_REGION = SeriousByRegion()
SERIOUS_BY_INSURER = SeriousByInsurer()
ISSUE_HISTORY = IssueHistory()
VIEWS: tuple[View, ...] = (
    FACTS,
    BY_AGENCY,
    ISSUES,
    DUE,
    UNITS,
    SAFETY_COVERAGE,
    HAZARDS,
    AGENCY_HAZARDS,
    AGENCY_ISSUES,
    SERIOUS_BY_REGION,
    SERIOUS_BY_INSURER,
    ISSUE_HISTORY,
)


# -- reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list[Doc]
    total: int
    counts: dict[str, int]
    as_of: Doc | None


async def read_issues(
    store: ViewReads,
    project_id: str,
    *,
    statuses: Iterable[str] = OPEN_TALLIES,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Page:
    """A project's issues in ``statuses`` (default: not closed), reading only the pages shown."""
    head = await store.get(project_id) or {}
    shown = await read_listed(store, project_id, head, bucket=ALL, tallies_wanted=statuses, offset=offset, limit=limit)
    items = [{k: v for k, v in i.items() if k not in ("version", "tally", "id")} for i in shown.items]
    return Page(items, shown.total, tallies(head).get(ALL, {}), head.get(AS_OF))


async def read_agency_projects(store: ViewReads, agency_id: str, *, offset: int = 0, limit: int = PAGE_SIZE) -> Page:
    head = await store.get(agency_id) or {}
    wanted = [reg.TeamStatus.ACTIVE.value]
    shown = await read_listed(store, agency_id, head, bucket=ALL, tallies_wanted=wanted, offset=offset, limit=limit)
    items: list[dict[str, Any]] = [{"project_id": i["project_id"], "lead_id": i.get("lead_id")} for i in shown.items]
    return Page(items, shown.total, tallies(head).get(ALL, {}), head.get(AS_OF))


async def read_safety_coverage(
    store: ViewReads, listing: str, *, statuses: Iterable[str], offset: int = 0, limit: int = PAGE_SIZE
) -> Page:
    """A quarter's projects (the region's, or ``<agency>:<quarter>``) by coverage, reading the pages shown."""
    head = await store.get(listing) or {}
    shown = await read_listed(store, listing, head, bucket=ALL, tallies_wanted=statuses, offset=offset, limit=limit)
    items = [{k: v for k, v in i.items() if k not in ("version", "tally", "id")} for i in shown.items]
    return Page(items, shown.total, tallies(head).get(ALL, {}), head.get(AS_OF))


def agency_listing(agency_id: str, period_key: str, insurer_id: str | None = None) -> str:
    """``<agency>:<period>``, or ``<agency>:<period>:<insurer>`` for one insurer's projects (ids hold no ':')."""
    return f"{agency_id}:{period_key}" if insurer_id is None else f"{agency_id}:{period_key}:{insurer_id}"


async def read_agency_hazards(
    store: ViewReads,
    agency_id: str,
    period_key: str,
    *,
    statuses: Iterable[str],
    insurer_id: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Page:
    """An agency's hazards of a period (``risk.agency_hazards``) in ``statuses`` — of one insurer's projects
    only when ``insurer_id`` is given — reading the pages shown."""
    listing = agency_listing(agency_id, period_key, insurer_id)
    return await read_issues(store, listing, statuses=statuses, offset=offset, limit=limit)


async def read_agency_issues(
    store: ViewReads,
    agency_id: str,
    *,
    statuses: Iterable[str] = OPEN_TALLIES,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Page:
    """An agency's issues across its projects (``risk.agency_issues``) in ``statuses`` (default: not
    closed), reading only the pages shown."""
    return await read_issues(store, agency_id, statuses=statuses, offset=offset, limit=limit)


async def read_serious_issues(
    store: ViewReads,
    listing: str,
    *,
    statuses: Iterable[str] = OPEN_TALLIES,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Page:
    """The serious issues of a region or an insurer (``risk.serious_by_region`` / ``_by_insurer``) in
    ``statuses`` (default: not closed, what RSK-07 seals no final report over), reading the pages shown."""
    return await read_issues(store, listing, statuses=statuses, offset=offset, limit=limit)


async def read_issue_history(store: ViewReads, project_id: str, issue_id: str) -> Doc | None:
    """An issue's whole history (``risk.issue_history``) by one ``_id`` read, with the view's freshness as
    ``as_of``; None when no event of it was folded (the caller answers 404)."""
    doc = await store.get(issue_key(project_id, issue_id))
    if doc is None:
        return None
    shown = {k: v for k, v in doc.items() if not k.startswith("_")}  # _id, the writer's head, the close aside
    return {**shown, "as_of": doc.get(AS_OF)}
