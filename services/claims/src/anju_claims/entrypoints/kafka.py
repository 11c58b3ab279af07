"""Kafka: claims commands through the kit's command pipeline, and the policy facts the claims read model folds.

Commands are consumed in batches (for throughput): reports of new claims are created in bulk, every other
command is applied in order within its claim; the kit replays a failed batch one message at a time, where
the retry and DLQ rules apply. Policy events are taken only from the policy service (a token of
``anju-policy``): an insurer's system cannot re-issue another insurer's policy in its own name.
"""

from __future__ import annotations

from anju_claims.commands import batch_handler, command_table
from anju_claims.handlers import ClaimsHandlers
from anju_contracts import topics
from anju_contracts.policy import POLICY_EVENT_TYPES
from anju_contracts.underwriting import StageAdvanced
from anju_kit.pipeline import CommandPipeline
from anju_kit.service import ServiceApp

# POL-11: the project's stage follows policy.StageAdvanced (construction-time safety cover).
READ_MODEL_TYPES = frozenset({*(t.TYPE for t in POLICY_EVENT_TYPES), StageAdvanced.TYPE})


def pipeline(service: ServiceApp, handlers: ClaimsHandlers) -> CommandPipeline:
    return service.command_pipeline(command_table(handlers), batch=batch_handler(handlers))


def register(
    service: ServiceApp,
    handlers: ClaimsHandlers,
    commands: CommandPipeline,
    *,
    group: str = "anju-claims",
    policy_group: str = "anju-claims-policy",
    attempts: int = 3,
    max_records: int = 500,
    batch_timeout_ms: int = 20,
) -> None:
    """Subscribe the commands (consumer group ``group``) and the policy read model (``policy_group``)."""
    service.subscribe_commands(
        commands,
        group_id=group,
        attempts=attempts,
        batch_max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
        description="Claims commands: report, survey, decide, agree, repair, pay, dispute, appraise, subrogate.",
    )

    service.subscribe_events(
        "policy",
        topics.POLICY.events,
        types=READ_MODEL_TYPES,
        handle=handlers.project_policy_event,
        handle_batch=handlers.project_policy_events,
        group_id=policy_group,
        attempts=attempts,
        description="Policy events that feed the claims read model (units, owners, liability period, coverage, end).",
    )
