"""Outbound channels of the notify service (XC-02 reminders and escalations, XC-09 masking).

The ledger decides *what* to say and to whom; this package says it: templates render Chinese text, a
``Channel`` sends one ``OutboundMessage``, and the dispatcher delivers each message once per channel,
retrying a failing channel without losing the message or holding up the others.
"""

from anju_notify.channels.port import Channel, ChannelError, ChannelName, OutboundMessage

__all__ = ["Channel", "ChannelError", "ChannelName", "OutboundMessage"]
