"""HTTP API under /v1/notify (OpenAPI at /docs).

Commands go through the kit's pipeline as on Kafka (RegisterContact only here: XC-09). Reads are the
read models, a few documents by ``_id`` each, scoped by the actor (XC-05): a party reads its own inbox
and the obligations it owes; the regulator the region's — by debtor, by rule, by week, by subject — and
the per-insurer / per-agency filing report. Anyone else's obligation answers 404 like a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query
from pydantic import BaseModel

from anju_contracts import Actor, Envelope, ReasonCode, Role
from anju_contracts import notify as n
from anju_contracts.base import Command
from anju_contracts.common import PartyRef
from anju_kit.auth import CurrentActor
from anju_kit.clock import SHANGHAI
from anju_kit.pipeline import CommandPipeline
from anju_kit.ports import ViewReads
from anju_kit.problems import Problem
from anju_notify import access, queries
from anju_notify.domain.contact import party_key
from anju_notify.domain.errors import NotifyError
from anju_notify.handlers import NotifyHandlers
from anju_notify.read_models import (
    OPEN_TALLIES,
    TALLIES,
    ByDebtor,
    ByRule,
    BySubject,
    ByWeek,
    Debtors,
    Inbox,
    week_of,
)

PRODUCER = "notify-http"
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in ((403, "Forbidden"), (404, "Not found"), (409, "Conflict"), (422, "Refused by a rule"))
}
Stores = Callable[[str], ViewReads]
Tally = Annotated[str, Query(pattern="^(" + "|".join(TALLIES) + ")$")]


class Accepted(BaseModel):
    key: str
    version: int
    duplicate: bool
    events: list[str]
    state: str | None = None


class Listed(BaseModel):
    items: list[dict[str, Any]]
    total: int
    counts: dict[str, Any]
    as_of: dict[str, Any] | None


def install(app: FastAPI, handlers: NotifyHandlers, commands: CommandPipeline, stores: Stores) -> None:
    app.include_router(build_router(handlers, commands, stores))


def _event_id(idem: str | None) -> uuid.UUID:
    if not idem:
        return uuid.uuid4()
    try:
        return uuid.UUID(idem)
    except ValueError:
        raise NotifyError(
            ReasonCode.VALIDATION_FAILED, "Idempotency-Key must be a UUID", field="Idempotency-Key"
        ) from None


def _listed(page: queries.Page) -> Listed:
    return Listed(items=page.items, total=page.total, counts=page.counts, as_of=page.as_of)


def _regulator(actor: Actor) -> None:
    if not access.is_regulator(actor):
        raise NotifyError(ReasonCode.FORBIDDEN, "the region's ledger is the regulator's", rule_id="XC-05")


def _own_or_regulator(actor: Actor, party: PartyRef) -> None:
    if not access.is_regulator(actor) and access.party_of(actor) != party:
        raise NotifyError(ReasonCode.NOT_FOUND, "debtor not found", field="debtor_id")


def build_router(handlers: NotifyHandlers, commands: CommandPipeline, stores: Stores) -> APIRouter:
    router = APIRouter(prefix="/v1/notify", tags=["notify"], responses=_ERRORS)
    region = handlers.region

    async def send(body: Command, actor: Actor, key: str, idem: str | None) -> Accepted:
        envelope = Envelope.wrap(body, region=region, producer=PRODUCER, actor=actor, key=key, event_id=_event_id(idem))
        outcome = await commands.from_http(envelope, body)
        record = outcome.obligation
        return Accepted(
            key=key,
            version=outcome.version,
            duplicate=outcome.duplicate,
            events=[e.TYPE for e in outcome.events],
            state=record.ledger_state.value if record else None,
        )

    @router.post("/filings", summary="A 监管平台 upload: the document an obligation requires (POL-07, RSK-02…)")
    async def file_document(
        body: n.FileDocument, actor: CurrentActor, idempotency_key: Annotated[str | None, Header()] = None
    ) -> Accepted:
        return await send(body, actor, body.obligation_id, idempotency_key)

    @router.post("/obligations/{obligation_id}/waiver", summary="The regulator waives an open obligation")
    async def waive(
        obligation_id: str,
        body: n.WaiveObligation,
        actor: CurrentActor,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> Accepted:
        if body.obligation_id != obligation_id:
            raise NotifyError(ReasonCode.VALIDATION_FAILED, "the body names another obligation", field="obligation_id")
        return await send(body, actor, obligation_id, idempotency_key)

    @router.post("/contacts", summary="Where a party is reached: e-mail, mobile (HTTP only, XC-09)")
    async def register_contact(
        body: n.RegisterContact, actor: CurrentActor, idempotency_key: Annotated[str | None, Header()] = None
    ) -> Accepted:
        return await send(body, actor, party_key(body.party), idempotency_key)

    @router.post("/inbox/read", summary="Mark messages of the actor's own inbox read (XC-05)")
    async def mark_read(
        body: n.MarkInboxRead, actor: CurrentActor, idempotency_key: Annotated[str | None, Header()] = None
    ) -> Accepted:
        party = access.party_of(actor)
        return await send(body, actor, f"inbox:{party_key(party)}" if party else "inbox", idempotency_key)

    @router.get(
        "/obligations/{obligation_id}", summary="One obligation as its debtor, creditor or the regulator sees it"
    )
    async def get_obligation(obligation_id: str, actor: CurrentActor) -> dict[str, Any]:
        loaded = await handlers.repo.get(obligation_id)
        record = access.check_read(actor, loaded.aggregate if loaded else None, obligation_id)
        assert loaded is not None
        return {**record.state(), "version": loaded.version}

    @router.get("/inbox", summary="The actor's own messages of a month (XC-05)")
    async def inbox(
        actor: CurrentActor,
        month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
    ) -> Listed:
        party = access.party_of(actor)
        if party is None:
            return Listed(items=[], total=0, counts={}, as_of=None)
        when = month or handlers.clock.now().astimezone(SHANGHAI).strftime("%Y-%m")
        return _listed(await queries.inbox(stores(Inbox.name), region, party, when, offset=offset, limit=limit))

    @router.get("/debtors/{role}/{debtor_id}/obligations", summary="A debtor's obligations of a rule (open by default)")
    async def debtor_obligations(
        role: Role,
        debtor_id: str,
        rule_id: Annotated[str, Query(pattern=r"^[A-Z]{2,4}-\d{2}$")],
        actor: CurrentActor,
        state: Annotated[list[str] | None, Query()] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
    ) -> Listed:
        party = PartyRef(role=role, id=debtor_id)
        _own_or_regulator(actor, party)
        states = tuple(s for s in (state or OPEN_TALLIES) if s in TALLIES)
        store = stores(ByDebtor.name)
        page = await queries.by_debtor(store, region, party, rule_id=rule_id, states=states, offset=offset, limit=limit)
        return _listed(page)

    @router.get("/debtors/{role}/{debtor_id}/report", summary="Per rule: filed on time, late, not yet (regulator)")
    async def debtor_report(role: Role, debtor_id: str, actor: CurrentActor) -> dict[str, Any]:
        party = PartyRef(role=role, id=debtor_id)
        _own_or_regulator(actor, party)
        return await queries.debtor_report(stores(ByDebtor.name), region, party)

    @router.get("/filings/report", summary="Per insurer and agency, per filing rule: on time, late, not filed")
    async def filings_report(actor: CurrentActor) -> dict[str, Any]:
        """监管平台 uploads (the region's ``notify.filing_rules``) as the regulator sees them (XC-05)."""
        _regulator(actor)
        rules = tuple(handlers.scheduler.rules.filing_rules)
        report = await queries.filings_report(
            stores(Debtors.name), stores(ByDebtor.name), region, rules, (Role.INSURER.value, Role.AGENCY.value)
        )
        return {"filing_rules": list(rules), "by_debtor": report}

    @router.get("/rules/{rule_id}/obligations", summary="The region's obligations of a rule, e.g. overdue (regulator)")
    async def rule_obligations(
        rule_id: str,
        actor: CurrentActor,
        state: Tally = "overdue",
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
    ) -> Listed:
        _regulator(actor)
        page = await queries.by_rule(stores(ByRule.name), region, rule_id, states=(state,), offset=offset, limit=limit)
        return _listed(page)

    @router.get("/weeks/{week}/obligations", summary="Open obligations due in an ISO week, e.g. 2026-W41 (regulator)")
    async def week_obligations(
        week: str,
        actor: CurrentActor,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
    ) -> Listed:
        _regulator(actor)
        when = week_of(handlers.clock.now()) if week == "current" else week
        return _listed(await queries.by_week(stores(ByWeek.name), region, when, offset=offset, limit=limit))

    @router.get("/subjects/{kind}/{subject_id}/obligations", summary="Everything owed about one record (XC-03)")
    async def subject_obligations(kind: str, subject_id: str, actor: CurrentActor) -> Listed:
        page = await queries.by_subject(stores(BySubject.name), kind, subject_id)
        if not access.is_regulator(actor):
            party = access.party_of(actor)
            mine = {party_key(party)} if party else set()
            items = [i for i in page.items if {i["debtor"], i["creditor"]} & mine]
            page = queries.Page(items, len(items), {}, page.as_of)
        return _listed(page)

    return router
