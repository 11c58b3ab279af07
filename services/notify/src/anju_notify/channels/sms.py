"""SMS: the gateway is outside the platform (a carrier's or cloud provider's API), so it is a port.

``SmsChannel`` adapts any ``SmsGateway`` to the ``Channel`` seam; ``RecordingSmsGateway`` is the test
double (the only fake the architecture allows: it stands in for something outside the platform). A
real gateway adapter implements :class:`SmsGateway` and raises ``ChannelError`` as the double does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from anju_notify.channels.port import ChannelError, ChannelName, OutboundMessage

# Chinese SMS gateways bill per 70-character segment and split long texts; a reminder names the
# obligation, its rule and due time, and points to the e-mail/inbox for the rest.
SMS_MAX_CHARS = 300


class SmsGateway(Protocol):
    async def send_sms(self, mobile: str, text: str, *, message_id: str) -> None:
        """Hand one text to the gateway, or raise ``ChannelError``. ``message_id`` is passed on as the
        gateway's client reference, so a gateway that deduplicates can drop a re-sent copy."""
        ...


def sms_text(message: OutboundMessage) -> str:
    """One text for an SMS: the subject, then as much of the body as fits."""
    text = f"{message.subject_zh}\n{message.body_zh}"
    return text if len(text) <= SMS_MAX_CHARS else text[: SMS_MAX_CHARS - 1] + "…"


class SmsChannel:
    name: ChannelName = "sms"

    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway

    async def send(self, message: OutboundMessage) -> None:
        await self.gateway.send_sms(message.to_address, sms_text(message), message_id=message.message_id)


@dataclass(frozen=True)
class SentSms:
    mobile: str
    text: str
    message_id: str


class RecordingSmsGateway:
    """Records every text it accepts. ``fail(n)`` makes the next ``n`` sends fail (retryable unless told);
    ``hang`` makes sends wait forever (a gateway that stopped answering)."""

    def __init__(self) -> None:
        self.sent: list[SentSms] = []
        self.attempts = 0
        self._failures = 0
        self._retryable = True
        self.hang = False

    def fail(self, times: int, *, retryable: bool = True) -> None:
        self._failures = times
        self._retryable = retryable

    async def send_sms(self, mobile: str, text: str, *, message_id: str) -> None:
        self.attempts += 1
        if self.hang:
            await asyncio.Event().wait()
        if self._failures > 0:
            self._failures -= 1
            raise ChannelError("SMS gateway unavailable (test double)", retryable=self._retryable)
        self.sent.append(SentSms(mobile=mobile, text=text, message_id=message_id))
