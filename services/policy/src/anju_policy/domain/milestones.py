"""Milestones after construction (POL-09, POL-10, POL-13, RSK-07, CLM-10) and the project's overdue
obligations (XC-02). Pure functions over the project aggregate; they record its events.

* Completion acceptance only once the final risk report is sealed (RSK-07, learnt from the risk service).
* Completion filing (竣工备案) starts the contractor's warranty (CLM-10, region years) and so fixes the
  start of the insurance liability period; ``LiabilityPeriodStarted`` carries each building part's
  coverage from the region file (POL-13) for claims. It opens the insurer's obligations:
  - POL-10 the user notice and coverage statement to the builder, uploaded within N working days;
  - POL-09 the joint quality inspection and claims briefing (minutes) at least M months before
    liability starts, and the announcement to all owners at least K months before.
  The revisit notice is signed at the first revisit by builder, contractor and property manager (POL-10).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from anju_contracts import ReasonCode, Role
from anju_contracts import underwriting as u
from anju_contracts.base import Event
from anju_contracts.common import FailedCondition, PartyRef, SubjectRef
from anju_contracts.policy import (
    BuildingPart,
    CoveragePeriod,
    LiabilityPeriodStarted,
    ProjectStage,
    UnitOwnersChanged,
)
from anju_contracts.risk import FinalReportSealed
from anju_kit.calendar import Deadline, end_of_day, shanghai_day
from anju_kit.deadlines import LegalClock, ObligationParties, latest, take_overdue
from anju_policy.domain.errors import PolicyError, failed, invalid_state, refuse_if
from anju_policy.domain.milestones_state import FinalReport, Step
from anju_policy.domain.owners import UnitOwner
from anju_policy.domain.project import OBLIGATION_EVENTS, Project
from anju_policy.domain.rules import PolicyRules

S = u.MilestoneStep
USER_DOCUMENTS = "deliver_user_documents"  # POL-10
JOINT_INSPECTION = "joint_inspection_and_claims_briefing"  # POL-09
ANNOUNCEMENT = "announce_to_all_owners"  # POL-09
OBLIGATION_OF_STEP = {
    S.USER_DOCUMENTS_DELIVERED: USER_DOCUMENTS,
    S.JOINT_INSPECTION_HELD: JOINT_INSPECTION,
    S.OWNERS_ANNOUNCED: ANNOUNCEMENT,
}
NEEDS_DOCUMENT = frozenset({S.JOINT_INSPECTION_HELD, S.OWNERS_ANNOUNCED, S.REVISIT_NOTICE_SIGNED})
REVISIT_SIGNERS = frozenset(u.RevisitSigner)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def clock(project: Project, at: datetime, creditor: PartyRef | None = None) -> LegalClock:
    def parties() -> ObligationParties | None:
        if project.policy_id is None:
            return None
        return ObligationParties(
            debtor=PartyRef(role=Role.INSURER, id=project.insurer_id),
            creditor=creditor or PartyRef(role=Role.REGULATOR, id=project.region),
            subject=SubjectRef(kind="policy", id=project.policy_id),
        )

    return LegalClock(project.deadlines, at=at, parties=parties, events=OBLIGATION_EVENTS, record=project._record)


# -- the final report (RSK-07) and the stages (POL-09) --------------------------------------------------


def final_report_sealed(project: Project, event: FinalReportSealed) -> None:
    if project.milestones.final_report is not None:
        return
    project.milestones.final_report = FinalReport(
        key=event.report_key, sha256=event.report_sha256, sealed_at=event.sealed_at
    )
    project._record(
        u.MilestoneRecorded(
            project_id=project.project_id,
            step=S.FINAL_REPORT_SEALED,
            on=shanghai_day(event.sealed_at),
            document_key=event.report_key,
            document_sha256=event.report_sha256,
        )
    )


def advance(project: Project, cmd: u.AdvanceStage, rules: PolicyRules, *, at: datetime) -> None:
    """A stage with the milestones' conditions; completion filing does its work (see the module)."""
    if cmd.stage == project.stage and project.stage_dates.get(cmd.stage) == cmd.on:
        return
    if cmd.stage is ProjectStage.COMPLETION_ACCEPTANCE and project.milestones.final_report is None:
        refuse_if(
            [
                failed(
                    "RSK-07",
                    "NO_SEALED_FINAL_REPORT",
                    "completion acceptance needs the sealed final risk assessment report",
                    "stage",
                )
            ]
        )
    if cmd.stage is ProjectStage.COMPLETION_FILING:
        file_completion(project, cmd.on, rules, at=at)
        return
    if cmd.stage is ProjectStage.LIABILITY_PERIOD:
        starts = project.milestones.liability_starts_on
        if starts is None or cmd.on < starts:
            raise PolicyError(
                ReasonCode.RULE_VIOLATION,
                "the liability period starts after the contractor's warranty (POL-09)",
                rule_id="POL-09",
                field="on",
            )
    project.advance(cmd.stage, cmd.on)


