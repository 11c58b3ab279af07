"""The claims service's table of commands: who may send each at all, and the use case serving it.

The kit's pipeline authenticates, validates and authorizes by this table, for Kafka and HTTP alike.
Finer access (whose unit, which insurer's policy) is checked by the handlers against the claim, before
any idempotency shortcut: a replayed ``Idempotency-Key`` is still someone's answer.
"""

from __future__ import annotations

from anju_claims.handlers import BatchItem, ClaimsHandlers, Outcome
from anju_claims.safety_incidents import SafetyOutcome
from anju_contracts import Refusal, Role
from anju_contracts import claims as c
from anju_contracts.base import Command
from anju_kit.pipeline import BatchHandle, CommandRequest, CommandTable, routes

OWNER_OR_INSURER = frozenset({Role.OWNER, Role.INSURER, Role.SYSTEM})
INSURER = frozenset({Role.INSURER, Role.SYSTEM})
ANY_PARTY = frozenset({Role.OWNER, Role.INSURER, Role.SYSTEM, Role.BUILDER, Role.CONTRACTOR})
SENDERS: dict[type[Command], frozenset[Role]] = {
    c.ReportClaim: OWNER_OR_INSURER,
    c.RequestEvidenceUpload: OWNER_OR_INSURER,
    c.AttachEvidence: OWNER_OR_INSURER,
    c.WithdrawClaim: OWNER_OR_INSURER,
    c.OpenDispute: ANY_PARTY,  # CLM-08: any party may ask for an appraisal in writing
    c.ScheduleSurvey: INSURER,
    c.RecordSurvey: INSURER,
    c.DecideClaim: INSURER,
    c.RecordAgreement: INSURER,
    c.AssignRepair: INSURER,
    c.CompleteRepair: INSURER,
    c.RecordPayment: INSURER,
    c.RecordAppraisal: INSURER,
    c.RecordSubrogation: INSURER,
    c.ReportSafetyIncident: INSURER,  # POL-11: the insurer takes the site's report
}


def command_table(handlers: ClaimsHandlers) -> CommandTable:
    async def execute(request: CommandRequest) -> Outcome | SafetyOutcome:
        if isinstance(request.command, c.ReportSafetyIncident):
            return await handlers.report_safety(request.envelope, request.command)
        return await handlers.execute(request.envelope, request.command, expected_version=request.expected_version)

    return routes(
        execute,
        SENDERS,
        http_only={c.RequestEvidenceUpload: "request upload URLs at POST /v1/claims/{claim_id}/evidence-uploads"},
    )


def batch_handler(handlers: ClaimsHandlers) -> BatchHandle:
    """Claims of a Kafka batch at once: new reports created in bulk, the rest in order per claim."""

    async def handle(requests: list[CommandRequest]) -> list[tuple[CommandRequest, Refusal]]:
        by_envelope = {id(r.envelope): r for r in requests}
        refused = await handlers.execute_batch([BatchItem(r.envelope, r.command) for r in requests])
        return [(by_envelope[id(envelope)], error) for envelope, error in refused]

    return handle
