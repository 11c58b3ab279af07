"""E-mail through an SMTP server: one ``OutboundMessage`` as one UTF-8 MIME message.

The standard library's ``smtplib``, run in a worker thread so the event loop never waits on the
network; each send opens its own connection (reminders are few, and a fresh connection can never be
a half-dead one left from an outage). The subject and sender name are RFC 2047 encoded (UTF-8), the
body is ``text/plain; charset=utf-8`` in base64; the ``Message-ID`` is derived from ``message_id``, so a mail
client can recognise a copy re-sent after a crash.

Failures become ``ChannelError``: ``retryable=False`` only for a permanent (5xx) refusal of this
message or recipient; a server that is down, slow or answers 4xx is worth trying again.
"""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, localtime

from anju_notify.channels.config import ChannelSettings
from anju_notify.channels.port import ChannelError, ChannelName, OutboundMessage

MESSAGE_ID_DOMAIN = "anju.local"


def build_email(message: OutboundMessage, *, sender: str, sender_name: str = "") -> EmailMessage:
    """The MIME message for ``message`` (``email.policy.SMTP``: CRLF line ends, encoded headers)."""
    email = EmailMessage()
    local, _, domain = sender.partition("@")
    email["From"] = Address(display_name=sender_name, username=local, domain=domain)
    email["To"] = message.to_address
    email["Subject"] = message.subject_zh
    email["Date"] = format_datetime(localtime())
    email["Message-ID"] = f"<{hashlib.sha256(message.message_id.encode()).hexdigest()[:32]}@{MESSAGE_ID_DOMAIN}>"
    email["X-Anju-Message-Id"] = message.message_id
    # base64: 7-bit clean, so a relay without 8BITMIME passes the Chinese text unchanged.
    email.set_content(message.body_zh, charset="utf-8", cte="base64")
    return email


class SmtpChannel:
    name: ChannelName = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        sender_name: str = "",
        timeout_s: float = 10.0,
        starttls: bool = False,
        username: str = "",
        password: str = "",
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.sender_name = sender_name
        self.timeout_s = timeout_s
        self.starttls = starttls
        self.username = username
        self.password = password

    @classmethod
    def from_settings(cls, settings: ChannelSettings) -> SmtpChannel:
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            sender_name=settings.smtp_sender_name_zh,
            timeout_s=settings.smtp_timeout_s,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value(),
        )

    async def send(self, message: OutboundMessage) -> None:
        email = build_email(message, sender=self.sender, sender_name=self.sender_name)
        try:
            # The thread's own timeout bounds every socket operation; wait_for bounds the whole
            # conversation (a server trickling bytes could otherwise hold it for long).
            await asyncio.wait_for(asyncio.to_thread(self._send_blocking, email), timeout=self.timeout_s * 3)
        except ChannelError:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise ChannelError(f"recipient refused (SMTP {codes})", retryable=not _permanent(*codes)) from exc
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, auth failed, …
            retryable = not _permanent(exc.smtp_code) or isinstance(exc, smtplib.SMTPAuthenticationError)
            raise ChannelError(f"SMTP {exc.smtp_code} from {self.host}:{self.port}", retryable=retryable) from exc
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            raise ChannelError(
                f"SMTP server {self.host}:{self.port} unreachable or failed: {type(exc).__name__}", retryable=True
            ) from exc

    def _send_blocking(self, email: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as client:
            if self.starttls:
                client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password)
            client.send_message(email)


def _permanent(*codes: int) -> bool:
    """5xx answers are permanent (RFC 5321 §4.2.1); 4xx are transient."""
    return bool(codes) and all(500 <= code < 600 for code in codes)
