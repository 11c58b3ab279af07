"""Run-time settings shared by every service, read from ``ANJU_*`` environment variables.

Defaults match ``deploy/local`` so ``make run`` needs no configuration on a developer machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from anju_kit.regions import default_regions_dir

# Each service listens on its own port locally; production sets ANJU_HTTP_PORT per deployment.
DEFAULT_PORTS = {"registry": 8101, "policy": 8102, "risk": 8103, "claims": 8104, "notify": 8105}


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANJU_", extra="ignore")

    service: str = Field(default="anju", description="Service name; also the producer name on events.")
    region: str = Field(default="shanghai", description="Region code of this deployment (XC-06).")
    instance_id: str = Field(default="", description="Distinguishes instances of one service in logs.")

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_group_suffix: str = Field(
        default="",
        description="Appended to every consumer group name: a side-by-side deployment or a test run gets "
        "its own offsets without touching the regular groups'.",
    )

    mongo_url: str = "mongodb://127.0.0.1:27017/"
    mongo_db: str = Field(default="", description="Database name; default anju_<service>_<region>.")

    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = "anju-dev"
    s3_secret_key: SecretStr = SecretStr("anju-dev-secret")
    s3_secure: bool = False

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=0, ge=0, le=65535, description="0 = the service's default port.")

    token_secret: SecretStr = Field(
        default=SecretStr("anju-dev-token-secret-change-me-32b"),
        description="HS256 secret for actor tokens; production sets its own.",
    )
    regions_dir: Path = Field(default_factory=default_regions_dir)
    holidays_dir: Path | None = Field(default=None, description="Ops-supplied PRC holiday files.")
    log_level: str = "INFO"

    @classmethod
    def for_service(cls, service: str, **overrides: object) -> Self:
        settings = cls(service=service, **overrides)  # type: ignore[arg-type]
        if not settings.http_port:
            settings.http_port = DEFAULT_PORTS.get(service, 8100)
        if not settings.mongo_db:
            settings.mongo_db = f"anju_{service}_{settings.region}".replace("-", "_")
        if settings.holidays_dir is None:
            settings.holidays_dir = settings.regions_dir / "holidays"
        return settings

    def consumer_group(self, name: str | None = None) -> str:
        """The consumer group ``name`` (default ``anju-<service>``) with this deployment's suffix."""
        return f"{name or f'anju-{self.service}'}{self.kafka_group_suffix}"

    @property
    def client_id(self) -> str:
        suffix = f"-{self.instance_id}" if self.instance_id else ""
        return f"anju-{self.service}-{self.region}{suffix}"
