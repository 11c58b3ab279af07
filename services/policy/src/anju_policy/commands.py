"""The policy service's table of commands: who may send each at all, and the use case serving them.

The kit's pipeline authenticates, validates and authorizes by this table, for Kafka and HTTP alike;
finer access (whose project) is checked by the handlers against the project before any shortcut.
"""

from __future__ import annotations

from anju_contracts import Role
from anju_contracts import underwriting as u
from anju_contracts.base import Command
from anju_kit.pipeline import CommandRequest, CommandTable, routes
from anju_policy.handlers import Outcome, PolicyHandlers

INSURER = frozenset({Role.INSURER, Role.SYSTEM})
INSURER_OR_BUILDER = frozenset({Role.INSURER, Role.SYSTEM, Role.BUILDER})
SENDERS: dict[type[Command], frozenset[Role]] = {
    u.RegisterProject: INSURER,
    u.SubmitQuotation: INSURER,
    u.AdvanceStage: INSURER_OR_BUILDER,
    u.AdjustInsuredAmount: INSURER,
    u.RecordRiskManagementContract: INSURER,
    u.SelectAgency: INSURER,
    u.RecordMilestone: INSURER,
    u.SignInsuranceContract: INSURER,
    u.RecordPremiumPayment: INSURER,
    u.IssuePolicy: INSURER,
    u.RecordRegulatorUpload: INSURER,
    u.RequestDocumentUpload: INSURER,
}


def command_table(handlers: PolicyHandlers) -> CommandTable:
    async def execute(request: CommandRequest) -> Outcome:
        return await handlers.execute(request.envelope, request.command, expected_version=request.expected_version)

    return routes(
        execute,
        SENDERS,
        http_only={
            u.RequestDocumentUpload: "request upload URLs at POST /v1/policy/projects/{project_id}/document-uploads"
        },
    )
