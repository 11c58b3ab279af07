"""The insurer's work queue (claims and notify obligations by legal deadline, overdue first) and the
regulator's dashboard (监管驾驶舱): figures from the services' own listings, each linking to the list behind it."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from anju_web.page_obligations import by_deadline, filing_rows, open_obligations, per_debtor
from anju_web.pages import Pages, must_sign_in


def _due(item: dict[str, Any]) -> datetime | None:
    due = (item.get("next_due") or {}).get("due_at")
    return datetime.fromisoformat(due) if due else None


def by_legal_deadline(items: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Overdue first (the longest overdue on top), then by the nearest deadline; none last."""
    ranked = []
    for item in items:
        due = _due(item)
        ranked.append({**item, "overdue": due is not None and due < now, "due": due})
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(ranked, key=lambda i: (not i["overdue"], i["due"] or far))


def per_insurer(ranked: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Open legal deadlines (CLM-03 performance, CLM-04 notice) per insurer: on time or overdue."""
    tally: dict[str, dict[str, int]] = {}
    for item in ranked:
        if not item.get("next_due"):
            continue
        counts = tally.setdefault(str(item.get("insurer_id") or "—"), {"on_time": 0, "overdue": 0})
        counts["overdue" if item["overdue"] else "on_time"] += 1
    return tally


RISK_PER_PAGE = 20  # projects whose risk file the dashboard reads per render (one _id read each)


async def risk_of_projects(pages: Pages, token: str, projects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per listed project, as risk shows it to this user: open serious issues (RSK-04) and whether the final
    report is sealed (RSK-07). The gate itself stays risk's: the page shows its facts, never decides it."""
    gate = asyncio.Semaphore(8)

    async def one(project_id: str) -> tuple[str, dict[str, Any] | None]:
        async with gate:
            answer = await pages.upstreams.get("risk", f"/v1/risk/projects/{project_id}", token)
        if not answer.ok or not isinstance(answer.body, dict):
            return project_id, None
        sealed = (answer.body.get("final_report") or {}).get("sealed_at")
        return project_id, {"serious_open": int(answer.body.get("serious_open") or 0), "sealed_at": sealed}

    ids = [str(p["project_id"]) for p in projects[:RISK_PER_PAGE] if p.get("project_id")]
    return {pid: facts for pid, facts in await asyncio.gather(*map(one, ids)) if facts is not None}


def install(router: APIRouter, pages: Pages) -> None:
    @router.get("/queue", response_class=HTMLResponse)
    async def queue(request: Request) -> Response:
        session = pages.signed_in(request)
        if session is None:
            return must_sign_in()
        answer, owed = await asyncio.gather(
            pages.upstreams.get("claims", "/v1/claims", session.token, limit=500),
            open_obligations(pages, session.token, session.actor),
        )
        if answer.status == 503 and owed is None:
            return pages.unavailable(request, session, "理赔服务、通知服务")
        items = (answer.body or {}).get("items", []) if answer.ok else []
        now = pages.now()
        return pages.render(
            request,
            "queue.html",
            session,
            claims=by_legal_deadline(items, now),
            obligations=by_deadline(owed or [], now),
            notify_missing=owed is None,
            claims_missing=not answer.ok,  # one service down leaves the other's half of the queue
            now=now,
        )

    @router.get("/dashboard", response_class=HTMLResponse)
    async def dashboard(request: Request) -> Response:
        session = pages.signed_in(request)
        if session is None:
            return must_sign_in()
        projects, pool, claims, filings = await asyncio.gather(
            pages.upstreams.get("policy", "/v1/policy/projects", session.token, limit=100),
            pages.upstreams.get("registry", "/v1/registry/pool", session.token),
            pages.upstreams.get("claims", "/v1/claims", session.token, limit=500),
            pages.upstreams.get("notify", "/v1/notify/filings/report", session.token),
        )
        rows = filing_rows(filings.body or {}) if filings.ok else []
        by_stage = (projects.body or {}).get("by_stage", {}) if projects.ok else {}
        agencies = _pool_items(pool.body) if pool.ok else []
        months = (claims.body or {}).get("months", {}) if claims.ok else {}
        ranked = by_legal_deadline((claims.body or {}).get("items", []) if claims.ok else [], pages.now())
        listed = (projects.body or {}).get("items", []) if projects.ok else []
        risk = await risk_of_projects(pages, session.token, listed)
        return pages.render(
            request,
            "dashboard.html",
            session,
            by_stage=by_stage,
            projects=listed,
            risk=risk,
            agencies=agencies,
            strikes={str(a.get("name") or a.get("agency_id")): int(a.get("strikes") or 0) for a in agencies},
            months=months,
            claims=ranked,
            insurers=per_insurer(ranked),
            filings=rows,
            filing_rules=(filings.body or {}).get("filing_rules", []) if filings.ok else [],
            filings_by_insurer=per_debtor(rows, "insurer"),
            filings_by_agency=per_debtor(rows, "agency"),
            missing=[n for n, a in _named(projects, pool, claims, filings) if not a.ok],
        )


def _named(*answers: Any) -> list[tuple[str, Any]]:
    """Each source the dashboard reads with its Chinese name, to say which one did not answer."""
    return list(zip(("承保", "机构库", "理赔", "履约义务"), answers, strict=True))


def _pool_items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in ("items", "agencies"):
            if isinstance(body.get(key), list):
                return list(body[key])
    return []
