"""Who may see and change a project's risk file (XC-05). Pure: decided from the actor, the project's
facts (policy's insurer and participants, registry's team) and, for a rectification, the issue.

* insurer (or its core system) — its own projects: kick-off, sealing and filing the final report;
* practitioner — only the registry's team of the project acts for the agency (RSK-01): plan, reports,
  issues, reviews, processes; a practitioner of the same agency who is not on the team sees nothing;
* agency (the agency's own account) — reads its assigned projects, acts on none;
* participating unit (builder, contractor, supervisor … whose organisation is a participant) — reads
  the project; the responsible unit rectifies its issues; the supervisor accepts parts;
* regulator — reads every project of the region (the token's region is checked at the door);
* another Anju service (system without insurer) — reads everything.

A project an actor may not see is answered exactly like one that does not exist (no leak).
"""

from __future__ import annotations

from anju_contracts import Actor, ReasonCode, Role
from anju_contracts import risk as r
from anju_contracts import safety as sf
from anju_contracts.base import Command
from anju_contracts.underwriting import ParticipantRole
from anju_risk.domain import testing
from anju_risk.domain.errors import RiskError, forbidden, not_found
from anju_risk.domain.facts import ProjectFacts
from anju_risk.domain.risk_file import RiskFile

TEAM_COMMANDS: frozenset[type[Command]] = frozenset(
    {
        r.SubmitRiskPlan,
        r.UploadRiskReport,
        r.RaiseRiskIssue,
        r.ReviewRectification,
        r.RaiseRiskIssues,
        r.ReviewRectifications,
        r.CloseProcess,
        r.GenerateRiskReport,
        r.RecordRiskReportFiled,
        r.RaiseDesignIssue,
        r.ReviewDesignAnswer,
        r.CompleteSpecialInspection,
        r.ConfirmTestingPlan,
        r.CommissionTest,
        r.RecordTestResult,
        sf.SubmitSafetyPlan,
        sf.IdentifyRiskSources,
        sf.RecordSafetyInspection,
        sf.RaiseHazard,
        sf.ReportHazard,
        sf.ReviewHazardRectification,
        sf.ReportRectificationRefused,
        sf.RecordSafetyTraining,
        sf.RecordEmergencyDrill,
        sf.IssueSafetyReport,
    }
)
INSURER_COMMANDS: frozenset[type[Command]] = frozenset(
    {
        r.RecordKickoffBriefing,
        r.SealFinalReport,
        r.RecordReportFiled,
        r.RecordDrawingReviewCertificate,
        r.ScoreAgencyWork,
        r.RecordUnannouncedInspection,
        r.DeclareEmergency,
        r.RecordEmergencyAction,
        sf.ApproveRecordsDestruction,  # SAF-05: destruction needs the insurer's approval
    }
)
# The builder (建设单位) notifies special inspections, reports its acceptance tests and may record the
# drawing-review certificate; the designer answers its design issues; the lab reports on its tests.
BUILDER_COMMANDS: frozenset[type[Command]] = frozenset(
    {r.NotifySpecialInspection, r.RecordBuilderAcceptanceTests, r.RecordDrawingReviewCertificate}
)
UNIT_ROLES = (Role.BUILDER, Role.CONTRACTOR)  # a participating unit's users (设计 / 施工 / 监理 / 检测)


def acts_for_insurer(actor: Actor, facts: ProjectFacts) -> bool:
    return (
        actor.role in (Role.INSURER, Role.SYSTEM)
        and actor.insurer_id is not None
        and actor.insurer_id == facts.insurer_id
    )


def on_team(actor: Actor, facts: ProjectFacts) -> bool:
    """A practitioner of the assigned agency who is on the project's team (RSK-01, XC-05)."""
    return (
        actor.role is Role.PRACTITIONER
        and facts.agency_id is not None
        and actor.agency_id == facts.agency_id
        and actor.id in facts.team
    )


def unit_role(actor: Actor, facts: ProjectFacts) -> ParticipantRole | None:
    """The participant role of the actor's organisation on this project, if it is a participant."""
    return facts.role_of(actor.organisation_id) if actor.role in UNIT_ROLES else None


def can_read(actor: Actor, facts: ProjectFacts) -> bool:
    if not facts.known:
        return False
    if actor.role is Role.REGULATOR:
        return True
    if actor.role is Role.SYSTEM and actor.insurer_id is None:
        return True
    if actor.role is Role.AGENCY:
        return facts.team_active and actor.agency_id is not None and actor.agency_id == facts.agency_id
    return acts_for_insurer(actor, facts) or on_team(actor, facts) or unit_role(actor, facts) is not None


def check_read(actor: Actor, facts: ProjectFacts) -> None:
    if not can_read(actor, facts):
        raise not_found()


