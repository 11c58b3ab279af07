"""The registry's table of commands: who may send each at all, and the one use case that serves them all.

The kit's pipeline (anju_kit.pipeline) authenticates, validates and authorizes by this table, for Kafka
and HTTP alike; :meth:`RegistryHandlers.execute` then checks the actor against the aggregate (whose
project, which agency) before anything else, and stores a refusal's ``Rejected`` answer in the same
outbox write as the refusal event when the command came over Kafka.
"""

from __future__ import annotations

from typing import Any

from anju_contracts import Role
from anju_contracts import registry as r
from anju_kit.logging import get_logger
from anju_kit.metrics import REJECTED
from anju_kit.pipeline import CommandRequest, CommandTable, routes
from anju_registry.access import REGULATOR_COMMANDS
from anju_registry.handlers import Outcome, RegistryHandlers
from anju_registry.refusals import refusal

log = get_logger(__name__)

REGULATOR = frozenset({Role.REGULATOR})
INSURER = frozenset({Role.INSURER, Role.SYSTEM})
AGENCY_OR_REGULATOR = frozenset({Role.AGENCY, Role.SYSTEM, Role.REGULATOR})
SENDERS: dict[type[Any], frozenset[Role]] = {
    r.NominateAgency: INSURER,
    r.SubmitEvaluation: INSURER,
    r.RegisterInsurerStaff: INSURER,
    r.AssignTeam: INSURER,  # the insured project's lead insurer's act alone (checked in the handler)
    r.ChangeLead: INSURER,
    r.RecordCorporateRelations: AGENCY_OR_REGULATOR,
    r.ApplyPractitioner: AGENCY_OR_REGULATOR,
    **dict.fromkeys(REGULATOR_COMMANDS, REGULATOR),
}
HTTP_ONLY = {r.ApplyPractitioner, r.RegisterInsurerStaff}  # real-name data never travels on a topic (XC-09)


def command_table(handlers: RegistryHandlers) -> CommandTable:
    async def execute(request: CommandRequest) -> Outcome:
        outcome = await handlers.execute(
            request.envelope, request.command, answer_to=request.answer_to, record=request.record
        )
        refused = refusal(outcome.refused)
        if refused is not None and request.answer_to is None:
            raise refused  # HTTP: answered 422 with every failed condition (a retry is refused again)
        if refused is not None and not outcome.duplicate:  # Kafka: the answer left through the outbox
            REJECTED.labels(reason_code=refused.reason_code).inc()
            log.info("command.rejected", reason_code=refused.reason_code, rule_id=refused.rule_id)
        return outcome

    hint = "real-name data is taken over HTTPS only (XC-09)"
    return routes(execute, SENDERS, http_only=dict.fromkeys(HTTP_ONLY, hint))
