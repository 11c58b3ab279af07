"""The real services as processes for the browser tests: each with this run's own database, bucket and
consumer-group suffix (groups placed at the end of the shared topics first), and the web in front of
them on its own port, offering this run's actors at its development sign-in."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from anju_contracts import Actor
from anju_kit.kafka import ensure_topics
from anju_kit.settings import ServiceSettings
from anju_kit.testing import group_at_end
from tests.e2e.processes import wait_ready

T = TypeVar("T")


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on its own thread: Playwright's sync API keeps an event loop running on this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _groups(service: str, suffix: str) -> dict[str, list[str]]:
    """Every consumer group of ``service`` (views included) with the topics it reads."""
    from anju_contracts import topics

    fixed = {  # each service's own groups besides its views (anju_<service>.bootstrap), with what they read
        "registry": {"": [topics.REGISTRY.commands]},
        "policy": {"": [topics.POLICY.commands], "-registry": [topics.REGISTRY.events], "-risk": [topics.RISK.events]},
        "risk": {"": [topics.RISK.commands]},
        "claims": {"": [topics.CLAIMS.commands], "-policy": [topics.POLICY.events]},
        "notify": {
            "": [topics.NOTIFY.commands],
            "-outbox": [topics.NOTIFY.events],
            **{f"-{o}": [topics.BY_SERVICE[o].events] for o in ("claims", "policy", "risk")},
        },
    }[service]
    groups = {f"anju-{service}{part}{suffix}": names for part, names in fixed.items()}
    module = importlib.import_module(f"anju_{service}.bootstrap")
    config = importlib.import_module(f"anju_{service}.config")
    settings_class = getattr(config, f"{service.capitalize()}Settings")
    built = module.build(settings_class.load(kafka_group_suffix=suffix))[0]
    try:
        views = built.views
        groups[views.router_group()] = sorted({s for v in views.views for s in v.sources})
        groups[views.writer_group] = [views.topic]
    except RuntimeError:
        pass
    return groups


async def _at_end(services: tuple[str, ...], suffix: str) -> None:
    settings = ServiceSettings()
    groups = {g: t for s in services for g, t in _groups(s, suffix).items()}
    await ensure_topics(settings, sorted({t for names in groups.values() for t in names}))
    for group, names in groups.items():
        await group_at_end(settings.kafka_bootstrap, group, names)


@contextmanager
def platform(
    run: str, services: tuple[str, ...], actors: list[tuple[str, Actor]], logs: Path, region: str = "shanghai"
) -> Iterator[dict[str, Any]]:
    suffix = f"-web-{run}"
    run_async(_at_end(services, suffix))
    procs: dict[str, subprocess.Popen[bytes]] = {}
    urls: dict[str, str] = {}
    base = os.environ | {"ANJU_REGION": region, "ANJU_KAFKA_GROUP_SUFFIX": suffix, "ANJU_INSTANCE_ID": run}
    for service in services:
        port = free_port()
        env = base | {
            "ANJU_HTTP_PORT": str(port),
            "ANJU_MONGO_DB": f"web_{service}_{run}",
            f"ANJU_{service.upper()}_BUCKET": f"web-{service}-{run}",
        }
        procs[service] = _start(service, env, logs)
        urls[service] = f"http://127.0.0.1:{port}"
    actors_file = logs / "actors.json"
    actors_file.write_text(
        json.dumps([{"label": label, **a.model_dump(mode="json", exclude={"region"})} for label, a in actors]),
        encoding="utf-8",
    )
    web_port = free_port()
    web_env = base | {
        "ANJU_HTTP_PORT": str(web_port),
        "ANJU_WEB_DEV_ACTORS_FILE": str(actors_file),
        "ANJU_WEB_DEMO_DIR": str(logs / "demo"),  # a demo run by the test leaves its actors here
    }
    web_env |= {f"ANJU_WEB_{s.upper()}_URL": url for s, url in urls.items()}
    procs["web"] = _start("web", web_env, logs)
    urls["web"] = f"http://127.0.0.1:{web_port}"
    try:
        for service, url in urls.items():
            wait_ready(service, url, procs[service], logs / f"{service}.log")
        yield {"urls": urls, "procs": procs, "suffix": suffix}
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        _drop(run, services)


def _start(service: str, env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    log = open(logs / f"{service}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", f"anju_{service}"], env=env, stdout=log, stderr=subprocess.STDOUT)


def _drop(run: str, services: tuple[str, ...]) -> None:
    """This run's own databases and buckets only."""
    from minio import Minio
    from pymongo import MongoClient

    settings = ServiceSettings()
    with MongoClient(settings.mongo_url, serverSelectionTimeoutMS=5000) as client:
        for service in services:
            client.drop_database(f"web_{service}_{run}")
    minio = Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=settings.s3_secure,
    )
    for service in services:
        bucket = f"web-{service}-{run}"
        if not minio.bucket_exists(bucket):
            continue
        for item in minio.list_objects(bucket, recursive=True, include_version=True):
            minio.remove_object(bucket, item.object_name or "", version_id=item.version_id)
        minio.remove_bucket(bucket)
