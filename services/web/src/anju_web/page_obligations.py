"""Obligations from the notify ledger (XC-02) on the pages: the regulator's filing figures (on time, late,
not filed, per insurer and per agency), the lists behind each figure, an insurer's open obligations in its
work queue, and each party's inbox. Every call goes to notify with the user's own token: notify decides
what the user may see (XC-05) and answers 403/404 for anything else, which the page shows as such."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju_contracts import Actor, Role
from anju_web.pages import TEMPLATES, Pages, must_sign_in

OPEN = ("open", "overdue", "escalated")  # notify's tallies of an obligation not yet met
# The dashboard's three figures per debtor and rule, each the union of notify tallies behind it.
FIGURES: dict[str, tuple[str, ...]] = {
    "on_time": ("fulfilled_on_time",),
    "late": ("fulfilled_late",),
    "not_filed": OPEN,
}
FIGURE_NAMES = {"on_time": "按时", "late": "逾期履行", "not_filed": "未履行"}
STATE_NAMES = {
    "open": "待履行",
    "fulfilled": "已履行",
    "overdue": "已逾期",
    "escalated": "已升级督办",
    "fulfilled_on_time": "按时履行",
    "fulfilled_late": "逾期履行",
    "cancelled": "已取消",
    "waived": "已豁免",
    "window": "期间内",
}
ROLE_NAMES = {"insurer": "保险公司", "agency": "风险管理机构"}


def state_label(state: str, on_time: bool | None = None) -> str:
    """A listing item's state in Chinese; a fulfilled one says whether in time (notify's ``on_time``)."""
    if state == "fulfilled" and on_time is not None:
        state = "fulfilled_on_time" if on_time else "fulfilled_late"
    return STATE_NAMES.get(state, state)


def list_link(rule: str, debtor: str | None, states: tuple[str, ...]) -> str:
    """The web's list behind a figure (``/obligations``), which reads notify's listing of the same."""
    query = [("rule", rule), *([("debtor", debtor)] if debtor else []), *(("state", s) for s in states)]
    return f"/obligations?{urlencode(query)}"


def filing_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per debtor and filing rule: on time / late / not filed, with the tallies each sums."""
    rows = []
    for debtor, rules in sorted((report.get("by_debtor") or {}).items()):
        role, _, debtor_id = debtor.partition(":")
        for rule, shelves in sorted(rules.items()):
            figures = {name: sum(int(shelves.get(s, 0)) for s in states) for name, states in FIGURES.items()}
            overdue = int(shelves.get("overdue", 0)) + int(shelves.get("escalated", 0))
            links = {name: list_link(rule, debtor, states) for name, states in FIGURES.items()}
            links["overdue"] = list_link(rule, debtor, ("overdue", "escalated"))
            links["region_overdue"] = list_link(rule, None, ("overdue",))
            row = {"debtor": debtor, "role": role, "id": debtor_id, "rule": rule, **figures, "overdue": overdue}
            rows.append(row | {"links": links})
    return rows


def per_debtor(rows: list[dict[str, Any]], role: str) -> dict[str, dict[str, int]]:
    """The chart's series: per debtor of ``role``, its figures summed over the filing rules."""
    tally: dict[str, dict[str, int]] = {}
    for row in rows:
        if row["role"] == role:
            counts = tally.setdefault(row["id"], dict.fromkeys(FIGURES, 0))
            for name in FIGURES:
                counts[name] += row[name]
    return tally


def by_deadline(items: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Overdue first (the longest overdue on top), then by the nearest legal deadline."""
    ranked = []
    for item in items:
        due = datetime.fromisoformat(item["due_at"]) if item.get("due_at") else None
        late = item.get("state") in ("overdue", "escalated") or (due is not None and due < now)
        ranked.append({**item, "overdue": late, "due": due})
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(ranked, key=lambda i: (not i["overdue"], i["due"] or far))


async def open_obligations(pages: Pages, token: str, actor: Actor) -> list[dict[str, Any]] | None:
    """The insurer's open obligations of every rule it owes (None: notify did not answer). One report read
    tells which rules hold open ones; then one listing per such rule."""
    if actor.role is not Role.INSURER or not actor.insurer_id:
        return []
    base = f"/v1/notify/debtors/insurer/{actor.insurer_id}"
    report = await pages.upstreams.get("notify", f"{base}/report", token)
    if not report.ok:
        return None
    rules = [r for r, shelves in (report.body or {}).get("by_rule", {}).items() if any(s in shelves for s in OPEN)]
    answers = await asyncio.gather(
        *(pages.upstreams.get("notify", f"{base}/obligations", token, rule_id=r, limit=100) for r in rules)
    )
    return [item for a in answers if a.ok for item in (a.body or {}).get("items", [])]


def install(router: APIRouter, pages: Pages) -> None:
    TEMPLATES.env.globals.update(
        ledger_state_label=state_label,
        debtor_role_label=lambda code: ROLE_NAMES.get(code, code),
        figure_names=FIGURE_NAMES,
    )

    @router.get("/obligations", response_class=HTMLResponse)
    async def obligations(
        request: Request,
        rule: Annotated[str, Query(pattern=r"^[A-Z]{2,4}-\d{2}$")],
        debtor: Annotated[str | None, Query(pattern=r"^(insurer|agency):[\w.\-]+$")] = None,
        state: Annotated[list[str] | None, Query()] = None,
    ) -> Response:
        """The list behind a figure: a debtor's obligations of a rule in some states, or the region's of a
        rule in one state (notify's by-debtor and by-rule listings)."""
        session = pages.signed_in(request)
        if session is None:
            return must_sign_in()
        states = [s for s in state or () if s in STATE_NAMES and s != "fulfilled"] or ["overdue"]  # notify's tallies
        if debtor:
            role, _, debtor_id = debtor.partition(":")
            path = f"/v1/notify/debtors/{role}/{debtor_id}/obligations"
            answer = await pages.upstreams.get("notify", path, session.token, rule_id=rule, state=states, limit=100)
        else:
            path = f"/v1/notify/rules/{rule}/obligations"
            answer = await pages.upstreams.get("notify", path, session.token, state=states[0], limit=100)
        if answer.status == 503:
            return pages.unavailable(request, session, "通知服务")
        if not answer.ok:
            return pages.not_found(request, session, "义务清单")
        title = f"{rule} · {debtor or '全区'} · {'、'.join(STATE_NAMES[s] for s in states)}"
        items = by_deadline((answer.body or {}).get("items", []), pages.now())
        total = (answer.body or {}).get("total", len(items))
        return pages.render(request, "obligations.html", session, title=title, items=items, total=total)

    @router.get("/inbox", response_class=HTMLResponse)
    async def inbox(request: Request, month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None) -> Response:
        """The signed-in party's own messages: reminders and escalations (notify scopes it, XC-05)."""
        session = pages.signed_in(request)
        if session is None:
            return must_sign_in()
        answer = await pages.upstreams.get("notify", "/v1/notify/inbox", session.token, month=month, limit=100)
        if not answer.ok:
            return pages.unavailable(request, session, "通知服务")
        body = answer.body or {}
        return pages.render(request, "inbox.html", session, items=body.get("items", []), counts=body.get("counts", {}))
