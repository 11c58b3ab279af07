"""Run-time settings shared by every service, read from ``ANJU_*`` environment variables.

Defaults match ``deploy/local`` so ``make run`` needs no configuration on a developer machine.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from anju_kit.regions import default_regions_dir

# Each service listens on its own port locally; production sets ANJU_HTTP_PORT per deployment.
DEFAULT_PORTS = {"web": 8100, "registry": 8101, "policy": 8102, "risk": 8103, "claims": 8104, "notify": 8105}


def default_web_assets_dir() -> Path:
    """Where deploy/local/web-assets.sh installs the pinned browser files (ECharts, Swagger UI)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "anju" / "web-assets" / "node_modules"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANJU_", extra="ignore")

    profile: Literal["local", "production"] = Field(
        default="local",
        description="local: a developer machine (development secrets allowed); production: every secret must "
        "be set, a service refuses to start with a development default and names the variable.",
    )

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
        description="HS256 secret of platform actor tokens (people's sign-in, services' own records).",
    )
    insurer_keys_dir: Path | None = Field(
        default=None,
        description="Directory of insurers' public keys, <insurer_id>.pem, for their systems' actor tokens.",
    )
    token_max_lifetime_s: int = Field(
        default=12 * 3600, ge=60, description="Longest lifetime (exp - iat) an actor token may have."
    )
    consumer_check_interval_s: float = Field(default=10.0, gt=0, description="How often consumer lag is read.")
    consumer_stall_after_s: float = Field(
        default=60.0, gt=0, description="A partition with records waiting and no progress this long is stalled."
    )
    kafka_max_message_bytes: int = Field(
        default=1_048_576, ge=1024, description="A record larger than this is refused unread (dead-lettered)."
    )
    regions_dir: Path = Field(default_factory=default_regions_dir)
    holidays_dir: Path | None = Field(default=None, description="Ops-supplied PRC holiday files.")
    log_level: str = "INFO"
    web_assets_dir: Path = Field(
        default_factory=default_web_assets_dir,
        description="The pinned browser files served by the platform itself (/docs' Swagger UI, the web's "
        "charts): no page loads anything from a CDN, so they work on a closed network.",
    )

    @model_validator(mode="after")
    def _no_development_secrets_outside_local(self) -> Self:
        if self.profile != "local" and (names := self.development_secrets()):
            raise ValueError(
                f"profile {self.profile!r} refuses development secrets: set {', '.join(names)} to your own values"
            )
        return self

    def development_secrets(self) -> list[str]:
        """The environment variables of secrets still at their development default."""
        names = []
        for name, info in type(self).model_fields.items():
            value, default = getattr(self, name), info.default
            if isinstance(value, SecretStr) and isinstance(default, SecretStr) and value == default:
                names.append(f"ANJU_{name.upper()}")
        return names

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


def settings_for(service: str, **overrides: object) -> ServiceSettings:
    """The settings of ``service`` as its own settings class loads them: the ``ServiceSettings`` subclass
    its ``anju_<service>.config`` module defines (not one it imports), else the kit's. For tools and tests
    that treat every service alike (the AsyncAPI generator, the composition-root test); a service's own
    code uses its class directly. The module is found by name at run time: the kit imports no service."""
    try:
        config = importlib.import_module(f"anju_{service}.config")
    except ModuleNotFoundError:
        return ServiceSettings.for_service(service, **overrides)
    for value in vars(config).values():
        if isinstance(value, type) and value.__module__ == config.__name__ and issubclass(value, ServiceSettings):
            load = getattr(value, "load", None)  # e.g. claims' names its bucket after the region
            loaded: ServiceSettings = load(**overrides) if load else value.for_service(service, **overrides)
            return loaded
    return ServiceSettings.for_service(service, **overrides)
