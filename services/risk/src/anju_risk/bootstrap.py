"""Composition root of the risk service: the one place where real adapters are wired.

Every service's bootstrap has the same ``build(settings, *, clock=None) -> (ServiceApp, handlers)``;
``create_app`` serves what it builds. Component tests wire the same handlers on in-memory ports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from fastapi import FastAPI

from anju_contracts import topics
from anju_kit.calendar import PrcCalendar
from anju_kit.clock import Clock, SystemClock
from anju_kit.due import DueHoursEntries
from anju_kit.mongo import AggregateStore, OutgoingEvent
from anju_kit.regions import region_for
from anju_kit.service import ServiceApp
from anju_risk.adapters.documents import ReportRenderer
from anju_risk.adapters.evidence import RiskEvidence
from anju_risk.adapters.repository import RISK_FILE_SCHEMA, RiskFileRepository
from anju_risk.config import RiskSettings
from anju_risk.domain.rules import rules_from_region
from anju_risk.entrypoints import http, kafka, safety_http
from anju_risk.handlers import RiskHandlers
from anju_risk.read_models import (
    AGENCY_HAZARDS,
    AGENCY_ISSUES,
    BY_AGENCY,
    DUE,
    FACTS,
    HAZARDS,
    ISSUE_HISTORY,
    ISSUES,
    SAFETY_COVERAGE,
    SERIOUS_BY_INSURER,
    SERIOUS_BY_REGION,
    UNITS,
    VIEWS,
)

TITLE = "Anju Risk management (风险管理)"
DESCRIPTION = (
    "The agency's risk-management plan staffed from the registry's team (RSK-01), the kick-off and the "
    "reports due after it (RSK-02), risk issues with evidence in object storage and their rectification "
    "(RSK-04, RSK-05), part acceptance refused while an issue is open, and the final risk assessment "
    "report behind its gate, sealed as a Chinese PDF and filed on the legal clock (RSK-07); the agency's "
    "reports from the findings (RSK-03), design issues (RSK-06), special inspections by unit (RSK-08, "
    "XC-03), testing (RSK-09), insurer oversight and emergencies (RSK-10, RSK-11). Construction safety (安责险, "
    "质安保): one service plan with the project's grade (SAF-01, SAF-08), risk sources and each quarter's "
    "coverage (SAF-02), hazards by level with the same-day report of a level-1 hazard (SAF-03), periodic "
    "reports (SAF-04), records kept after completion (SAF-05), training and drills (SAF-06)."
)


def build(
    settings: RiskSettings, *, clock: Clock | None = None, views_topic: str = ""
) -> tuple[ServiceApp, RiskHandlers]:
    """The service with its handlers on the real adapters; nothing connects until it starts."""
    # Before anything connects: a bad region file stops start-up (XC-06).
    region = region_for("risk", settings.region, settings.regions_dir)
    rules = rules_from_region(region, PrcCalendar(settings.holidays_dir))
    # quality only, safety only or both (质安保): the evidence rules of the part the region offers
    part = region.risk or region.safety
    assert part is not None  # rules_from_region refused a region with neither
    evidence_rules = part.evidence
    service = ServiceApp(settings, title=TITLE, description=DESCRIPTION)
    # Compact (the state as one JSON string; no field is queried, every question is a read model's) and
    # so its log keeps each change, not the whole file: a file of hundreds of issues is hundreds of KB.
    store = AggregateStore(service.db["risk_files"], queried=(), schema=RISK_FILE_SCHEMA)
    evidence = RiskEvidence(service.objects, settings.risk_bucket, settings.region, evidence_rules)
    views = service.read_models(list(VIEWS), topic=views_topic)
    handlers = RiskHandlers(
        repo=RiskFileRepository(store),
        facts=views.store(FACTS.name),
        evidence=evidence,
        renderer=ReportRenderer(settings.risk_font_path, settings.risk_font_index),
        rules=rules,
        clock=clock or SystemClock(),
        region=settings.region,
        producer=settings.service,
    )
    handlers.due = DueHoursEntries(views.store(DUE.name), lookback=timedelta(hours=settings.risk_due_lookback_h))

    async def flush(project_id: str, version: int | None, outgoing: Sequence[OutgoingEvent]) -> None:
        await service.relay.flush(store, project_id)  # by _id; after a crash the relay's sweep publishes

    handlers.flush = flush
    service.relay_outbox_of(store)
    kafka.register(
        service,
        kafka.pipeline(service, handlers),
        group=settings.consumer_group(settings.risk_consumer_group),
        attempts=settings.risk_command_attempts,
    )
    # The facts come from policy's and registry's events (the views' routers read them).
    service.extra_topics += [
        t for topic in (topics.POLICY.events, topics.REGISTRY.events) for t in (topic, topics.dlq(topic))
    ]

    @service.on_startup
    async def prepare() -> None:
        await store.ensure_indexes()
        await evidence.ensure_bucket()

    # Fires DeadlineOverdue once per unmet deadline (XC-02);
    # any number of instances may sweep (the compare-and-set picks one).
    grace = timedelta(seconds=settings.risk_due_grace_s)
    service.every(settings.risk_sweep_interval_s, "sweep", lambda: handlers.sweep_overdue(grace=grace))

    return service, handlers


def compose(service: ServiceApp, handlers: RiskHandlers) -> FastAPI:
    """The HTTP application of a built service: the kit's ops routes plus /v1/risk."""
    app = service.build()
    app.state.handlers = handlers
    views = service.views
    http.install(
        app,
        handlers,
        service.commands,
        views.store(ISSUES.name),
        views.store(BY_AGENCY.name),
        views.store(UNITS.name),
        views.store(SAFETY_COVERAGE.name),
        views.store(HAZARDS.name),
        agency_issues=views.store(AGENCY_ISSUES.name),
        serious_by_region=views.store(SERIOUS_BY_REGION.name),
        serious_by_insurer=views.store(SERIOUS_BY_INSURER.name),
        issue_history=views.store(ISSUE_HISTORY.name),
    )
    safety_http.install(app, views.store(AGENCY_HAZARDS.name), handlers.renderer, handlers.clock)
    return app


def create_app(settings: RiskSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    return compose(*build(settings or RiskSettings.load(), clock=clock))
