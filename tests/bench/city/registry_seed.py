"""Sending the registry's requests over HTTP with bounded concurrency, counting the answers."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from anju_contracts import Actor
from anju_kit.auth import issue_token
from anju_kit.settings import ServiceSettings
from tests.bench.city.registry_requests import Request


@dataclass
class Answers:
    counts: Counter[str] = field(default_factory=Counter)  # "applied", "duplicate", "422 REG-02 …", "500" …
    samples: dict[str, str] = field(default_factory=dict)

    def note(self, label: str, detail: str = "") -> None:
        self.counts[label] += 1
        if detail:
            self.samples.setdefault(label, detail[:200])

    def summary(self) -> str:
        return ", ".join(f"{label}: {n}" for label, n in sorted(self.counts.items()))


class RegistryClient:
    def __init__(self, base_url: str, settings: ServiceSettings, *, concurrency: int = 4) -> None:
        self.client = httpx.AsyncClient(base_url=f"{base_url}/v1/registry", timeout=120.0)
        self.secret = settings.token_secret.get_secret_value()
        self.tokens: dict[str, str] = {}
        self.limit = asyncio.Semaphore(concurrency)

    async def close(self) -> None:
        await self.client.aclose()

    def _token(self, actor: Actor) -> str:
        if actor.id not in self.tokens:
            self.tokens[actor.id] = issue_token(actor, self.secret)
        return self.tokens[actor.id]

    async def send(self, request: Request, answers: Answers) -> None:
        headers = {
            "Authorization": f"Bearer {self._token(request.actor)}",
            "Idempotency-Key": str(request.idempotency_key),
        }
        async with self.limit:
            response = await self.client.post(request.path, json=request.json(), headers=headers)
        if response.status_code == 200:
            answers.note("duplicate" if response.json().get("duplicate") else "applied")
            return
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        failures = problem.get("failures") or []
        rules = sorted({f"{f.get('rule_id')} {f.get('code')}" for f in failures if isinstance(f, dict)})
        label = f"{response.status_code} {problem.get('reason_code', '')} {' '.join(rules)}"
        answers.note(label.strip(), response.text)

    async def send_in_order(self, requests: Sequence[Request], answers: Answers) -> None:
        """Requests about one aggregate, one after the other."""
        for request in requests:
            await self.send(request, answers)

    async def send_all(self, groups: Sequence[Sequence[Request]], answers: Answers) -> None:
        """Groups at once (bounded by the client's concurrency), each group in order. A refusal by a rule
        (422) is the registry's answer and recorded; any other failure raises, so the step is not marked
        done and a re-run sends it again."""
        await asyncio.gather(*(self.send_in_order(group, answers) for group in groups))
        failed = {
            k: n for k, n in answers.counts.items() if k not in ("applied", "duplicate") and not k.startswith("422 ")
        }
        if failed:
            raise RuntimeError(f"registry answered {failed}: {[answers.samples.get(k) for k in failed]}")
