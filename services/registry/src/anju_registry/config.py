"""Registry settings: the kit's ``ServiceSettings`` plus what only the registry needs (``ANJU_REGISTRY_*``)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from anju_kit.settings import ServiceSettings

SERVICE = "registry"


class RegistrySettings(ServiceSettings):
    registry_identity_secret: SecretStr = Field(
        default=SecretStr("anju-dev-identity-secret-change-me"),
        description="Key of the keyed hash that matches real-name identities (XC-09); production sets its own.",
    )
    registry_command_attempts: int = Field(default=3, ge=1, le=20)

    @classmethod
    def load(cls, **overrides: object) -> RegistrySettings:
        return cls.for_service(SERVICE, **overrides)
