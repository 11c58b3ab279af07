"""The seam between the obligation ledger and the channels that reach people.

The ledger (and its inbox) builds ``OutboundMessage``s; a ``Channel`` adapter (SMTP, an SMS gateway) sends
them. ``message_id`` is the idempotency key: the ledger derives it from the obligation and the step
(e.g. ``<obligation_id>|reminder|1|email``), so a redelivered event never sends a second message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

ChannelName = Literal["email", "sms"]


@dataclass(frozen=True)
class OutboundMessage:
    message_id: str
    channel: ChannelName
    to_address: str  # an e-mail address or a mobile number; never logged in the clear (XC-09)
    subject_zh: str
    body_zh: str


class ChannelError(Exception):
    """A channel could not send; ``retryable`` says whether trying again later can help."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class Channel(Protocol):
    name: ChannelName

    async def send(self, message: OutboundMessage) -> None:
        """Send one message or raise ``ChannelError``."""
        ...
