"""``make seed-city``: one region's city loaded through the services' own write paths, timed.

The registry, policy, risk and claims services run as local processes on their own ports and databases
(``<prefix>_<service>_<region>``). In order:

1. registry (HTTP, the registry's commands): insurers' staff, the agency pool, practitioners applied
   and approved (the teams come from policy's ``registry.AssignTeam``, step 2);
2. projects through policy's and risk's commands (``underwriting``): registered with the quotation
   letter, agency and team, contract, premium, policy, construction, the risk file with its issues,
   the sealed final report, completion and the liability period, the units' owners; claims fold the
   policy service's own events;
3. claims on ``anju.claims.commands.v1`` in bulk, signed as the insurers' systems: every report, then
   the steps of its planned stage, in checkpointed chunks; each chunk is done when the claims
   consumer group has committed past it (the service commits only after storing);
4. the benchmark's fixture: a 100,000-document slice of the claims projection for "the old way".

Every finished step is recorded in the manifest; a re-run skips it and re-sends an unfinished chunk
(applied once: the event ids are the plan's). It prints the time of each part and the collection sizes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from anju_contracts import Envelope, topics
from anju_kit.auth import ActorTokens
from anju_kit.mongo import connect
from anju_kit.settings import ServiceSettings
from tests.bench.city import registry_requests as rr
from tests.bench.city.claim_commands import claim_commands
from tests.bench.city.counts import planned, stored_counts
from tests.bench.city.desks import Desk
from tests.bench.city.kafka_io import Sender, wait_caught_up, wait_drained
from tests.bench.city.manifest import Manifest
from tests.bench.city.plan import STAFF_PER_INSURER, CityPlan
from tests.bench.city.processes import (
    SERVICES,
    CityNames,
    ServiceProcess,
    position_groups_at_end,
    start_service,
    view_group_topics,
    view_groups,
    wait_ready,
)
from tests.bench.city.registry_seed import Answers, RegistryClient
from tests.bench.city.sizes import collection_sizes, format_sizes
from tests.bench.city.slice import build_slice
from tests.bench.city.underwriting import Underwriting

Doc = dict[str, Any]
PARTS = frozenset({"registry", "projects", "claims", "slice"})


@dataclass(frozen=True)
class Options:
    scale: float = 1.0
    region: str = "shanghai"
    prefix: str = "seed"
    policy_chunk: int = 40  # projects (of 250 units and 250 risk issues) per checkpoint
    claim_chunk: int = 5_000  # claims (with their later steps) per checkpoint
    registry_concurrency: int = 4
    slice_docs: int = 100_000
    documents: int | None = None  # claims taken to a stage that renders a PDF; None = the plan's default
    issues_per_project: int | None = None  # risk issues per project; None = the plan's default (250)
    tag: str | None = None  # the ids' prefix; None = "city" (another city on the same topics needs its own)
    base_port: int = 18_400  # registry, policy, risk, claims on base + 1 … 4
    parts: frozenset[str] = PARTS  # a subset measures one part alone; the city is finished only with all
    log_dir: Path = Path(".run/city")


@dataclass
class Run:
    options: Options
    settings: ServiceSettings
    names: CityNames
    manifest: Manifest
    services: dict[str, ServiceProcess]
    answers: dict[str, Answers] = field(default_factory=dict)

    @property
    def plan(self) -> CityPlan:
        return self.manifest.plan

    async def step(self, name: str, items: int, work: Callable[[], Awaitable[None]]) -> None:
        if self.manifest.done(name):
            return
        started = time.perf_counter()
        await work()
        seconds = time.perf_counter() - started
        await self.manifest.mark(name, seconds=seconds, items=items)
        print(f"  {name:<34} {items:>9,} in {seconds:8.1f} s  ({items / seconds if seconds else 0:,.0f}/s)", flush=True)


def chunks(n: int, size: int) -> Iterator[range]:
    for start in range(0, n, size):
        yield range(start, min(n, start + size))


# -- 1. registry ---------------------------------------------------------------------------------


async def seed_registry(run: Run) -> None:
    plan = run.plan
    client = RegistryClient(run.services["registry"].url, run.settings, concurrency=run.options.registry_concurrency)
    people = [x for a in range(plan.agencies) for x in plan.agency_practitioners(a)]

    def answers(step: str) -> Answers:
        return run.answers.setdefault(step, Answers())

    try:
        await run.step(
            "registry:insurer_staff",
            plan.insurers * STAFF_PER_INSURER,
            lambda: client.send_all([rr.insurer_staff(plan, k) for k in range(plan.insurers)], answers("staff")),
        )
        await run.step(
            "registry:agencies",
            plan.agencies,
            lambda: client.send_all([rr.agency_admission(plan, a) for a in range(plan.agencies)], answers("agencies")),
        )
        await run.step(
            "registry:practitioners_applied",
            len(people),
            lambda: client.send_all([[rr.application(plan, x)] for x in people], answers("applications")),
        )
        await run.step(
            "registry:practitioners_approved",
            len(people),
            lambda: client.send_all([[rr.approval(plan, x)] for x in people], answers("approvals")),
        )
    finally:
        await client.close()


# -- 3. claims -----------------------------------------------------------------------------------


async def seed_claims(run: Run, sender: Sender) -> None:
    """Per chunk: the reports (the service creates them in bulk), then every later step (one command each)."""
    plan = run.plan
    for k, claims in enumerate(chunks(plan.claims, run.options.claim_chunk)):
        commands = [claim_commands(plan, i) for i in claims]
        reports = [c[0] for c in commands]
        later = [e for c in commands for e in c[1:]]

        async def report(reports: list[Envelope] = reports) -> None:
            await _claims(run, sender, reports)

        async def follow(later: list[Envelope] = later) -> None:
            await _claims(run, sender, later)

        await run.step(f"reports:{k:04d}", len(reports), report)
        await run.step(f"steps:{k:04d}", len(later), follow)


async def _claims(run: Run, sender: Sender, envelopes: list[Envelope]) -> None:
    targets = await sender.send(topics.CLAIMS.commands, envelopes)
    await wait_drained(
        run.settings.kafka_bootstrap,
        run.names.commands_group("claims"),
        targets,
        alive=lambda: run.services["claims"].alive,
        what="claims",
    )


# -- the run -------------------------------------------------------------------------------------


async def seed(options: Options) -> Doc:
    """Seed (or resume) the city; returns the figures the manifest keeps (sizes, stored vs planned)."""
    settings = ServiceSettings.for_service("city-seed", region=options.region)
    names = CityNames(options.prefix, options.region, options.base_port)
    mongo = connect(settings)
    try:
        manifest = await Manifest.open(
            mongo[names.city_database]["manifest"],
            scale=options.scale,
            region=options.region,
            documents=options.documents,
            issues_per_project=options.issues_per_project,
            tag=options.tag,
        )
        plan = manifest.plan
        print(_header(plan, names), flush=True)
        await position_groups_at_end(settings, names, fresh=await view_group_topics(settings, names, mongo))
        log_dir = options.log_dir / names.city_database
        services = {s: await start_service(s, settings, names, log_dir) for s in SERVICES}
        run = Run(options, settings, names, manifest, services)
        sender = Sender(settings.kafka_bootstrap, ActorTokens.from_settings(settings))
        desk = Desk(settings.token_secret.get_secret_value(), concurrency=options.registry_concurrency)
        rss: dict[str, float] = {}
        try:
            await asyncio.gather(*(wait_ready(s) for s in services.values()))
            await sender.start()
            if "registry" in options.parts:
                await seed_registry(run)
            if "projects" in options.parts:
                await Underwriting(run, sender, desk).seed()
            if "claims" in options.parts:
                await seed_claims(run, sender)

            async def slice_() -> None:
                await build_slice(mongo, names, options.slice_docs)

            if options.slice_docs > 0 and "slice" in options.parts:
                await run.step("bench:claims_slice", options.slice_docs, slice_)
            # The lists are read models: the city is seeded when they show all of it.
            waited = await wait_caught_up(settings.kafka_bootstrap, await view_groups(settings, names, mongo))
            print(f"  read models caught up in {waited:.0f} s after the last step", flush=True)
            rss = {s.name: s.rss_mib() for s in services.values()}
        finally:
            await sender.stop()
            await desk.close()
            await asyncio.gather(*(s.stop() for s in services.values()))
        figures = await _report(run, mongo, rss, log_dir)
        if options.parts == PARTS:
            await manifest.finish(figures)
        return figures
    finally:
        await mongo.close()


def _header(plan: CityPlan, names: CityNames) -> str:
    return (
        f"city of scale {plan.scale} in region {plan.region} (as of {plan.as_of:%Y-%m-%d %H:%M} Asia/Shanghai): "
        f"{plan.projects:,} projects, {plan.units:,} units, {plan.claims:,} claims, {plan.insurers} insurers, "
        f"{plan.agencies} agencies, {plan.practitioners:,} practitioners\n"
        f"databases {', '.join(names.database(s) for s in SERVICES)}, {names.city_database}; "
        f"ports {', '.join(f'{s} {names.port(s)}' for s in SERVICES)}"
    )


def _parts(manifest: Manifest) -> list[tuple[str, int, float]]:
    """(part, items, seconds) summed over the manifest's steps (this run's and earlier runs')."""
    parts: dict[str, list[float]] = {}
    labels = {
        "policy": "policy facts (as sent by an older seed)",
        "projects:registered": "projects registered, agency and team (policy)",
        "projects:issued": "contract, premium, policy, construction",
        "risk:files": "risk issues with plan, rectification, 销项",
        "risk:sealed": "final reports sealed (a PDF each)",
        "projects:completed": "completion accepted and filed (policy)",
        "owners": "units' owners registered (HTTP, batches)",
        "reports": "claims reported (bulk intake)",
        "steps": "claims' later steps (commands, one by one)",
    }
    for name, step in manifest.steps.items():
        kind = name.split(":")
        part = labels.get(f"{kind[0]}:{kind[-1]}", labels.get(kind[0], name))
        items, seconds = parts.setdefault(part, [0, 0.0])
        parts[part] = [items + step["items"], seconds + step["seconds"]]
    return [(part, int(items), seconds) for part, (items, seconds) in parts.items()]


