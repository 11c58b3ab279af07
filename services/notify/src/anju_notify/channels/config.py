"""Settings of the notify service's channels (``ANJU_SMTP_*``, ``ANJU_CHANNEL_*``), composed onto the kit's.

Defaults match deploy/local: the Mailpit SMTP server on 127.0.0.1:1025 (``deploy/local/smtp.sh``).
Kept apart from the ledger's settings so each side adds fields without touching the other's file;
the notify settings class can inherit this mixin.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from anju_kit.settings import ServiceSettings
from anju_notify.channels.sealing import DEV_ADDRESS_KEY

SERVICE = "notify"


class ChannelSettings(ServiceSettings):
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server for e-mail reminders and escalations.")
    smtp_port: int = Field(default=1025, ge=1, le=65535, description="SMTP port (deploy/local: Mailpit on 1025).")
    smtp_sender: str = Field(default="anju-notify@anju.local", description="The From address of every e-mail.")
    smtp_sender_name_zh: str = Field(default="安居平台", description="Display name of the sender.")
    smtp_starttls: bool = Field(default=False, description="Upgrade with STARTTLS (production relays need it).")
    smtp_username: str = Field(default="", description="SMTP login; empty = no authentication (local).")
    smtp_password: SecretStr = Field(default=SecretStr(""), description="SMTP password (with smtp_username).")
    smtp_timeout_s: float = Field(default=10.0, gt=0, description="Connect/command timeout of one SMTP send.")
    channel_retry_base_s: float = Field(default=30.0, gt=0, description="First retry delay after a failed send.")
    channel_retry_max_s: float = Field(default=3600.0, gt=0, description="Longest delay between two retries.")
    channel_address_key: SecretStr = Field(
        default=SecretStr(DEV_ADDRESS_KEY),
        description="Key protecting recipients' addresses while their messages wait for a retry (XC-09).",
    )
    channel_retry_interval_s: float = Field(default=15.0, gt=0, description="How often due retries are sent.")
    channel_lease_s: float = Field(
        default=300.0, gt=0, description="A send claimed by an instance that died is tried again after this long."
    )

    def development_secrets(self) -> list[str]:
        # No SMTP password is a valid production setting (a relay that trusts the network), not a
        # development default; a password is checked only with a username.
        names = super().development_secrets()
        return [n for n in names if n != "ANJU_SMTP_PASSWORD" or self.smtp_username]

    @classmethod
    def load(cls, **overrides: object) -> ChannelSettings:
        return cls.for_service(SERVICE, **overrides)
