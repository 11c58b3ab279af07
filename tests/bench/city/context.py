"""What a city benchmark question may use: the plan (ids of things that exist), the services' HTTP APIs
with an actor's token, and the services' databases (read-only, for questions asked of a read model)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from anju_contracts import Actor, Role
from anju_kit.auth import issue_token
from tests.bench.city.plan import CityPlan
from tests.bench.city.processes import CityNames, ServiceProcess

Doc = dict[str, Any]


@dataclass
class City:
    plan: CityPlan
    names: CityNames
    mongo: AsyncMongoClient[Doc]
    services: dict[str, ServiceProcess]
    secret: str
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=300.0))
    _tokens: dict[str, str] = field(default_factory=dict)

    def db(self, service: str) -> AsyncDatabase[Doc]:
        return self.mongo[self.names.database(service)]

    @property
    def regulator(self) -> Actor:
        return Actor(id="city-bench-regulator", role=Role.REGULATOR, region=self.plan.region)

    def token(self, actor: Actor) -> str:
        if actor.id not in self._tokens:
            self._tokens[actor.id] = issue_token(actor, self.secret)
        return self._tokens[actor.id]

    async def get(self, service: str, path: str, *, actor: Actor | None = None) -> Any:
        """``GET`` on a service as ``actor`` (default: the regulator, who sees the whole region)."""
        headers = {"Authorization": f"Bearer {self.token(actor or self.regulator)}"}
        response = await self.http.get(f"{self.services[service].url}{path}", headers=headers)
        response.raise_for_status()
        return response.json()

    def sample(self, n: int, population: int, *, seed: int = 10) -> list[int]:
        """``n`` indexes below ``population`` (the same every run)."""
        return random.Random(seed).sample(range(population), min(n, population))

    @staticmethod
    def cycle(values: Sequence[str]) -> Iterator[str]:
        return itertools.cycle(values)

    async def close(self) -> None:
        await self.http.aclose()
