"""The notify service's own ports: what the ledger needs of the outbound channels.

``Outbox.deliver`` is the channels package's ``dispatch.Dispatcher.deliver`` (idempotent per
``message_id``; a failing channel is recorded and retried there, never raised here), so bootstrap can
plug the dispatcher in as it is. ``Render`` is ``channels.templates.render``'s shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from anju_kit.logging import get_logger
from anju_notify.channels.port import OutboundMessage

log = get_logger(__name__)

Render = Callable[[str, Mapping[str, str]], tuple[str, str]]
"""(kind, params) -> (subject_zh, body_zh); kinds: reminder, escalation, regulator_escalation."""


class Outbox(Protocol):
    async def deliver(self, message: OutboundMessage) -> None:
        """Hand one message over for sending; idempotent per ``message_id``; never raises for a channel."""
        ...


class UnwiredOutbox:
    """Until a dispatcher is wired: messages are counted and logged by id only (no address, XC-09);
    the inbox still gets every item."""

    def __init__(self) -> None:
        self.held = 0

    async def deliver(self, message: OutboundMessage) -> None:
        self.held += 1
        log.info("notify.outbox_unwired", message_id=message.message_id, channel=message.channel)
