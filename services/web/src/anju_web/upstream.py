"""Calls to the services' own HTTP APIs, always with the signed-in user's token.

The web never signs anything itself and never filters what a service answered into something wider:
what a user may see is decided by the service behind each call (XC-05).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

FORWARDED_HEADERS = ("content-type", "idempotency-key", "if-match", "accept")


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Upstreams:
    def __init__(self, bases: dict[str, str], *, timeout_s: float) -> None:
        self.bases = bases
        # One pooled client for the process: pages make several calls each and a phone waits for them all.
        self.client = httpx.AsyncClient(timeout=timeout_s, limits=httpx.Limits(max_connections=100))

    def url(self, service: str, path: str) -> str:
        return f"{self.bases[service]}/{path.lstrip('/')}"

    async def get(self, service: str, path: str, token: str, **params: Any) -> Answer:
        """A GET as the user; an unreachable service is answered 503 so the page can say so."""
        query = {k: v for k, v in params.items() if v is not None}
        try:
            response = await self.client.get(
                self.url(service, path), params=query, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError:
            return Answer(503, None)
        try:
            body = response.json()
        except ValueError:
            body = None
        return Answer(response.status_code, body)

    async def forward(
        self, method: str, service: str, path: str, token: str, headers: dict[str, str], body: bytes, query: str
    ) -> httpx.Response:
        """The /api proxy: the request as the browser sent it (a few headers), with the user's token."""
        sent = {k: v for k, v in headers.items() if k.lower() in FORWARDED_HEADERS}
        sent["Authorization"] = f"Bearer {token}"
        url = self.url(service, path) + (f"?{query}" if query else "")
        return await self.client.request(method, url, headers=sent, content=body)

    async def close(self) -> None:
        await self.client.aclose()
