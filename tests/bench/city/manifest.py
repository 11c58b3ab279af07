"""What was seeded where: one document (``_id`` "city") in the city's own database.

It fixes the plan's ``as_of`` at the first run, records each finished step (a re-run skips it) with the
seconds it took, and tells the benchmark that a city is there and at which scale. A re-run with another
scale against the same databases is refused: the ids would mean other things.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from anju_kit.clock import SHANGHAI
from tests.bench.city.plan import CityPlan

Doc = dict[str, Any]
CITY = "city"


@dataclass
class Manifest:
    collection: AsyncCollection[Doc]
    plan: CityPlan
    steps: dict[str, Doc] = field(default_factory=dict)  # name -> {"seconds", "items", "at"}
    finished_at: datetime | None = None

    @classmethod
    async def open(
        cls,
        collection: AsyncCollection[Doc],
        *,
        scale: float,
        region: str,
        documents: int | None = None,
        issues_per_project: int | None = None,
        tag: str | None = None,
    ) -> Manifest:
        """The city's manifest; a new one (``as_of`` = now) when there is none. ``documents`` and
        ``issues_per_project`` and ``tag`` count only for a new city: a resumed one keeps its plan."""
        doc = await collection.find_one({"_id": CITY})
        if doc is None:
            as_of = datetime.now(SHANGHAI).replace(microsecond=0)
            plan = CityPlan.at(
                scale,
                region=region,
                as_of=as_of,
                documents=documents,
                issues_per_project=issues_per_project,
                tag=tag,
            )
            manifest = cls(collection, plan)
            await manifest.save()
            return manifest
        if float(doc["scale"]) != scale or doc["region"] != region:
            raise SystemExit(
                f"{collection.database.name} holds a city of scale {doc['scale']} ({doc['region']}); "
                f"drop it first (--drop) or choose another --db-prefix"
            )
        finished = doc.get("finished_at")
        return cls(
            collection,
            plan_of(doc, region),
            dict(doc.get("steps", {})),
            _aware(finished) if finished else None,
        )

    @classmethod
    async def read(cls, collection: AsyncCollection[Doc]) -> Doc | None:
        return await collection.find_one({"_id": CITY})

    def done(self, step: str) -> bool:
        return step in self.steps

    async def mark(self, step: str, *, seconds: float, items: int) -> None:
        self.steps[step] = {"seconds": round(seconds, 3), "items": items, "at": datetime.now(UTC)}
        await self.save()

    async def finish(self, figures: Doc) -> None:
        self.finished_at = datetime.now(UTC)
        await self.save(figures=figures)

    async def save(self, **extra: Any) -> None:
        plan = self.plan
        doc: Doc = {
            "scale": plan.scale,
            "region": plan.region,
            "as_of": plan.as_of,
            "counts": {
                "projects": plan.projects,
                "units": plan.units,
                "claims": plan.claims,
                "insurers": plan.insurers,
                "agencies": plan.agencies,
                "practitioners": plan.practitioners,
                "documents": plan.documents,
                "issues_per_project": plan.issues_per_project,
                "tag": plan.tag,
            },
            "steps": self.steps,
            "finished_at": self.finished_at,
            **extra,
        }
        await self.collection.replace_one({"_id": CITY}, doc, upsert=True)


def plan_of(doc: Doc, region: str) -> CityPlan:
    """The plan a manifest document fixed (its scale, ``as_of`` and budgets)."""
    counts = doc["counts"]
    return CityPlan.at(
        float(doc["scale"]),
        region=region,
        as_of=_aware(doc["as_of"]).astimezone(SHANGHAI),
        documents=int(counts["documents"]),
        issues_per_project=counts.get("issues_per_project"),  # None before risk was seeded: the default
        tag=counts.get("tag"),  # None: the default, as before tags
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
