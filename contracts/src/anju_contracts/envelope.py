"""The envelope every message travels in.

On Kafka the envelope is the JSON value; the same metadata is mirrored into CloudEvents headers
(``ce_*``, Kafka binding, binary mode) by the kit so insurers' tools can route without parsing.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from anju_contracts.actor import Actor
from anju_contracts.base import Identifier, Message

M = TypeVar("M", bound=Message)


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # event_id, occurred_at and correlation_id are required on the wire: a sender that left them out
    # would get a fresh id on every re-read, defeating deduplication. ``wrap`` fills them in.
    event_id: uuid.UUID = Field(description="Unique id chosen by the sender; consumers dedupe on it.")
    type: str = Field(min_length=1, max_length=128, description="Message type, e.g. claims.ClaimReported.")
    schema_version: int = Field(ge=1, description="Major schema version of the payload type.")
    occurred_at: AwareDatetime = Field(description="When it happened (with a UTC offset).")
    region: Identifier
    producer: str = Field(min_length=1, max_length=128, description="Service or system that produced it.")
    correlation_id: uuid.UUID = Field(description="Shared by every message of one business conversation.")
    causation_id: uuid.UUID | None = Field(default=None, description="event_id of the message that caused this.")
    actor: Actor
    key: str | None = Field(
        default=None, max_length=256, description="Partition key (aggregate id) so one aggregate stays ordered."
    )
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        message: Message,
        *,
        region: str,
        producer: str,
        actor: Actor,
        key: str | None = None,
        correlation_id: uuid.UUID | None = None,
        causation_id: uuid.UUID | None = None,
        occurred_at: datetime | None = None,
        event_id: uuid.UUID | None = None,
    ) -> Envelope:
        return cls(
            event_id=event_id or uuid.uuid4(),
            correlation_id=correlation_id or uuid.uuid4(),
            occurred_at=occurred_at or datetime.now(UTC),
            type=message.TYPE,
            schema_version=message.SCHEMA_VERSION,
            region=region,
            producer=producer,
            actor=actor,
            key=key,
            causation_id=causation_id,
            data=message.model_dump(mode="json"),
        )

    def follow_up(
        self,
        message: Message,
        *,
        producer: str,
        actor: Actor | None = None,
        key: str | None = None,
        occurred_at: datetime | None = None,
    ) -> Envelope:
        """An envelope for a message caused by this one: same correlation, causation = this event."""
        return Envelope.wrap(
            message,
            region=self.region,
            producer=producer,
            actor=actor or self.actor,
            key=key if key is not None else self.key,
            correlation_id=self.correlation_id,
            causation_id=self.event_id,
            occurred_at=occurred_at,
        )

    # builtins.type: inside this class body ``type`` names the envelope's field.
    def payload(self, model: builtins.type[M]) -> M:
        """Validate ``data`` as ``model`` (raises pydantic.ValidationError)."""
        return model.model_validate(self.data)
