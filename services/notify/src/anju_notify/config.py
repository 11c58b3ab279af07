"""Notify settings: the kit's ``ServiceSettings`` plus what only notify needs (``ANJU_NOTIFY_*``)."""

from __future__ import annotations

from pydantic import Field

from anju_notify.channels.config import ChannelSettings

SERVICE = "notify"


class NotifySettings(ChannelSettings):
    """The ledger's settings on top of the channels' (``ANJU_SMTP_*``, ``ANJU_CHANNEL_*``)."""

    notify_command_attempts: int = Field(default=3, ge=1, le=20)
    notify_consumer_group: str = Field(default="anju-notify", description="Commands group shared by all instances.")
    notify_sweep_interval_s: float = Field(default=30.0, gt=0, description="How often due reminders are swept.")
    notify_due_grace_s: float = Field(default=60.0, gt=0)
    notify_due_lookback_h: int = Field(default=48, ge=1)

    @classmethod
    def load(cls, **overrides: object) -> NotifySettings:
        return cls.for_service(SERVICE, **overrides)
