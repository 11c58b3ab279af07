"""What the seed asks of policy and risk over HTTP: the uploads (presigned PUTs, HTTP only in the kit's
pipeline), the owners' registration (HTTP only, XC-09), and reading a project back to wait for the
platform's own asynchronous steps (the registry's team, risk's seal folded by policy).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx

from anju_contracts import Actor
from anju_contracts.base import ContractModel
from anju_contracts.common import EvidenceRef
from anju_kit.auth import issue_token
from tests.bench.city.registry_seed import Answers

Probe = Callable[[], Awaitable[bool]]


class Desk:
    """One HTTP client for the seed's policy and risk requests, bounded concurrency, tokens cached."""

    def __init__(self, secret: str, *, concurrency: int = 4) -> None:
        self.client = httpx.AsyncClient(timeout=120.0)
        self.secret = secret
        self.tokens: dict[str, str] = {}
        self.limit = asyncio.Semaphore(concurrency)

    async def close(self) -> None:
        await self.client.aclose()

    def headers(self, actor: Actor, idempotency_key: uuid.UUID | None = None) -> dict[str, str]:
        if actor.id not in self.tokens:
            self.tokens[actor.id] = issue_token(actor, self.secret)
        found = {"Authorization": f"Bearer {self.tokens[actor.id]}"}
        if idempotency_key is not None:
            found["Idempotency-Key"] = str(idempotency_key)
        return found

    async def get(self, url: str, actor: Actor) -> httpx.Response:
        async with self.limit:
            return await self.client.get(url, headers=self.headers(actor))

    async def post(
        self, url: str, body: ContractModel, actor: Actor, idempotency_key: uuid.UUID | None = None
    ) -> httpx.Response:
        headers = {**self.headers(actor, idempotency_key), "Content-Type": "application/json"}
        async with self.limit:
            return await self.client.post(url, content=body.model_dump_json(), headers=headers)

    async def upload(
        self, url: str, ask: Callable[[int, str], ContractModel], data: bytes, actor: Actor, content_type: str
    ) -> EvidenceRef:
        """A ticket from ``url`` (``ask(size, sha256)`` is the request), then the PUT straight to MinIO."""
        digest = hashlib.sha256(data).hexdigest()
        answer = await self.post(url, ask(len(data), digest), actor)
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"upload ticket refused at {url}: {answer.status_code} {answer.text[:300]}")
        ticket = answer.json()
        async with self.limit:
            put = await self.client.put(ticket["url"], content=data, headers=ticket["headers"])
        if put.status_code != 200:
            raise RuntimeError(f"upload to {ticket['key']} failed: {put.status_code} {put.text[:300]}")
        return EvidenceRef(key=ticket["key"], sha256=digest, size=len(data), content_type=content_type)

    async def post_all(
        self, groups: Sequence[Sequence[tuple[str, ContractModel, Actor, uuid.UUID]]], answers: Answers
    ) -> None:
        """Groups at once (bounded), each group in order: requests on one aggregate one after the other
        (policy answers 409 "changing too fast" to writers racing on one project). Anything but
        applied/duplicate raises after all are sent, so the step stays undone and a re-run sends them
        again (the idempotency keys make it once)."""

        async def one(url: str, body: ContractModel, actor: Actor, key: uuid.UUID) -> None:
            for attempt in range(5):
                answer = await self.post(url, body, actor, key)
                if answer.status_code != 409:
                    break
                await asyncio.sleep(0.2 * (attempt + 1))  # lost a compare-and-set to another writer
            if answer.status_code in (200, 201):
                answers.note("duplicate" if answer.json().get("duplicate") else "applied")
            else:
                answers.note(f"{answer.status_code}", answer.text)

        async def in_order(group: Sequence[tuple[str, ContractModel, Actor, uuid.UUID]]) -> None:
            for request in group:
                await one(*request)

        await asyncio.gather(*(in_order(group) for group in groups))
        failed = {k: n for k, n in answers.counts.items() if k not in ("applied", "duplicate")}
        if failed:
            raise RuntimeError(f"answered {failed}: {[answers.samples.get(k) for k in failed]}")


async def until_all(probes: dict[str, Probe], what: str, *, timeout_s: float = 600.0, pause_s: float = 0.5) -> None:
    """Until every probe is true (each asked again only while false); raises naming those still false."""
    left = dict(probes)
    deadline = time.perf_counter() + timeout_s
    while left:
        done = await asyncio.gather(*(probe() for probe in left.values()))
        left = {k: probe for (k, probe), ok in zip(left.items(), done, strict=True) if not ok}
        if not left:
            return
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timed out waiting for {what}: {sorted(left)[:10]} ({len(left)} left)")
        await asyncio.sleep(pause_s)


def json_of(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        return {}
    body: dict[str, Any] = response.json()
    return body