def file_completion(project: Project, on: date, rules: PolicyRules, *, at: datetime) -> None:
    if project.stage is not ProjectStage.COMPLETION_ACCEPTANCE:
        raise invalid_state("completion filing follows completion acceptance", rule_id="POL-09", field="stage")
    if project.policy_id is None:
        raise invalid_state("no policy is issued on this project", rule_id="POL-06")
    years, by_part = rules.contractor_warranty_years, rules.coverage_years
    if years is None or by_part is None:
        raise PolicyError(ReasonCode.RULE_VIOLATION, "the region sets no liability period", rule_id="XC-06")
    project.advance(ProjectStage.COMPLETION_FILING, on)
    project.advance(ProjectStage.CONTRACTOR_WARRANTY, on)
    starts = add_years(on, years)
    warranty_end = starts - timedelta(days=1)
    ms = project.milestones
    ms.completion_filed_on, ms.contractor_warranty_end, ms.liability_starts_on = on, warranty_end, starts
    contractor = next((p.organisation_id for p in project.participants if p.role is u.ParticipantRole.CONTRACTOR), None)
    project._record(
        LiabilityPeriodStarted(
            policy_id=project.policy_id,
            project_id=project.project_id,
            liability_starts_on=starts,
            contractor_id=contractor,
            contractor_warranty_end=warranty_end,
            coverage=tuple(
                CoveragePeriod(
                    part=part, starts_on=starts, ends_on=add_years(starts, by_part[part]) - timedelta(days=1)
                )
                for part in BuildingPart
            ),
        )
    )
    builder = PartyRef(role=Role.BUILDER, id=project.builder_id or project.project_id)
    clock(project, at, builder).open(
        rules.calendar.add_working_days(on, rules.upload_working_days, rule_id="POL-10"), USER_DOCUMENTS
    )
    for months, obligation in (
        (rules.joint_inspection_months, JOINT_INSPECTION),
        (rules.announcement_months, ANNOUNCEMENT),
    ):
        if months is not None:
            last = months_before(starts, months)
            due = Deadline(rule_id="POL-09", due_at=end_of_day(last), last_day=last, calendar_estimated=False)
            clock(project, at).open(due, obligation)


# -- the steps after filing (POL-09, POL-10) ---------------------------------------------------------------


def record_step(project: Project, cmd: u.RecordMilestone, *, at: datetime, document_key: str | None = None) -> None:
    """``document_key``: a document the service made itself (the POL-10 PDFs), else the one cited."""
    if cmd.step in project.milestones.steps:
        return
    if cmd.step is S.FINAL_REPORT_SEALED:
        raise invalid_state("the final report is announced by the risk service (RSK-07)", field="step")
    if project.milestones.completion_filed_on is None:
        raise invalid_state("this milestone follows completion filing", rule_id="POL-09", field="step")
    failures = []
    if cmd.step in NEEDS_DOCUMENT and cmd.document is None:
        failures.append(failed("POL-09", "DOCUMENT_MISSING", "upload the minutes, announcement or notice", "document"))
    if cmd.step is S.REVISIT_NOTICE_SIGNED and set(cmd.signed_by) != REVISIT_SIGNERS:
        failures.append(
            failed("POL-10", "NOT_SIGNED_BY_ALL", "builder, contractor and property manager sign it", "signed_by")
        )
    refuse_if(failures)
    key = document_key or (cmd.document.key if cmd.document else None)
    sha = cmd.document.sha256 if cmd.document else None
    project.milestones.steps[cmd.step] = Step(on=cmd.on, document_key=key, document_sha256=sha)
    project._record(
        u.MilestoneRecorded(
            project_id=project.project_id, step=cmd.step, on=cmd.on, document_key=key, document_sha256=sha
        )
    )
    obligation = OBLIGATION_OF_STEP.get(cmd.step)
    deadline = latest(project.deadlines, obligation, "open") if obligation else None
    if deadline is not None:
        creditor = PartyRef(role=Role.BUILDER, id=project.builder_id or project.project_id)
        clock(project, at, creditor if obligation == USER_DOCUMENTS else None).meet(deadline, on=cmd.on)


