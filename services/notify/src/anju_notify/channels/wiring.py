"""The channels as the notify service runs them: one call for its composition root (bootstrap.py).

The ledger calls ``dispatcher.deliver(message)`` and runs ``dispatcher.retry_due`` on a timer, e.g.
``service.every(settings.channel_retry_interval_s, "channel_retry", dispatcher.retry_due)``.
"""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from anju_kit.clock import Clock
from anju_kit.mongo import Doc
from anju_notify.channels.config import ChannelSettings
from anju_notify.channels.dispatch import Dispatcher
from anju_notify.channels.port import Channel, ChannelName
from anju_notify.channels.sms import SmsChannel, SmsGateway
from anju_notify.channels.smtp import SmtpChannel
from anju_notify.channels.store import mongo_dispatch_store


def build_dispatcher(
    settings: ChannelSettings, db: AsyncDatabase[Doc], clock: Clock, *, sms_gateway: SmsGateway | None = None
) -> Dispatcher:
    """E-mail through ``ANJU_SMTP_*``; SMS only with a gateway (none is part of the platform: until a
    deployment plugs one in, SMS messages wait, listed, rather than being dropped)."""
    channels: dict[ChannelName, Channel] = {"email": SmtpChannel.from_settings(settings)}
    if sms_gateway is not None:
        channels["sms"] = SmsChannel(sms_gateway)
    return Dispatcher(
        channels,
        mongo_dispatch_store(db, address_key=settings.channel_address_key.get_secret_value()),
        clock,
        retry_base_s=settings.channel_retry_base_s,
        retry_max_s=settings.channel_retry_max_s,
        lease_s=settings.channel_lease_s,
        send_timeout_s=settings.smtp_timeout_s * 3 + 5,
    )
