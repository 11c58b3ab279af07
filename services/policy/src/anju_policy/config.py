"""Policy settings: the kit's ``ServiceSettings`` plus what only policy needs (``ANJU_POLICY_*``)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from anju_kit.settings import ServiceSettings

SERVICE = "policy"


class PolicySettings(ServiceSettings):
    policy_bucket: str = Field(default="", description="Underwriting documents bucket; default anju-policy-<region>.")
    policy_command_attempts: int = Field(default=3, ge=1, le=20)
    policy_consumer_group: str = Field(default="anju-policy", description="Commands group shared by all instances.")
    policy_identity_secret: SecretStr = Field(
        default=SecretStr("anju-dev-identity-secret-change-me"),
        description="Key of the keyed hash that identifies unit owners (XC-09); production sets its own.",
    )
    policy_sweep_interval_s: float = Field(default=30.0, gt=0, description="How often overdue obligations are swept.")
    policy_due_grace_s: float = Field(default=60.0, gt=0)
    policy_due_lookback_h: int = Field(default=48, ge=1)

    @classmethod
    def load(cls, **overrides: object) -> PolicySettings:
        settings = cls.for_service(SERVICE, **overrides)
        if not settings.policy_bucket:
            settings.policy_bucket = f"anju-policy-{settings.region}"
        return settings
