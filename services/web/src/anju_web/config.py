"""Web settings: the kit's ``ServiceSettings`` plus where the services answer (``ANJU_WEB_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from anju_kit.settings import DEFAULT_PORTS, ServiceSettings

SERVICE = "web"
UPSTREAMS = ("registry", "policy", "risk", "claims", "notify")


class WebSettings(ServiceSettings):
    web_registry_url: str = Field(default="", description="Registry's HTTP base URL; default the local port.")
    web_policy_url: str = ""
    web_risk_url: str = ""
    web_claims_url: str = ""
    web_notify_url: str = ""
    web_dev_actors_file: Path | None = Field(
        default=None,
        description="JSON list of the actors the local development sign-in offers (local profile only); "
        "default the seeded local actors of anju_web.devsignin.",
    )
    web_demo_dir: Path | None = Field(
        default=Path(".artifacts/demo"),
        description="Where make demo leaves its actors (<region>-actors.json), offered at the development sign-in.",
    )
    web_upstream_timeout_s: float = Field(default=15.0, gt=0)

    @classmethod
    def load(cls, **overrides: object) -> WebSettings:
        settings = cls.for_service(SERVICE, **overrides)
        for name in UPSTREAMS:
            field = f"web_{name}_url"
            if not getattr(settings, field):
                setattr(settings, field, f"http://127.0.0.1:{DEFAULT_PORTS[name]}")
        return settings

    def upstreams(self) -> dict[str, str]:
        """Service name → base URL, for the pages and the /api proxy."""
        return {name: str(getattr(self, f"web_{name}_url")).rstrip("/") for name in UPSTREAMS}
