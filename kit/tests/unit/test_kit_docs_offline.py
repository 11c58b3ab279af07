"""Every service's ``/docs`` works on a network with no way out (issue #15, item 6): the page names no
other host, and Swagger UI's script and style come from the service itself (the pinned swagger-ui-dist
installed by ``make env`` through deploy/local/web-assets.sh)."""

from __future__ import annotations

import re

import httpx

from anju_kit.service import ServiceApp
from anju_kit.settings import ServiceSettings


async def test_docs_page_references_no_external_host_and_its_assets_are_served_locally() -> None:
    app = ServiceApp(ServiceSettings.for_service("claims"), title="Anju claims", description="t").build()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
        page = await client.get("/docs")
        assert page.status_code == 200
        urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", page.text)
        assert urls, page.text
        assert all(u.startswith("/") for u in urls), urls  # only this service's own paths
        assert "//" not in page.text.replace("://svc", ""), "no scheme-relative or absolute URL to another host"
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
            answer = await client.get(f"/static/swagger-ui/{asset}")
            assert answer.status_code == 200, f"{asset}: run `make env` (deploy/local/web-assets.sh)"
            assert len(answer.content) > 10_000
        assert (await client.get("/redoc")).status_code == 404  # ReDoc would load from a CDN: not offered
