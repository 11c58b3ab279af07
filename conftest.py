"""Shared test fixtures: the real local servers (deploy/local) or endpoints from the environment.

Integration and end-to-end tests talk to real Kafka, a MongoDB-wire server and MinIO. Endpoints come
from ANJU_KAFKA_BOOTSTRAP / ANJU_MONGO_URL / ANJU_S3_ENDPOINT (defaults: deploy/local). When nothing
answers there and a Docker engine exists, testcontainers starts the servers instead.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from pymongo import MongoClient

from anju_kit.settings import ServiceSettings


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap: str
    mongo_url: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    versions: dict[str, str]


def _reachable(hostport: str) -> bool:
    host, _, port = hostport.rpartition(":")
    host = host.split("//")[-1] or "127.0.0.1"
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except OSError:
        return False


def _mongo_hostport(url: str) -> str:
    rest = url.split("://", 1)[-1].split("/", 1)[0]
    return rest.split("@")[-1].split(",")[0]


def _server_versions(infra_kafka: str, mongo_url: str, s3: str) -> dict[str, str]:
    versions: dict[str, str] = {}
    try:
        from pymongo import MongoClient

        with MongoClient(mongo_url, serverSelectionTimeoutMS=2000) as client:
            info = client.admin.command("buildInfo")
            versions["mongo"] = (
                f"FerretDB {info['ferretdbVersion']}" if "ferretdbVersion" in info else f"MongoDB {info.get('version')}"
            )
    except Exception as exc:
        versions["mongo"] = f"unknown ({type(exc).__name__})"
    try:
        import httpx

        resp = httpx.get(f"http://{s3}/minio/health/live", timeout=2)
        versions["s3"] = resp.headers.get("Server", "unknown")
    except Exception as exc:
        versions["s3"] = f"unknown ({type(exc).__name__})"
    versions["kafka"] = os.environ.get("ANJU_KAFKA_VERSION") or _pinned("KAFKA_VERSION")
    return versions


def _pinned(name: str) -> str:
    path = os.path.join(os.path.dirname(__file__), "deploy", "local", "versions.env")
    try:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if line.startswith(f"{name}="):
                    return f"Apache Kafka {line.split('=', 1)[1].strip()} (KRaft)"
    except OSError:
        pass
    return "unknown"


def _from_containers() -> Infra | None:  # pragma: no cover - only where a Docker engine exists
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env().ping()
    except Exception:
        return None
    from testcontainers.kafka import KafkaContainer
    from testcontainers.minio import MinioContainer
    from testcontainers.mongodb import MongoDbContainer

    kafka = KafkaContainer().with_kraft().start()
    mongo = MongoDbContainer("mongo:7").start()
    minio = MinioContainer().start()
    cfg = minio.get_config()
    return Infra(
        kafka.get_bootstrap_server(),
        mongo.get_connection_url(),
        cfg["endpoint"],
        cfg["access_key"],
        cfg["secret_key"],
        {"kafka": "testcontainers", "mongo": "mongo:7", "s3": "minio (testcontainers)"},
    )


_INFRA: Infra | None = None


def _infra() -> Infra:
    global _INFRA
    if _INFRA is not None:
        return _INFRA
    defaults = ServiceSettings()
    kafka = defaults.kafka_bootstrap
    mongo = defaults.mongo_url
    s3 = defaults.s3_endpoint
    if all(_reachable(hp) for hp in (kafka.split(",")[0], _mongo_hostport(mongo), s3)):
        _INFRA = Infra(
            kafka,
            mongo,
            s3,
            defaults.s3_access_key,
            defaults.s3_secret_key.get_secret_value(),
            _server_versions(kafka, mongo, s3),
        )
        return _INFRA
    containers = _from_containers()
    if containers is None:
        pytest.fail(
            f"The local servers do not answer (Kafka {kafka}, Mongo {mongo}, S3 {s3}) and no Docker engine exists: "
            "run `make infra-up` (or `make test`, which does it for you).",
            pytrace=False,
        )
    _INFRA = containers
    os.environ.update(
        ANJU_KAFKA_BOOTSTRAP=containers.kafka_bootstrap,
        ANJU_MONGO_URL=containers.mongo_url,
        ANJU_S3_ENDPOINT=containers.s3_endpoint,
        ANJU_S3_ACCESS_KEY=containers.s3_access_key,
        ANJU_S3_SECRET_KEY=containers.s3_secret_key,
    )
    return _INFRA


def pytest_report_header(config: pytest.Config) -> list[str]:
    defaults = ServiceSettings()
    if not _reachable(defaults.kafka_bootstrap.split(",")[0]):
        return ["infrastructure: local servers not reachable (integration tests will say so)"]
    versions = _infra().versions
    return [
        f"infrastructure: Kafka = {versions['kafka']} @ {defaults.kafka_bootstrap}; "
        f"Mongo wire = {versions['mongo']} @ {_mongo_hostport(defaults.mongo_url)}; "
        f"S3 = {versions['s3']} @ {defaults.s3_endpoint}"
    ]


@pytest.fixture(scope="session")
def infra() -> Infra:
    return _infra()


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Unique names per test (topics, databases, buckets) so runs never see each other's data."""
    token = uuid.uuid4().hex[:10]
    return lambda prefix: f"{prefix}-{token}"


@pytest.fixture
def service_settings(infra: Infra, unique: Callable[[str], str]) -> Iterator[Callable[..., ServiceSettings]]:
    made: set[str] = set()

    def make(service: str = "claims", **overrides: object) -> ServiceSettings:
        values: dict[str, object] = {
            "kafka_bootstrap": infra.kafka_bootstrap,
            "mongo_url": infra.mongo_url,
            "s3_endpoint": infra.s3_endpoint,
            "s3_access_key": infra.s3_access_key,
            "s3_secret_key": infra.s3_secret_key,
            "mongo_db": unique(f"t_{service}").replace("-", "_"),
        }
        if "mongo_db" not in overrides:  # a name the test chose may be shared; only ours are dropped
            made.add(str(values["mongo_db"]))
        values |= overrides
        return ServiceSettings.for_service(service, **values)

    yield make
    # The test's own databases go with it (fixtures that run services on them are torn down first): a
    # developer's store otherwise keeps thousands (FerretDB on SQLite: a file each).
    if made:
        client: MongoClient[dict[str, object]] = MongoClient(infra.mongo_url, serverSelectionTimeoutMS=5_000)
        try:
            for name in made:
                client.drop_database(name)
        finally:
            client.close()


@pytest.fixture(autouse=True)
def _integration_needs_infra(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("integration") or request.node.get_closest_marker("e2e"):
        _infra()
    yield
