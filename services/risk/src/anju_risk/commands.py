"""The risk service's table of commands: who may send each at all, and the use case serving them.

The kit's pipeline authenticates, validates and authorizes by this table, for Kafka and HTTP alike;
finer access (the project's insurer, its registry team, its participating units) is checked by the
handlers on the project's facts before any shortcut (anju_risk.access).
"""

from __future__ import annotations

from anju_contracts import Role
from anju_contracts import risk as r
from anju_contracts import safety as sf
from anju_contracts.base import Command
from anju_kit.pipeline import CommandRequest, CommandTable, routes
from anju_risk.handlers import Outcome, RiskHandlers

INSURER = frozenset({Role.INSURER, Role.SYSTEM})
TEAM = frozenset({Role.PRACTITIONER})
UNIT = frozenset({Role.BUILDER, Role.CONTRACTOR})
SENDERS: dict[type[Command], frozenset[Role]] = {
    r.SubmitRiskPlan: TEAM,
    r.RecordKickoffBriefing: INSURER,
    r.UploadRiskReport: TEAM,
    r.RequestEvidenceUpload: TEAM | INSURER | UNIT,
    r.RaiseRiskIssue: TEAM,
    r.SubmitRectification: UNIT,
    r.ReviewRectification: TEAM,
    r.RaiseRiskIssues: TEAM,
    r.SubmitRectifications: UNIT,
    r.ReviewRectifications: TEAM,
    r.RecordPartAcceptance: UNIT,
    r.CloseProcess: TEAM,
    r.SealFinalReport: INSURER,
    r.RecordReportFiled: INSURER,
    r.GenerateRiskReport: TEAM,
    r.RecordRiskReportFiled: TEAM,
    r.RaiseDesignIssue: TEAM,
    r.AnswerDesignIssue: UNIT,
    r.ReviewDesignAnswer: TEAM,
    r.RecordDrawingReviewCertificate: INSURER | UNIT,
    r.NotifySpecialInspection: UNIT,
    r.CompleteSpecialInspection: TEAM,
    r.ConfirmTestingPlan: TEAM,
    r.RecordBuilderAcceptanceTests: UNIT,
    r.CommissionTest: TEAM,
    r.RecordTestResult: TEAM | UNIT,
    r.RecordLabNotice: UNIT,
    r.ScoreAgencyWork: INSURER,
    r.RecordUnannouncedInspection: INSURER,
    r.DeclareEmergency: INSURER,
    r.RecordEmergencyAction: INSURER,
    # construction safety (SAF-*): the assigned agency's team records, units rectify, the insurer approves
    sf.SubmitSafetyPlan: TEAM,
    sf.IdentifyRiskSources: TEAM,
    sf.RecordSafetyInspection: TEAM,
    sf.RaiseHazard: TEAM,
    sf.ReportHazard: TEAM,
    sf.SubmitHazardRectification: UNIT,
    sf.ReviewHazardRectification: TEAM,
    sf.ReportRectificationRefused: TEAM,
    sf.RecordSafetyTraining: TEAM,
    sf.RecordEmergencyDrill: TEAM,
    sf.IssueSafetyReport: TEAM,
    sf.ApproveRecordsDestruction: INSURER,
}
assert set(SENDERS) == set(r.COMMANDS) | set(sf.COMMANDS), "every risk command has its senders"


def command_table(handlers: RiskHandlers) -> CommandTable:
    async def execute(request: CommandRequest) -> Outcome:
        return await handlers.execute(request.envelope, request.command, expected_version=request.expected_version)

    return routes(
        execute,
        SENDERS,
        http_only={
            r.RequestEvidenceUpload: "request upload URLs at POST /v1/risk/projects/{project_id}/evidence-uploads"
        },
    )
