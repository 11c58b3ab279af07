"""Composition root of the claims service: the one place where real adapters are wired.

Every service's bootstrap has the same ``build(settings, *, clock=None) -> (ServiceApp, handlers)``;
``create_app`` serves what it builds. Component tests wire the same handlers on in-memory ports instead
(services/claims/tests/component/conftest.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from fastapi import FastAPI

from anju_claims.adapters.coverage_cache import CoverageCache
from anju_claims.adapters.coverage_store import CoverageStore
from anju_claims.adapters.documents import DocumentRenderer
from anju_claims.adapters.evidence import EvidenceStore
from anju_claims.adapters.repair_hints import MongoRepairHints
from anju_claims.adapters.repository import ClaimRepository, claim_store
from anju_claims.config import ClaimsSettings
from anju_claims.domain.rules import rules_from_region
from anju_claims.entrypoints import http, kafka
from anju_claims.handlers import ClaimsHandlers
from anju_claims.read_models import DUE, VIEWS
from anju_claims.safety_incidents import SAFETY_CLAIM_SCHEMA, SafetyClaimRepository, SafetyIncidents
from anju_contracts import topics
from anju_kit.calendar import PrcCalendar
from anju_kit.clock import Clock, SystemClock
from anju_kit.due import DueHoursEntries
from anju_kit.mongo import AggregateStore, CreatedBatch, Inbox, NewAggregate, OutgoingEvent
from anju_kit.objectstore import ObjectStore
from anju_kit.regions import load_region
from anju_kit.service import ServiceApp

TITLE = "Anju Claims (理赔)"
DESCRIPTION = (
    "Owners' claims from report to repair on the legal clock (CLM-01 … CLM-10, POL-13): site survey, "
    "decision, agreement, repair or payment, disputes and appraisal, subrogation; evidence in object storage; "
    "Chinese rejection notices and warranty statements."
)


def build(settings: ClaimsSettings, *, clock: Clock | None = None) -> tuple[ServiceApp, ClaimsHandlers]:
    """The service with its handlers on the real adapters (tests drive the handlers directly); nothing
    connects until the service starts."""
    service = ServiceApp(settings, title=TITLE, description=DESCRIPTION)
    region = load_region(settings.region, settings.regions_dir)
    rules = rules_from_region(region, PrcCalendar(settings.holidays_dir))
    claims = service.db["claims"]
    store = claim_store(claims)  # kept concrete here: the outbox relay publishes from it
    repo = ClaimRepository(store, repairs=MongoRepairHints.beside(claims))
    coverage = CoverageStore(service.db["policy_coverage"], service.db["policy_facts"], service.db["policy_units"])
    objects: ObjectStore = service.objects
    evidence = EvidenceStore(objects, settings.claims_bucket, settings.region, region.claims.evidence)
    handlers = ClaimsHandlers(
        repo=repo,
        coverage=coverage,
        inbox=Inbox(service.db["policy_inbox"]),
        evidence=evidence,
        renderer=DocumentRenderer(settings.claims_font_path, settings.claims_font_index),
        rules=rules,
        clock=clock or SystemClock(),
        region=settings.region,
        producer=settings.service,
        coverage_cache=CoverageCache(coverage, repo.repaired_units, max_age_s=settings.claims_coverage_cache_s),
        batch_concurrency=settings.claims_batch_concurrency,
    )

    async def flush(claim_id: str, version: int, outgoing: list[OutgoingEvent]) -> None:
        # Publish the events just committed and flag their log entry by its _id: no query of the log
        # (FerretDB scans for anything but _id). After a crash the relay's sweep publishes them.
        await service.publish_many([(e.topic, e.envelope) for e in outgoing])
        await store.mark_published(f"{claim_id}@{version}")

    async def flush_created(items: list[NewAggregate], batch: CreatedBatch) -> None:
        # One publish for the claims a batch created, then the batch's outbox marker goes (by _id).
        await service.relay.flush_created(store, items, batch)

    handlers.flush = flush
    handlers.flush_created = flush_created
    service.relay_outbox_of(store)
    safety_store = AggregateStore(service.db["safety_claims"], schema=SAFETY_CLAIM_SCHEMA)

    async def flush_safety(claim_id: str, version: int | None, outgoing: Sequence[OutgoingEvent]) -> None:
        await service.relay.flush(safety_store, claim_id)  # by _id; after a crash the relay's sweep publishes

    handlers.safety = SafetyIncidents(
        SafetyClaimRepository(safety_store), coverage, handlers.clock, producer=settings.service, flush=flush_safety
    )
    service.relay_outbox_of(safety_store)
    kafka.register(
        service,
        handlers,
        kafka.pipeline(service, handlers),
        # Both groups carry ANJU_KAFKA_GROUP_SUFFIX, so a side-by-side deployment keeps its own offsets.
        group=settings.consumer_group(settings.claims_consumer_group),
        policy_group=settings.consumer_group(f"{settings.claims_consumer_group}-policy"),
        attempts=settings.claims_command_attempts,
        max_records=settings.claims_batch_max,
        batch_timeout_ms=settings.claims_batch_wait_ms,
    )
    service.extra_topics += [topics.POLICY.events, topics.dlq(topics.POLICY.events)]
    views = service.read_models(VIEWS)  # what the listings and the sweeper read (anju_claims.read_models)
    handlers.due = DueHoursEntries(views.store(DUE.name), lookback=timedelta(hours=settings.claims_due_lookback_h))

    @service.on_startup
    async def prepare() -> None:
        await repo.ensure_indexes()
        await coverage.ensure_indexes()
        await evidence.ensure_bucket()

    # Fires DeadlineOverdue once per unmet legal deadline (XC-02);
    # any number of instances may sweep (the compare-and-set picks one).
    grace = timedelta(seconds=settings.claims_due_grace_s)
    service.every(settings.claims_sweep_interval_s, "sweep", lambda: handlers.sweep_overdue(grace=grace))

    return service, handlers


def create_app(settings: ClaimsSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    service, handlers = build(settings or ClaimsSettings.load(), clock=clock)
    app = service.build()
    app.state.handlers = handlers
    http.install(app, handlers, service.commands, service.views)
    return app
