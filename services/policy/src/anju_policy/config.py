"""Policy settings: the kit's ``ServiceSettings`` plus what only policy needs (``ANJU_POLICY_*``)."""

from __future__ import annotations

from pydantic import Field

from anju_kit.settings import ServiceSettings

SERVICE = "policy"


class PolicySettings(ServiceSettings):
    policy_bucket: str = Field(default="", description="Underwriting documents bucket; default anju-policy-<region>.")
    policy_command_attempts: int = Field(default=3, ge=1, le=20)
    policy_consumer_group: str = Field(default="anju-policy", description="Commands group shared by all instances.")

    @classmethod
    def load(cls, **overrides: object) -> PolicySettings:
        settings = cls.for_service(SERVICE, **overrides)
        if not settings.policy_bucket:
            settings.policy_bucket = f"anju-policy-{settings.region}"
        return settings
