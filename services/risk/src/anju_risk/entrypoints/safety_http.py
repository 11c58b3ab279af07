"""SAF-04 per agency over HTTP: an agency's hazards of a month, quarter or year across its projects, as a
bounded list and as the Chinese PDF delivered to the insurer and the authority; an insurer's list and PDF
hold its own projects only (XC-05).

Read from ``risk.agency_hazards`` by ``_id`` (issue #10); the PDF is rendered on request from what the
list holds then, so it is never older than the read model's ``as_of``. The agency id and the period are
checked against their contract shapes before anything is read or rendered: a refusal names the field and
the rule, never the value (a 10,000-character or right-to-left "agency" must not reach a PDF title).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Query
from fastapi.responses import Response

from anju_contracts import Actor, ReasonCode, Role
from anju_contracts import safety as sf
from anju_contracts.base import IDENTIFIER_PATTERN
from anju_kit.auth import CurrentActor
from anju_kit.clock import Clock
from anju_kit.listing import PAGE_SIZE
from anju_kit.ports import ViewReads
from anju_risk.adapters.documents import ReportRenderer
from anju_risk.domain.errors import RiskError
from anju_risk.entrypoints.http import Listing
from anju_risk.read_models import Page, read_agency_hazards

PERIOD = r"^20[0-9]{2}(-(0[1-9]|1[0-2])|Q[1-4])?$"  # 2026-07, 2026Q3 or 2026 (safety.PeriodKey)
PDF_MOST = 1000  # hazards in one agency's period report; more is a sign of a period key too wide
STATUSES = [s.value for s in sf.HazardStatus]
# The contract's Identifier: what an agency id can be at all (anju_contracts.base).
AgencyId = Annotated[str, Path(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
PeriodKey = Annotated[str, Path(pattern=PERIOD)]


def _scope(actor: Actor, agency_id: str) -> str | None:
    """XC-05: the agency itself and the regulator read it whole; an insurer reads its own projects only
    (returns the insurer id whose listing it reads); anyone else is told there is no such agency."""
    if actor.role in (Role.AGENCY, Role.PRACTITIONER) and actor.agency_id == agency_id:
        return None
    if actor.role is Role.REGULATOR:
        return None
    if actor.role in (Role.INSURER, Role.SYSTEM) and actor.insurer_id:
        return actor.insurer_id
    raise RiskError(ReasonCode.NOT_FOUND, "agency not found", field="agency_id")


def install(app: FastAPI, hazards: ViewReads, renderer: ReportRenderer, clock: Clock) -> None:
    router = APIRouter(prefix="/v1/risk/safety/agencies/{agency_id}", tags=["risk · safety"])

    async def period_hazards(agency_id: str, period_key: str, insurer_id: str | None) -> Page:
        return await read_agency_hazards(
            hazards, agency_id, period_key, statuses=STATUSES, insurer_id=insurer_id, limit=PDF_MOST
        )

    @router.get(
        "/hazards/{period_key}",
        summary="An agency's hazards of a period across its projects; an insurer's own only (SAF-04, XC-05)",
    )
    async def agency_hazards(
        agency_id: AgencyId,
        period_key: PeriodKey,
        actor: CurrentActor,
        status: Annotated[list[sf.HazardStatus] | None, Query()] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=PAGE_SIZE)] = 50,
    ) -> Listing:
        insurer_id = _scope(actor, agency_id)
        wanted = [x.value for x in status] if status else STATUSES
        page = await read_agency_hazards(
            hazards, agency_id, period_key, statuses=wanted, insurer_id=insurer_id, offset=offset, limit=limit
        )
        return Listing(items=page.items, total=page.total, counts=page.counts, as_of=page.as_of)

    @router.get(
        "/reports/{period_key}.pdf",
        summary="The agency's period hazard list and counts as a Chinese PDF (SAF-04), for insurer and authority",
        response_class=Response,
    )
    async def agency_report(agency_id: AgencyId, period_key: PeriodKey, actor: CurrentActor) -> Response:
        insurer_id = _scope(actor, agency_id)
        found = await period_hazards(agency_id, period_key, insurer_id)
        # total: past PDF_MOST the report says it lists only the first ones, never passes for the whole period
        data = await asyncio.to_thread(
            renderer.agency_safety_report,
            agency_id,
            period_key,
            found.items,
            insurer_id=insurer_id,
            at=clock.now(),
            total=found.total,
        )
        return Response(content=data, media_type="application/pdf")

    app.include_router(router)
