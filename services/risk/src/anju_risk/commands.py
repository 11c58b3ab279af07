"""The risk service's table of commands: who may send each at all, and the use case serving them.

The kit's pipeline authenticates, validates and authorizes by this table, for Kafka and HTTP alike;
finer access (the project's insurer, its registry team, its participating units) is checked by the
handlers on the project's facts before any shortcut (anju_risk.access).
"""

from __future__ import annotations

from anju_contracts import Role
from anju_contracts import risk as r
from anju_contracts.base import Command
from anju_kit.pipeline import CommandRequest, CommandTable, Route
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
    r.RecordPartAcceptance: UNIT,
    r.CloseProcess: TEAM,
    r.SealFinalReport: INSURER,
    r.RecordReportFiled: INSURER,
}
assert set(SENDERS) == set(r.COMMANDS), "every risk command has its senders"


def command_table(handlers: RiskHandlers) -> CommandTable:
    async def execute(request: CommandRequest) -> Outcome:
        return await handlers.execute(request.envelope, request.command, expected_version=request.expected_version)

    return {
        command: Route(
            execute,
            senders=senders,
            # A presigned URL is a credential: handed out over HTTPS to the caller, never on a topic.
            kafka=command is not r.RequestEvidenceUpload,
            http_only_hint="request upload URLs at POST /v1/risk/projects/{project_id}/evidence-uploads",
        )
        for command, senders in SENDERS.items()
    }
