"""How ``SmtpChannel`` reads a relay's answers: a permanent 5xx refusal is not retried, a 4xx or a relay
that does not answer is (XC-02: a reminder is only given up when trying again cannot help).

The relay here is a few lines of asyncio answering SMTP: it stands in for a remote mail relay (outside
the platform) refusing a recipient, which the local Mailpit never does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from anju_notify.channels.port import ChannelError, OutboundMessage
from anju_notify.channels.smtp import SmtpChannel, build_email

MESSAGE = OutboundMessage("ob-1|escalation|1|email", "email", "li.si@example.com", "【安居升级】逾期", "正文")


@asynccontextmanager
async def relay(answer_rcpt: str, *, silent: bool = False) -> AsyncIterator[int]:
    """An SMTP relay on a free loopback port answering ``answer_rcpt`` to RCPT TO (or nothing at all)."""

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if silent:
            await reader.read()  # until the client gives up and closes
            writer.close()
            return
        writer.write(b"220 relay ESMTP\r\n")
        while line := await reader.readline():
            verb = line.decode().split(" ", 1)[0].split(":", 1)[0].strip().upper()
            answers: dict[str, str] = {"EHLO": "250 relay", "HELO": "250 relay", "MAIL": "250 ok", "RSET": "250 ok"}
            answers |= {"RCPT": answer_rcpt, "QUIT": "221 bye", "NOOP": "250 ok"}
            writer.write(f"{answers.get(verb, '502 no')}\r\n".encode())
            await writer.drain()
            if verb == "QUIT":
                break
        writer.close()

    server = await asyncio.start_server(session, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def _send_to(port: int, **options: float) -> ChannelError:
    with pytest.raises(ChannelError) as failed:
        await SmtpChannel("127.0.0.1", port, "anju-notify@anju.local", **options).send(MESSAGE)
    return failed.value


@pytest.mark.parametrize(
    ("answer", "retryable"),
    [("550 5.1.1 no such user", False), ("451 4.3.0 try again later", True), ("452 mailbox full", True)],
)
async def test_xc02_a_refused_recipient_is_retried_only_when_the_refusal_is_transient(
    answer: str, retryable: bool
) -> None:
    async with relay(answer) as port:
        error = await _send_to(port)
    assert error.retryable is retryable
    assert "li.si" not in error.reason  # XC-09: the reason is logged; it names codes, not the address


async def test_xc02_a_relay_that_never_answers_times_out_as_retryable() -> None:
    async with relay("", silent=True) as port:
        error = await _send_to(port, timeout_s=0.3)
    assert error.retryable


def test_chinese_subject_and_body_are_encoded_as_utf8_mime() -> None:
    raw = build_email(MESSAGE, sender="anju-notify@anju.local", sender_name="安居平台").as_bytes()
    assert b"Subject: =?utf-8?" in raw
    assert b'Content-Type: text/plain; charset="utf-8"' in raw
    assert b"From: =?utf-8?" in raw and b"<anju-notify@anju.local>" in raw
    assert b"X-Anju-Message-Id: ob-1|escalation|1|email" in raw
    raw.decode("ascii")  # every header and the body travel as 7-bit text
