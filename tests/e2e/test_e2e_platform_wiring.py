"""End to end: the five services run as real processes on the real Kafka, FerretDB and MinIO.

Each must reach /readyz 200, publish its AsyncAPI document, answer a malformed message on its
rejection topic (XC-07: never a silent drop), and stop cleanly on SIGTERM (no stray processes).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from anju_contracts.topics import BY_SERVICE, SERVICES
from anju_kit.kafka import ensure_topics
from anju_kit.settings import ServiceSettings
from anju_kit.testing import produce, read_topic
from tests.e2e.processes import wait_ready

pytestmark = pytest.mark.e2e

BASE_PORT = int(os.environ.get("ANJU_E2E_BASE_PORT", "18100"))

# The consumer groups each service uses ({} = the run's ANJU_KAFKA_GROUP_SUFFIX, which every group name
# ends with), with the topics they read (see each service's entrypoints).
GROUPS = {
    "anju-registry{}": [BY_SERVICE["registry"].commands],
    "anju-policy{}": [BY_SERVICE["policy"].commands],
    "anju-policy-registry{}": [BY_SERVICE["registry"].events],
    "anju-policy-risk{}": [BY_SERVICE["risk"].events],
    "anju-risk{}": [BY_SERVICE["risk"].commands],
    "anju-notify{}": [BY_SERVICE["notify"].commands],
    "anju-notify-claims{}": [BY_SERVICE["claims"].events],
    "anju-notify-policy{}": [BY_SERVICE["policy"].events],
    "anju-notify-risk{}": [BY_SERVICE["risk"].events],
    "anju-notify-outbox{}": [BY_SERVICE["notify"].events],
    "anju-claims{}": [BY_SERVICE["claims"].commands],
    "anju-claims-policy{}": [BY_SERVICE["policy"].events],
}


async def _position_groups_at_end(bootstrap: str, suffix: str) -> None:
    """A run's own consumer groups start where the topics end now, like a deployment that is caught
    up: what earlier tests left on the shared topics is not this run's business."""
    settings = ServiceSettings()
    await ensure_topics(settings, {t for topics in GROUPS.values() for t in topics})
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(sorted({t for topics in GROUPS.values() for t in topics}))
    finally:
        await admin.close()
    partitions_of = {d["topic"]: sorted(p["partition"] for p in d["partitions"]) for d in described}
    for group, topic_names in GROUPS.items():
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group.format(suffix), enable_auto_commit=False
        )
        await consumer.start()
        try:
            partitions = [TopicPartition(t, p) for t in topic_names for p in partitions_of[t]]
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            await consumer.commit(ends)
        finally:
            await consumer.stop()


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    logs = tmp_path_factory.mktemp("services")
    token = uuid.uuid4().hex[:8]
    suffix = f"-e2e-{token}"
    asyncio.run(_position_groups_at_end(ServiceSettings().kafka_bootstrap, suffix))
    procs: dict[str, subprocess.Popen[bytes]] = {}
    urls: dict[str, str] = {}
    for offset, service in enumerate(SERVICES, start=1):
        port = BASE_PORT + offset
        env = os.environ | {
            "ANJU_HTTP_PORT": str(port),
            "ANJU_MONGO_DB": f"e2e_{service}_{token}",
            "ANJU_INSTANCE_ID": f"e2e-{token}",
            "ANJU_KAFKA_GROUP_SUFFIX": suffix,
        }
        log = open(logs / f"{service}.log", "wb")  # noqa: SIM115 - closed with the process below
        procs[service] = subprocess.Popen(
            [sys.executable, "-m", f"anju_{service}"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        urls[service] = f"http://127.0.0.1:{port}"
    try:
        for service, url in urls.items():
            wait_ready(service, url, procs[service], logs / f"{service}.log", timeout_s=90)
        yield urls
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        codes = {service: _wait_exit(proc) for service, proc in procs.items()}
        assert all(code is not None for code in codes.values()), f"services did not stop: {codes}"


def _wait_exit(proc: subprocess.Popen[bytes]) -> int | None:
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return None


def _readiness(url: str, within_s: float = 30.0) -> dict[str, Any]:
    """The service's readiness once it answers ready, or its last answer. Readiness is a moment's state:
    on a loaded 2-core machine (five services catching up on shared topics) one Mongo ping may miss its
    3 s, and the service rightly says so until the next one answers."""
    deadline = time.monotonic() + within_s
    while True:
        ready: dict[str, Any] = httpx.get(f"{url}/readyz", timeout=10).json()
        if ready.get("ready") is True or time.monotonic() > deadline:
            return ready
        time.sleep(1)


def test_every_service_is_ready_with_openapi_asyncapi_and_metrics(platform: dict[str, str]) -> None:
    for service, url in platform.items():
        ready = _readiness(url)
        assert ready["ready"] is True and set(ready["checks"]) == {"kafka", "mongo", "object_store", "consumers"}, (
            service,
            ready,
        )
        assert httpx.get(f"{url}/openapi.json", timeout=10).json()["info"]["title"].startswith("Anju")
        asyncapi = httpx.get(f"{url}/asyncapi.json", timeout=10).json()
        assert BY_SERVICE[service].commands in json.dumps(asyncapi), service
        assert "anju_messages_handled_total" in httpx.get(f"{url}/metrics", timeout=10).text


def test_xc07_each_service_answers_a_malformed_command_on_its_rejection_topic(platform: dict[str, str]) -> None:
    settings = ServiceSettings()
    sent: dict[str, str] = {}

    async def scenario() -> dict[str, list[dict[str, object]]]:
        for service in platform:
            topics = BY_SERVICE[service]
            await ensure_topics(settings, [topics.commands, topics.rejections])
            marker = str(uuid.uuid4())
            sent[service] = marker
            # Looks like an envelope (it has an event_id) but lacks the required fields.
            await produce(
                settings.kafka_bootstrap,
                topics.commands,
                [json.dumps({"event_id": marker, "type": f"{service}.Nonsense"}).encode()],
                key=marker.encode(),
            )
        answers: dict[str, list[dict[str, object]]] = {}
        for service, marker in sent.items():
            records = await read_topic(
                settings.kafka_bootstrap,
                BY_SERVICE[service].rejections,
                expect=10_000_000,  # the topic keeps earlier runs' answers: read until the marker's
                timeout_s=30,
                until=lambda r, m=marker: m.encode() in (r.value or b""),
            )
            answers[service] = [json.loads(r.value) for r in records if marker.encode() in (r.value or b"")]
        return answers

    answers = asyncio.run(scenario())
    for service, found in answers.items():
        assert found, f"{service} did not answer the malformed command"
        data = found[0]["data"]
        assert isinstance(data, dict)
        assert data["reason_code"] == "MALFORMED_MESSAGE" and data["command_event_id"] == sent[service]