def reads_agency_listing(actor: Actor, agency_id: str) -> bool:
    """An agency's listings across its projects (its projects, its issues): the agency itself (its
    account or its practitioners), the regulator, another Anju service. Not an insurer: the listing
    holds other insurers' projects too (XC-05), and its own are on its serious-issues page."""
    own = actor.role in (Role.AGENCY, Role.PRACTITIONER) and actor.agency_id == agency_id
    return own or actor.role is Role.REGULATOR or (actor.role is Role.SYSTEM and actor.insurer_id is None)


def serious_listing_of(actor: Actor, region: str) -> tuple[str, str] | None:
    """Which serious-issues listing ``actor`` reads, as (``region`` or ``insurer``, listing key): the
    regulator (or another Anju service) the region's, an insurer (or its core system) its own (XC-05);
    None: none (an agency reads its issues by agency, a unit or an owner by project)."""
    if actor.role in (Role.INSURER, Role.SYSTEM) and actor.insurer_id is not None:
        return "insurer", actor.insurer_id
    if actor.role is Role.REGULATOR or actor.role is Role.SYSTEM:
        return "region", region
    return None


def check_rectifier(actor: Actor, facts: ProjectFacts, risk_file: RiskFile | None, cmd: r.SubmitRectifications) -> None:
    """RSK-05: a batch of rectifications only by the responsible unit of every issue in it; an unknown
    issue is NOT_FOUND and another unit's FORBIDDEN, named by its place (never by its id, XC-09)."""
    is_unit = unit_role(actor, facts) is not None
    for i, entry in enumerate(cmd.rectifications):
        issue = risk_file.issues.get(entry.issue_id) if risk_file else None
        if issue is None:
            raise RiskError("NOT_FOUND", "no such issue on this project", field=f"rectifications.{i}.issue_id")
        if not (is_unit and actor.organisation_id == issue.responsible_unit_id):
            raise RiskError(
                ReasonCode.FORBIDDEN,
                "only the responsible unit rectifies its issue (RSK-05)",
                field=f"rectifications.{i}.issue_id",
            )


def check_command(actor: Actor, facts: ProjectFacts, risk_file: RiskFile | None, command: Command) -> None:
    """NOT_FOUND when the actor may not see the project, FORBIDDEN when it may see but not act."""
    check_read(actor, facts)
    kind = type(command)
    if kind in INSURER_COMMANDS and acts_for_insurer(actor, facts):
        return
    if kind in TEAM_COMMANDS and on_team(actor, facts):
        return
    if isinstance(command, r.SubmitRectification):
        issue = risk_file.issues.get(command.issue_id) if risk_file else None
        if issue is None:
            raise RiskError("NOT_FOUND", "no such issue on this project", field="issue_id")
        if unit_role(actor, facts) is not None and actor.organisation_id == issue.responsible_unit_id:
            return
        raise forbidden("only the responsible unit rectifies its issue (RSK-05)")
    if isinstance(command, r.SubmitRectifications):
        check_rectifier(actor, facts, risk_file, command)
        return
    if isinstance(command, sf.SubmitHazardRectification):
        # SAF-03: the responsible unit (levels 1-2) or the supervisor (levels 3-4); the handler decides which
        hazard = risk_file.safety.hazards.get(command.hazard_id) if risk_file else None
        if hazard is None:
            raise RiskError("NOT_FOUND", "no such hazard on this project", field="hazard_id")
        if unit_role(actor, facts) is not None:
            return
        raise forbidden("only a participating unit submits a hazard's rectification (SAF-03)")
    if isinstance(command, r.RecordPartAcceptance) and unit_role(actor, facts) is ParticipantRole.SUPERVISOR:
        return
    role = unit_role(actor, facts)
    if kind in BUILDER_COMMANDS and role is ParticipantRole.BUILDER:
        return
    if isinstance(command, r.AnswerDesignIssue) and role is ParticipantRole.DESIGNER:
        found = risk_file.design.issues.get(command.design_issue_id) if risk_file else None
        if found is None:
            raise RiskError("NOT_FOUND", "no such design issue on this project", field="design_issue_id")
        if found.designer_id == actor.organisation_id:
            return
        raise forbidden("only the addressed designer answers a design issue (RSK-06)")
    if isinstance(command, r.RecordTestResult | r.RecordLabNotice) and role is ParticipantRole.TESTING_LAB:
        if testing.lab_of(risk_file, command.test_id) == actor.organisation_id:
            return
        raise forbidden("only the commissioned lab reports on its test (RSK-09)")
    if isinstance(command, r.RequestEvidenceUpload) and (
        acts_for_insurer(actor, facts) or on_team(actor, facts) or unit_role(actor, facts) is not None
    ):
        return
    raise forbidden(f"{actor.role.value} may not send {command.TYPE} for this project")
