"""The one way from an inbound command — a Kafka record or an HTTP request — to a service's use case.

    bytes decoded by our code (kit.kafka's door; FastAPI for HTTP) → sender authenticated (a signed actor
    token: kit.auth) → validated against the contract → authorized (the service's table says who may send
    each command) → the service's handler on kit.unit_of_work (which checks access to the aggregate
    *before* any idempotency shortcut, loads it, calls the pure domain and stores state, events and any
    answer in one write) →
    a refusal answered: on Kafka as ``common.Rejected`` on the service's rejection topic, over HTTP as a
    4xx problem with the same reason code, rule, fields and every failed condition.

A service declares a :class:`CommandTable` (command type → :class:`Route`), builds its pipeline with
``ServiceApp.command_pipeline``, subscribes it with ``ServiceApp.subscribe_commands`` and calls
:meth:`CommandPipeline.from_http` from its routes; nothing else of the path is its own. Refusals are
:class:`~anju_contracts.Refusal` (the services' domain errors derive from it); anything else that a handler
raises is a failure of the platform, retried and dead-lettered by kit.kafka.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from pydantic import ValidationError

from anju_contracts import Envelope, ReasonCode, RecordRef, Refusal, Role
from anju_contracts.base import Command, Message
from anju_contracts.catalog import ContractError, parse
from anju_kit.auth import TOKEN_HEADER, ActorTokens, Sender, TokenRefused
from anju_kit.kafka import Authenticate, Inbound, header_map, reliable_batch_subscriber, reliable_subscriber
from anju_kit.metrics import REJECTED
from anju_kit.problems import Problem, problems_from_error
from anju_kit.rejections import Rejector

R = TypeVar("R")


@dataclass(frozen=True)
class CommandRequest:
    """A validated, authenticated, authorized command on its way to a handler."""

    envelope: Envelope
    command: Command
    record: RecordRef | None = None  # where it came from on Kafka; None over HTTP
    answer_to: str | None = None  # the rejection topic a stored refusal answer goes to (Kafka only)
    expected_version: int | None = None  # HTTP If-Match


Handle = Callable[[CommandRequest], Awaitable[R]]


@dataclass(frozen=True)
class Route(Generic[R]):
    """How one command type is served: its handler, and which roles may send it at all.

    ``senders`` is the first, coarse authorization (an agency never assigns a team); the handler still
    checks the actor against the aggregate (whose claim, which insurer's project) before anything else."""

    handle: Handle[R]
    senders: frozenset[Role] | None = None  # None: any authenticated actor; the handler decides
    kafka: bool = True  # False: HTTP only (e.g. a request for a presigned upload URL, a credential)
    http_only_hint: str = ""


CommandTable = Mapping[type[Command], Route[Any]]


def routes(
    handle: Handle[Any],
    senders: Mapping[type[Any], frozenset[Role]],
    *,
    http_only: Mapping[type[Any], str] | None = None,
) -> CommandTable:
    """A table sending every command of ``senders`` to one use-case entry (``handle``), each with the roles
    that may send it. A command of ``http_only`` (e.g. a request for a presigned upload URL: a credential,
    handed out over HTTPS to the caller, never on a topic) is refused on Kafka with its hint."""
    http_only = http_only or {}
    return {
        command: Route(handle, senders=roles, kafka=command not in http_only, http_only_hint=http_only.get(command, ""))
        for command, roles in senders.items()
    }


BatchHandle = Callable[[list[CommandRequest]], Awaitable[list[tuple[CommandRequest, Refusal]]]]


@dataclass
class CommandPipeline:
    service: str
    region: str
    topic: str
    table: CommandTable
    rejector: Rejector
    batch: BatchHandle | None = None  # optional: a whole batch at once (it returns the refused ones)

    # -- the stages ---------------------------------------------------------------------------------
    def validate(self, envelope: Envelope) -> Command:
        command = contract_message(envelope, self.topic)
        if not isinstance(command, Command) or type(command) not in self.table:
            raise Refusal(ReasonCode.UNKNOWN_TYPE, "this message type is not a command of this service")
        return command

    def authorize(self, envelope: Envelope, command: Command, *, via_kafka: bool) -> Route[Any]:
        if envelope.region != self.region or envelope.actor.region != self.region:
            raise Refusal(ReasonCode.WRONG_REGION, f"this deployment serves region {self.region}")
        route = self.table[type(command)]
        if via_kafka and not route.kafka:
            raise Refusal("HTTP_ONLY", route.http_only_hint or "this command is taken over HTTP only")
        if route.senders is not None and envelope.actor.role not in route.senders:
            raise Refusal(ReasonCode.FORBIDDEN, "this actor may not send this command")
        return route

    # -- Kafka --------------------------------------------------------------------------------------
    async def from_kafka(self, inbound: Inbound) -> None:
        try:
            route, request = self._request(inbound)
            await route.handle(request)
        except Refusal as refusal:
            await self.rejector.reject(inbound.envelope, refusal, inbound.record)

    async def from_kafka_batch(self, inbounds: list[Inbound]) -> None:
        if self.batch is None:
            for inbound in inbounds:
                await self.from_kafka(inbound)
            return
        requests: list[CommandRequest] = []
        for inbound in inbounds:
            try:
                requests.append(self._request(inbound)[1])
            except Refusal as refusal:
                await self.rejector.reject(inbound.envelope, refusal, inbound.record)
        for request, refused in await self.batch(requests):
            await self.rejector.reject(request.envelope, refused, request.record)

    def _request(self, inbound: Inbound) -> tuple[Route[Any], CommandRequest]:
        command = self.validate(inbound.envelope)
        route = self.authorize(inbound.envelope, command, via_kafka=True)
        return route, CommandRequest(inbound.envelope, command, record=inbound.record, answer_to=self.rejector.topic)

    # -- HTTP ---------------------------------------------------------------------------------------
    async def from_http(self, envelope: Envelope, command: Command, *, expected_version: int | None = None) -> Any:
        """Authorize and run a command whose actor the bearer token proved; a Refusal escapes (→ 4xx)."""
        route = self.authorize(envelope, command, via_kafka=False)
        return await route.handle(CommandRequest(envelope, command, expected_version=expected_version))


def contract_message(envelope: Envelope, topic: str) -> Message:
    """The message of ``envelope`` as its contract types it, or a :class:`Refusal` that says why not
    (naming fields and rules, never a submitted value)."""
    try:
        return parse(envelope, topic=topic)
    except ContractError as exc:
        raise Refusal(exc.reason_code, "the message type or its schema version is not handled here") from exc
    except ValidationError as exc:
        problems = problems_from_error(exc)
        raise Refusal(
            ReasonCode.VALIDATION_FAILED,
            "the payload does not match its schema",
            field=problems[0].field if problems else "",
            problems=problems,
        ) from exc


# -- authentication rules per topic ------------------------------------------------------------------


def command_sender(tokens: ActorTokens) -> Authenticate:
    """A command's sender is its actor, proved by the token — or an Anju service relaying for one."""

    def authenticate(record: Any, envelope: Envelope) -> Sender:
        sender = _verified(tokens, record, envelope)
        if sender.actor != envelope.actor and not sender.is_any_service:
            raise TokenRefused("the envelope's actor is not the token's actor")
        return sender

    return authenticate


def event_sender(tokens: ActorTokens, owner: str) -> Authenticate:
    """An event on ``owner``'s topic is taken only from the ``owner`` service itself."""

    def authenticate(record: Any, envelope: Envelope) -> Sender:
        sender = _verified(tokens, record, envelope)
        if not sender.is_service(owner):
            raise Refusal(ReasonCode.FORBIDDEN, f"only the {owner} service publishes on this topic")
        return sender

    return authenticate


def _verified(tokens: ActorTokens, record: Any, envelope: Envelope) -> Sender:
    raw = header_map(record).get(TOKEN_HEADER)
    if raw is None:
        raise TokenRefused(f"send the sender's actor token in the record header {TOKEN_HEADER}")
    sent_at = datetime.fromtimestamp(record.timestamp / 1000, UTC) if record.timestamp else None
    return tokens.verify(raw.decode(errors="replace"), at=sent_at, jti=str(envelope.event_id))


# -- wiring ------------------------------------------------------------------------------------------


def subscribe_commands(
    broker: KafkaBroker,
    pipeline: CommandPipeline,
    *,
    tokens: ActorTokens,
    group_id: str,
    max_bytes: int,
    attempts: int = 3,
    batch_max_records: int | None = None,
    batch_timeout_ms: int = 20,
    description: str | None = None,
) -> None:
    """The service's commands topic, through the pipeline (in batches when ``batch_max_records``)."""
    common: dict[str, Any] = {
        "group_id": group_id,
        "service": pipeline.service,
        "authenticate": command_sender(tokens),
        "answer": pipeline.rejector,
        "max_bytes": max_bytes,
        "attempts": attempts,
        "description": description,
    }
    if batch_max_records is None:
        reliable_subscriber(broker, pipeline.topic, **common)(pipeline.from_kafka)
        return
    reliable_batch_subscriber(
        broker,
        pipeline.topic,
        handle_one=pipeline.from_kafka,
        max_records=batch_max_records,
        batch_timeout_ms=batch_timeout_ms,
        **common,
    )(pipeline.from_kafka_batch)


STATUS: dict[str, int] = {
    ReasonCode.UNAUTHENTICATED: 401,
    ReasonCode.FORBIDDEN: 403,
    ReasonCode.WRONG_REGION: 403,
    ReasonCode.NOT_FOUND: 404,
    ReasonCode.CONFLICT: 409,
    "INVALID_STATE": 409,
    ReasonCode.PAYLOAD_TOO_LARGE: 413,
}


def install_refusal_handler(app: FastAPI) -> None:
    """Every :class:`Refusal` escaping a route answers as a typed 4xx problem (422 unless listed)."""

    @app.exception_handler(Refusal)
    async def _refused(_: Request, exc: Refusal) -> JSONResponse:
        REJECTED.labels(reason_code=exc.reason_code).inc()
        body = Problem(
            reason_code=exc.reason_code,
            detail=exc.detail,
            rule_id=exc.rule_id,
            problems=list(exc.problems),
            failures=list(exc.failures),
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=STATUS.get(exc.reason_code, 422))
