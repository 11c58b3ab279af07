"""Kafka subscribers: claims commands (from insurers' core systems and portals) and policy events.

Bad input is answered on ``anju.claims.rejections.v1`` with a reason code and the offending field
(XC-07); it is never dropped and never half-applied (the domain raises before any write). A message
that keeps failing for another reason goes to the DLQ after bounded retries (kit), and the partition
flows on.

Commands are consumed in batches (up to ``max_records``, for throughput): reports of new claims are
created in bulk, every other command is applied in order within its claim. A batch that fails for a
reason other than an outage is replayed one message at a time, where the retry and DLQ rules apply.
"""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from pydantic import ValidationError

from anju_claims.domain.errors import ClaimError
from anju_claims.handlers import BatchItem, ClaimsHandlers
from anju_contracts import Envelope, FieldProblem, ReasonCode, topics
from anju_contracts.base import Command, Event
from anju_contracts.catalog import ContractError, parse
from anju_contracts.claims import RequestEvidenceUpload
from anju_contracts.policy import POLICY_EVENT_TYPES
from anju_kit.kafka import reliable_batch_subscriber, reliable_subscriber
from anju_kit.problems import problems_from_error
from anju_kit.rejections import Rejector

READ_MODEL_TYPES = frozenset(t.TYPE for t in POLICY_EVENT_TYPES)


def _problems(error: ClaimError) -> tuple[FieldProblem, ...]:
    return (FieldProblem(field=error.field, message=error.detail[:500]),) if error.field else ()


async def _parse(envelope: Envelope, topic: str, rejector: Rejector) -> object | None:
    try:
        return parse(envelope, topic=topic)
    except ContractError as exc:
        await rejector.reject(envelope, exc.reason_code, detail=exc.detail)
    except ValidationError as exc:
        await rejector.reject(
            envelope, ReasonCode.VALIDATION_FAILED, problems=problems_from_error(exc), detail="payload does not match"
        )
    return None


def register(
    broker: KafkaBroker,
    handlers: ClaimsHandlers,
    rejector: Rejector,
    *,
    group: str = "anju-claims",
    attempts: int = 3,
    max_records: int = 500,
    batch_timeout_ms: int = 20,
) -> None:
    """Subscribe the commands (group ``group``) and the policy read model (group ``group-policy``)."""

    async def refuse(envelope: Envelope, exc: ClaimError) -> None:
        await rejector.reject(
            envelope, exc.reason_code, rule_id=exc.rule_id, problems=_problems(exc), detail=exc.detail
        )

    async def as_command(envelope: Envelope) -> Command | None:
        """The command of ``envelope``, or None after answering why it is not one we take."""
        command = await _parse(envelope, topics.CLAIMS.commands, rejector)
        if command is None:
            return None
        if not isinstance(command, Command):
            await rejector.reject(envelope, ReasonCode.UNKNOWN_TYPE, detail=f"{envelope.type} is not a command")
            return None
        if isinstance(command, RequestEvidenceUpload):
            # A presigned URL is a credential: it is handed out over HTTPS to the caller, never on a topic.
            await rejector.reject(
                envelope, "HTTP_ONLY", detail="request upload URLs at POST /v1/claims/{id}/evidence-uploads"
            )
            return None
        return command

    async def on_claims_command(envelope: Envelope) -> None:
        """One command at a time: the replay path of a batch that failed (retries, then the DLQ)."""
        command = await as_command(envelope)
        if command is None:
            return
        try:
            await handlers.execute(envelope, command)
        except ClaimError as exc:
            await refuse(envelope, exc)

    @reliable_batch_subscriber(
        broker,
        topics.CLAIMS.commands,
        group_id=group,
        service="claims",
        handle_one=on_claims_command,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
        attempts=attempts,
        on_malformed=rejector.reject_malformed,
    )
    async def on_claims_commands(envelopes: list[Envelope]) -> None:
        """Claims commands: report, survey, decide, agree, repair, pay, dispute, appraise, subrogate, withdraw."""
        items: list[BatchItem] = []
        for envelope in envelopes:
            command = await as_command(envelope)
            if command is not None:
                items.append(BatchItem(envelope, command))
        for envelope, exc in await handlers.execute_batch(items):
            await refuse(envelope, exc)

    @reliable_subscriber(
        broker,
        topics.POLICY.events,
        group_id=f"{group}-policy",
        service="claims",
        attempts=attempts,
        on_malformed=rejector.reject_malformed,
    )
    async def on_policy_event(envelope: Envelope) -> None:
        """Policy events that feed the claims read model (units, owners, liability period, coverage, end)."""
        if envelope.type not in READ_MODEL_TYPES:
            return  # another policy event, not one the claims read model folds: not addressed to us
        event = await _parse(envelope, topics.POLICY.events, rejector)
        if not isinstance(event, Event):
            return
        try:
            await handlers.project_policy_event(envelope, event)
        except ClaimError as exc:
            await rejector.reject(
                envelope, exc.reason_code, rule_id=exc.rule_id, problems=_problems(exc), detail=exc.detail
            )
