"""Kafka subscriber on ``anju.registry.commands.v1``.

Bad input is answered on ``anju.registry.rejections.v1`` with a reason code (XC-07); a command the
rules refuse is answered there too (RULE_VIOLATION, one problem per failed condition with its rule
ID) besides the refusal event. That answer is stored in the same outbox write as the refusal event
and leaves through the outbox relay, so a crash between the two cannot lose it; a redelivery of the
command publishes whatever is still pending. Nothing is half-applied: the domain decides before the
one write. Errors that store nothing (forbidden, unknown aggregate…) are answered here directly: a
redelivery meets the same error and answers again.
"""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from pydantic import ValidationError

from anju_contracts import Envelope, ReasonCode, topics
from anju_contracts.base import Command
from anju_contracts.catalog import ContractError, parse
from anju_kit.kafka import reliable_subscriber
from anju_kit.logging import get_logger
from anju_kit.metrics import REJECTED
from anju_kit.problems import problems_from_error
from anju_kit.rejections import Rejector
from anju_registry.domain.errors import RegistryError
from anju_registry.handlers import RegistryHandlers
from anju_registry.refusals import field_problems, refusal

COMMANDS_GROUP = "anju-registry"
log = get_logger(__name__)


def register(
    broker: KafkaBroker,
    handlers: RegistryHandlers,
    rejector: Rejector,
    *,
    attempts: int = 3,
    group: str = COMMANDS_GROUP,
) -> None:
    @reliable_subscriber(
        broker,
        topics.REGISTRY.commands,
        group_id=group,
        service="registry",
        attempts=attempts,
        on_malformed=rejector.reject_malformed,
    )
    async def on_registry_command(envelope: Envelope) -> None:
        """Registry commands: nominate/admit agencies, approve practitioners, assign teams, findings, scores."""
        try:
            command = parse(envelope, topic=topics.REGISTRY.commands)
        except ContractError as exc:
            await rejector.reject(envelope, exc.reason_code, detail=exc.detail)
            return
        except ValidationError as exc:
            await rejector.reject(
                envelope,
                ReasonCode.VALIDATION_FAILED,
                problems=problems_from_error(exc),
                detail="payload does not match",
            )
            return
        if not isinstance(command, Command):
            await rejector.reject(envelope, ReasonCode.UNKNOWN_TYPE, detail=f"{envelope.type} is not a command")
            return
        try:
            outcome = await handlers.execute(envelope, command, answer_to=topics.REGISTRY.rejections)
        except RegistryError as exc:
            await rejector.reject(
                envelope, exc.reason_code, rule_id=exc.rule_id, problems=field_problems(exc.failures), detail=exc.detail
            )
            return
        refused = refusal(outcome.refused)
        if refused is not None and not outcome.duplicate:  # the answer itself left through the outbox
            REJECTED.labels(reason_code=refused.reason_code).inc()
            log.info(
                "command.rejected",
                reason_code=refused.reason_code,
                rule_id=refused.rule_id,
                fields=[p.field for p in field_problems(refused.failures)],
            )
