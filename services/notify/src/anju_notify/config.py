"""Notify settings: the kit's ``ServiceSettings`` plus what only notify needs (``ANJU_NOTIFY_*``)."""

from __future__ import annotations

from pydantic import Field

from anju_kit.settings import ServiceSettings

SERVICE = "notify"


class NotifySettings(ServiceSettings):
    notify_command_attempts: int = Field(default=3, ge=1, le=20)
    notify_consumer_group: str = Field(default="anju-notify", description="Commands group shared by all instances.")
    notify_sweep_interval_s: float = Field(default=30.0, gt=0, description="How often due reminders are swept.")
    notify_due_grace_s: float = Field(default=60.0, gt=0)
    notify_due_lookback_h: int = Field(default=48, ge=1)

    @classmethod
    def load(cls, **overrides: object) -> NotifySettings:
        return cls.for_service(SERVICE, **overrides)
