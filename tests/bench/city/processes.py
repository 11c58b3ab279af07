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

from anju_claims.read_models import VIEWS as CLAIMS_VIEWS
from anju_contracts import topics
from anju_kit.kafka import ensure_topics
from anju_kit.mongo import Doc
from anju_kit.settings import ServiceSettings
from anju_kit.views import current_generation
from anju_kit.views import view_groups as kit_view_groups
from anju_registry.read_models import VIEWS as REGISTRY_VIEWS


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

    @property
    def policy_group(self) -> str:
        """The claims service's group folding policy facts (``consumer_group("anju-claims-policy")``)."""
        return f"anju-claims-policy{self.group_suffix}"

    @property
    def claims_bucket(self) -> str:
        return f"{self.prefix}-claims-{self.region}".replace("_", "-").lower()

    def port(self, service: str) -> int:
        return self.base_port + {"registry": 1, "claims": 4}[service]

    def groups(self) -> dict[str, list[str]]:
        """Every consumer group the city's services use, with the topics each reads."""
        return {
            f"anju-registry{self.group_suffix}": [topics.REGISTRY.commands],
            self.claims_group: [topics.CLAIMS.commands],
            self.policy_group: [topics.POLICY.events],
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
            "ANJU_CLAIMS_SWEEP_INTERVAL_S": str(sweep_interval_s),
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
    """The consumer groups of the city's read models (router and writer of registry's and claims' views)."""
    found: list[str] = []
    for service, views in (("registry", REGISTRY_VIEWS), ("claims", CLAIMS_VIEWS)):
        db = mongo[names.database(service)]
        generations = {view.name: await current_generation(db, view) for view in views}
        service_settings = ServiceSettings.for_service(service, kafka_group_suffix=names.group_suffix)
        found += kit_view_groups(service_settings, views, generations)
    return found


async def position_groups_at_end(settings: ServiceSettings, names: CityNames) -> None:
    """Commit the current end offsets for each of the city's groups (before its service starts)."""
    groups = names.groups()
    wanted = sorted({t for ts in groups.values() for t in ts})
    await ensure_topics(settings, [*wanted, *map(topics.dlq, wanted)])
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
