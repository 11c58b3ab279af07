"""The services as local processes (``python -m anju_<service>``), as the claims benchmark runs them.

Each gets its own HTTP port, database and consumer groups (named after the city's database prefix and
region), so neither the platform of ``make run`` nor another run sees them. Consumer groups are put at
the end of their topics before a service starts, like a deployment that is caught up: what others left
on the shared topics is not the city's. Resident memory comes from ``/proc/<pid>/status`` (VmRSS).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from anju_contracts import topics
from anju_kit.kafka import ensure_topics
from anju_kit.mongo import Doc
from anju_kit.settings import ServiceSettings
from anju_kit.views import current_generation
from tests.composition import built_views
from tests.composition import view_group_topics as composed_view_group_topics

SERVICES = ("registry", "policy", "risk", "claims")
SERVICE_PORTS = {"registry": 1, "policy": 2, "risk": 3, "claims": 4}  # as the platform's 8101 … 8104


@dataclass(frozen=True)
class CityNames:
    """Where the city lives: databases, consumer groups, bucket, ports (``prefix`` must be the caller's own)."""

    prefix: str
    region: str
    base_port: int = 18_400

    @property
    def _suffix(self) -> str:
        return f"{self.prefix}_{self.region}".replace("-", "_")

    def database(self, service: str) -> str:
        return f"{self.prefix}_{service}_{self.region}".replace("-", "_")

    @property
    def city_database(self) -> str:
        """The manifest and the benchmark's fixtures (the 100,000-document slice)."""
        return self.database("city")

    @property
    def group_suffix(self) -> str:
        return f"-{self._suffix}"

    @property
    def claims_group(self) -> str:
        """As the service names it: ``settings.consumer_group("anju-claims")`` with the city's suffix."""
        return f"anju-claims{self.group_suffix}"

    def commands_group(self, service: str) -> str:
        """A service's command group, as it names it: ``settings.consumer_group("anju-<service>")``."""
        return f"anju-{service}{self.group_suffix}"

    @property
    def claims_policy_group(self) -> str:
        """The claims service's group folding policy's events (``consumer_group("anju-claims-policy")``)."""
        return f"anju-claims-policy{self.group_suffix}"

    def bucket(self, service: str) -> str:
        return f"{self.prefix}-{service}-{self.region}".replace("_", "-").lower()

    @property
    def claims_bucket(self) -> str:
        return self.bucket("claims")

    def port(self, service: str) -> int:
        return self.base_port + SERVICE_PORTS[service]

    def groups(self) -> dict[str, list[str]]:
        """The command groups of the city's services, with the topics each reads: put at the end of
        their topics on every run (a re-run re-sends its unfinished commands)."""
        return {self.commands_group(s): [getattr(topics, s.upper()).commands] for s in SERVICES}

    def event_groups(self) -> dict[str, list[str]]:
        """The groups folding another service's events (bootstrap.py of each: policy reads registry's and
        risk's, claims policy's; risk reads them through its views, see ``view_group_topics``). Put at the
        end only where they committed nothing yet: events are not re-sent, a resumed seed must fold what
        its services published before it stopped."""
        return {
            f"anju-policy-registry{self.group_suffix}": [topics.REGISTRY.events],
            f"anju-policy-risk{self.group_suffix}": [topics.RISK.events],
            self.claims_policy_group: [topics.POLICY.events],
        }

    def env(self, service: str, settings: ServiceSettings, *, sweep_interval_s: float) -> dict[str, str]:
        return os.environ | {
            "ANJU_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "ANJU_MONGO_URL": settings.mongo_url,
            "ANJU_MONGO_DB": self.database(service),
            "ANJU_S3_ENDPOINT": settings.s3_endpoint,
            "ANJU_S3_ACCESS_KEY": settings.s3_access_key,
            "ANJU_S3_SECRET_KEY": settings.s3_secret_key.get_secret_value(),
            "ANJU_REGION": self.region,
            "ANJU_HTTP_PORT": str(self.port(service)),
            "ANJU_INSTANCE_ID": f"city-{self._suffix}",
            "ANJU_KAFKA_GROUP_SUFFIX": self.group_suffix,
            "ANJU_CLAIMS_BUCKET": self.claims_bucket,
            "ANJU_POLICY_BUCKET": self.bucket("policy"),
            "ANJU_RISK_BUCKET": self.bucket("risk"),
            "ANJU_CLAIMS_SWEEP_INTERVAL_S": str(sweep_interval_s),
            "ANJU_POLICY_SWEEP_INTERVAL_S": str(sweep_interval_s),
            "ANJU_RISK_SWEEP_INTERVAL_S": str(sweep_interval_s),
            "ANJU_LOG_LEVEL": "WARNING",
        }


@dataclass
class ServiceProcess:
    name: str
    url: str
    process: asyncio.subprocess.Process
    log_path: Path
    started: float = field(default_factory=time.perf_counter)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    def rss_mib(self) -> float:
        """Resident memory now (VmRSS), in MiB."""
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    async def stop(self) -> None:
        if not self.alive:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def view_groups(settings: ServiceSettings, names: CityNames, mongo: AsyncMongoClient[Doc]) -> list[str]:
    """The consumer groups of the city's read models (router and writer of each service's views)."""
    return list(await view_group_topics(settings, names, mongo))


async def view_group_topics(
    settings: ServiceSettings, names: CityNames, mongo: AsyncMongoClient[Doc]
) -> dict[str, list[str]]:
    """The city's read-model groups with the topics each reads: a router its views' sources, a writer its
    service's views topic."""
    found: dict[str, list[str]] = {}
    for service in SERVICES:
        views = built_views(service, names.region)
        db = mongo[names.database(service)]
        generations = {view.name: await current_generation(db, view) for view in views}
        service_settings = ServiceSettings.for_service(service, kafka_group_suffix=names.group_suffix)
        found |= composed_view_group_topics(service_settings, views, generations)
    return found


async def position_groups_at_end(
    settings: ServiceSettings, names: CityNames, *, fresh: dict[str, list[str]] | None = None
) -> None:
    """Commit the current end offsets for each of the city's command groups (before its service starts),
    and for each group of ``fresh`` on the partitions where it has committed nothing yet: a new city's
    read models fold the city's own events, not everything the shared local topics ever carried (a
    resumed seed's read models carry on where they were)."""
    groups = names.groups()
    wanted = sorted({t for ts in groups.values() for t in ts})
    await ensure_topics(settings, [*wanted, *map(topics.dlq, wanted)])
    fresh = {**names.event_groups(), **(fresh or {})}
    wanted = sorted({*wanted, *(t for ts in fresh.values() for t in ts)})
    await ensure_topics(settings, wanted)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(wanted)
    finally:
        await admin.close()
    partitions_of = {d["topic"]: sorted(p["partition"] for p in d["partitions"]) for d in described}
    for group, names_read in groups.items():
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap, group_id=group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            partitions = [TopicPartition(t, p) for t in names_read for p in partitions_of[t]]
            consumer.assign(partitions)
            await consumer.commit(await consumer.end_offsets(partitions))
        finally:
            await consumer.stop()
    for group, names_read in fresh.items():
        await _start_at_end_where_new(
            settings, group, [TopicPartition(t, p) for t in names_read for p in partitions_of[t]]
        )


async def _start_at_end_where_new(settings: ServiceSettings, group: str, partitions: list[TopicPartition]) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        new = {tp: end for tp, end in ends.items() if await consumer.committed(tp) is None}
        if new:
            await consumer.commit(new)
    finally:
        await consumer.stop()


async def start_service(
    service: str, settings: ServiceSettings, names: CityNames, log_dir: Path, *, sweep_interval_s: float = 600.0
) -> ServiceProcess:
    await asyncio.to_thread(log_dir.mkdir, parents=True, exist_ok=True)
    log_path = log_dir / f"{service}.log"
    with log_path.open("ab") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            f"anju_{service}",
            env=names.env(service, settings, sweep_interval_s=sweep_interval_s),
            stdout=log_file,
            stderr=log_file,
        )
    return ServiceProcess(service, f"http://127.0.0.1:{names.port(service)}", process, log_path)


async def wait_ready(service: ServiceProcess, timeout_s: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout_s
    async with httpx.AsyncClient() as client:
        while time.perf_counter() < deadline:
            if not service.alive:
                raise RuntimeError(f"{service.name} exited ({service.process.returncode}):\n{service.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{service.url}/readyz", timeout=3)).status_code == 200:
                    return
            await asyncio.sleep(0.5)
    raise RuntimeError(f"{service.name} not ready at {service.url}/readyz:\n{service.log_tail()}")