async def _report(run: Run, mongo: AsyncMongoClient[Doc], rss: dict[str, float], log_dir: Path) -> Doc:
    names, plan = run.names, run.plan
    lines = ["", f"{'part':<44} {'items':>10} {'seconds':>9} {'items/s':>9}"]
    total = 0.0
    for part, items, seconds in _parts(run.manifest):
        total += seconds
        lines.append(f"{part:<44} {items:>10,} {seconds:>9.1f} {items / seconds if seconds else 0:>9,.0f}")
    lines.append(f"{'total':<44} {'':>10} {total:>9.1f}")
    for step, answers in run.answers.items():
        lines.append(f"answers to {step}: {answers.summary()}")
        lines += [f"    {label}: {detail}" for label, detail in answers.samples.items()]
    started = time.perf_counter()
    stored = await stored_counts(mongo, names, plan.tag)
    scan = time.perf_counter() - started
    expected = planned(plan)
    lines.append(f"stored / planned (whole collections read, {scan:.1f} s in all):")
    lines += [f"    {what:<34} {stored.get(what, 0):>9,} / {n:>9,}" for what, n in sorted(expected.items())]
    lines += [f"    {what:<34} {n:>9,}" for what, n in sorted(stored.items()) if what not in expected]
    sizes = await collection_sizes(mongo, [names.database(s) for s in SERVICES])
    lines += ["", *format_sizes(sizes)]
    lines.append("resident memory at the end: " + ", ".join(f"{k} {v:.0f} MiB" for k, v in rss.items()))
    lines.append(f"service logs: {log_dir}")
    print("\n".join(lines), flush=True)
    return {
        "sizes": sizes,
        "stored": stored,
        "planned": expected,
        "answers": {step: dict(a.counts) for step, a in run.answers.items()},
        "rss_mib": rss,
        "count_scan_s": round(scan, 2),
    }