# -- overdue (XC-02) -------------------------------------------------------------------------------------


def fire_overdue(project: Project, now: datetime) -> list[Event]:
    """``ObligationOverdue`` once for each obligation passed unmet by ``now`` (recorded on the project)."""
    events: list[Event] = []
    for deadline in take_overdue(project.deadlines, now):
        n = sum(
            1 for d in project.deadlines[: project.deadlines.index(deadline) + 1] if d.obligation == deadline.obligation
        )
        event = u.ObligationOverdue(
            project_id=project.project_id,
            obligation_id=f"policy.{project.policy_id}.{deadline.obligation}.{n}",
            obligation=deadline.obligation,
            rule_id=deadline.rule_id,
            due_at=deadline.due_at,
        )
        project._record(event)
        events.append(event)
    return events


# -- owners (CLM-01, XC-09) --------------------------------------------------------------------------------

DUPLICATE_UNIT = "DUPLICATE_UNIT"  # a batch names a unit twice


@dataclass(frozen=True)
class UnitSale:
    """One unit's buyers as protected for the domain (the full ID numbers were hashed and masked first)."""

    unit_id: str
    owners: list[UnitOwner]
    on: date


def set_owners(project: Project, unit_id: str, owners: list[UnitOwner], on: date) -> None:
    """One unit's owners; refused with the single command's own field (``unit_id``)."""
    refusal = _owners_refusal(project, unit_id, owners, field="unit_id")
    if refusal is not None:
        raise refusal
    _apply_owners(project, UnitSale(unit_id, owners, on))


def set_owners_of_units(project: Project, sales: Sequence[UnitSale], *, field: str = "entries") -> None:
    """Many units' owners in one change, all or nothing (the sales roster, 批量导入).

    Every entry is checked before any is applied, and the refusal names each refused entry by its place
    (``entries.3.unit_id``, the dotted paths of a validation error), never by the unit id it holds. When
    every refused entry fails the same way the batch answers as a single unit would (404 for unknown
    units, 409 before the policy is issued); a unit named twice, or a mix, is a 422 RULE_VIOLATION.
    """
    failures: list[FailedCondition] = []
    first: dict[str, int] = {}
    for i, sale in enumerate(sales):
        where = f"{field}.{i}.unit_id"
        if sale.unit_id in first:  # which buyers would win is the sender's to say, not ours to guess
            failures.append(failed("CLM-01", DUPLICATE_UNIT, f"the same unit as {field}.{first[sale.unit_id]}", where))
            continue
        first[sale.unit_id] = i
        refusal = _owners_refusal(project, sale.unit_id, sale.owners, field=where)
        if refusal is not None:
            failures.append(failed(refusal.rule_id or "CLM-01", refusal.reason_code, refusal.detail, where))
    if failures:
        codes = {f.code for f in failures}
        code = codes.pop() if len(codes) == 1 and DUPLICATE_UNIT not in codes else ReasonCode.RULE_VIOLATION
        detail = f"{len(failures)} of {len(sales)} entries refused; nothing was registered"
        raise PolicyError(code, detail, field=field, failures=failures)
    for sale in sales:
        _apply_owners(project, sale)


def _owners_refusal(project: Project, unit_id: str, owners: list[UnitOwner], *, field: str) -> PolicyError | None:
    """Why these owners cannot be registered on the unit, None when they can (or are there already)."""
    if unit_id not in {x.unit_id for x in project.units}:
        return PolicyError(ReasonCode.NOT_FOUND, "no such unit on this project", field=field)
    if _unchanged(project, unit_id, owners):
        return None
    if project.policy_id is None:
        return invalid_state("owners are registered on an issued policy", rule_id="CLM-01", field=field)
    return None


def _unchanged(project: Project, unit_id: str, owners: list[UnitOwner]) -> bool:
    return [o.owner_id for o in project.owners.get(unit_id, [])] == [o.owner_id for o in owners]


def _apply_owners(project: Project, sale: UnitSale) -> None:
    """Records ``UnitOwnersChanged`` only when the owners differ: the same roster again changes nothing."""
    if _unchanged(project, sale.unit_id, sale.owners):
        return
    assert project.policy_id is not None  # _owners_refusal refused it otherwise
    project.owners[sale.unit_id] = sale.owners
    project._record(
        UnitOwnersChanged(
            policy_id=project.policy_id,
            unit_id=sale.unit_id,
            owners=project.owner_refs(sale.unit_id),
            changed_on=sale.on,
        )
    )
