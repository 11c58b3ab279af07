"""E-mail through the real local SMTP server (Mailpit, deploy/local/smtp.sh), read back through its API.

The issue's must-show: an e-mail received by the local SMTP server with the masked owner name (XC-09) —
a reminder (XC-02) rendered from the Chinese template, sent by ``SmtpChannel``, delivered by the
``Dispatcher`` whose state is on the real FerretDB.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from anju_kit.clock import FrozenClock
from anju_kit.mongo import connect, database
from anju_kit.settings import ServiceSettings
from anju_kit.testing import scan_watch
from anju_notify.channels.config import ChannelSettings
from anju_notify.channels.dispatch import Dispatcher
from anju_notify.channels.port import ChannelError, OutboundMessage
from anju_notify.channels.smtp import SmtpChannel
from anju_notify.channels.store import mongo_dispatch_store
from anju_notify.channels.templates import render

pytestmark = pytest.mark.integration

MAILPIT_API = os.environ.get("ANJU_SMTP_API", "http://127.0.0.1:8025")


@pytest.fixture(scope="module")
def smtp() -> SmtpChannel:
    settings = ChannelSettings.load()
    try:
        httpx.get(f"{MAILPIT_API}/readyz", timeout=2).raise_for_status()
    except httpx.HTTPError:
        pytest.fail(
            f"the local SMTP server does not answer at {MAILPIT_API}: run `deploy/local/infra.sh up smtp` "
            "(or `make test`, which does it for you)",
            pytrace=False,
        )
    return SmtpChannel.from_settings(settings)


def _received(to_address: str) -> list[dict[str, Any]]:
    """Every message Mailpit received for ``to_address``, in full (text and headers)."""
    found = httpx.get(f"{MAILPIT_API}/api/v1/search", params={"query": f'to:"{to_address}"'}, timeout=5).json()
    full = []
    for summary in found["messages"]:
        message = httpx.get(f"{MAILPIT_API}/api/v1/message/{summary['ID']}", timeout=5).json()
        headers = httpx.get(f"{MAILPIT_API}/api/v1/message/{summary['ID']}/headers", timeout=5).json()
        full.append(message | {"headers": headers})
    return full


def _reminder(to_address: str, message_id: str) -> OutboundMessage:
    subject, body = render(
        "reminder",
        {
            "obligation_zh": "风险管理首次报告上传",
            "rule_id": "RSK-02",
            "debtor_name": "上海安居风险管理有限公司（联系人 13812345678）",
            "subject_kind": "项目",
            "subject_id": "P-2026-0042",
            "due_at_local": "2026-12-04 17:00",
            "owner_name": "张三",
        },
    )
    return OutboundMessage(message_id, "email", to_address, subject, body)


def _recipient() -> str:
    return f"owner-{uuid.uuid4().hex[:12]}@example.com"


async def test_xc09_xc02_must_show_an_email_received_by_the_local_smtp_server_with_the_masked_owner_name(
    smtp: SmtpChannel,
) -> None:
    to_address = _recipient()
    await smtp.send(_reminder(to_address, f"ob-{uuid.uuid4().hex}|reminder|1|email"))

    [received] = _received(to_address)
    assert received["Subject"] == "【安居提醒】风险管理首次报告上传将于2026-12-04 17:00到期"
    assert "业主：张*" in received["Text"]
    assert "张三" not in received["Text"]  # XC-09: the owner's name never leaves in the clear
    assert "13812345678" not in received["Text"] and "138****5678" in received["Text"]
    assert "RSK-02" in received["Text"] and "2026-12-04 17:00" in received["Text"]
    assert received["From"] == {"Name": "安居平台", "Address": "anju-notify@anju.local"}
    # Proper MIME for Chinese: the subject travels RFC 2047-encoded, the body as UTF-8 text.
    assert received["headers"]["Subject"][0].startswith("=?utf-8?")
    assert received["headers"]["Content-Type"] == ['text/plain; charset="utf-8"']


async def test_smtp_server_down_is_a_retryable_channel_error() -> None:
    closed = SmtpChannel("127.0.0.1", _free_port(), "anju-notify@anju.local", timeout_s=2)
    with pytest.raises(ChannelError) as failed:
        await closed.send(_reminder(_recipient(), "ob-x|reminder|1|email"))
    assert failed.value.retryable


@pytest.fixture
async def mongo_settings(service_settings: Callable[..., ServiceSettings]) -> AsyncIterator[ServiceSettings]:
    settings = service_settings("notify")
    yield settings
    client = connect(settings)
    await client.drop_database(settings.mongo_db)
    await client.close()


async def test_xc02_smtp_down_then_restart_the_message_waits_on_ferretdb_and_arrives_once(
    smtp: SmtpChannel, mongo_settings: ServiceSettings
) -> None:
    to_address = _recipient()
    message = _reminder(to_address, f"ob-{uuid.uuid4().hex}|reminder|1|email")
    clock = FrozenClock(datetime.now(UTC))
    watch = scan_watch()  # registered before the clients: it sees every command they send

    with watch.watching() as seen:
        # First process: the SMTP server is unreachable; deliver records the attempt and returns.
        client = connect(mongo_settings)
        down = SmtpChannel("127.0.0.1", _free_port(), "anju-notify@anju.local", timeout_s=2)
        first = Dispatcher({"email": down}, mongo_dispatch_store(database(client, mongo_settings)), clock)
        await first.deliver(message)
        assert await first.status(message.message_id) == "waiting"
        stored = await database(client, mongo_settings)["channel_messages_log"].find_one(
            {"_id": f"{message.message_id}@2"}
        )
        assert stored is not None and to_address not in repr(stored)  # XC-09: stored encrypted
        await client.close()
        assert _received(to_address) == []

        # Restart: a new process, a new connection, the real server back; the retry timer sends it.
        client = connect(mongo_settings)
        try:
            store = mongo_dispatch_store(database(client, mongo_settings))
            restarted = Dispatcher({"email": smtp}, store, clock)
            clock.advance(timedelta(seconds=30))
            assert await restarted.retry_due() == 1
            await restarted.deliver(message)  # the ledger redelivers: nothing is sent twice
            clock.advance(timedelta(hours=2))
            assert await restarted.retry_due() == 0
            assert await restarted.status(message.message_id) == "sent"
            assert await store.pending_entries() == []
        finally:
            await client.close()
    assert seen == []  # every read and write of the dispatcher was by exact _id (FerretDB's one index)
    [received] = _received(to_address)
    assert "业主：张*" in received["Text"]


async def test_xc02_two_instances_delivering_at_once_on_ferretdb_lose_no_pending_message(
    mongo_settings: ServiceSettings,
) -> None:
    """The pending shards are changed by compare-and-set (a new commit-log _id), not by last-write-wins:
    two instances listing messages in the same shards at once keep every one of them."""
    clock = FrozenClock(datetime.now(UTC))
    down = SmtpChannel("127.0.0.1", _free_port(), "anju-notify@anju.local", timeout_s=2)
    clients = [connect(mongo_settings), connect(mongo_settings)]
    try:
        stores = [mongo_dispatch_store(database(c, mongo_settings), shards=2) for c in clients]
        dispatchers = [Dispatcher({"email": down}, store, clock) for store in stores]
        for d in dispatchers:  # both have seen the server fail: from now on they only list messages
            await d.deliver(_reminder(_recipient(), f"warm-{uuid.uuid4().hex}"))
        ids = [f"ob-{uuid.uuid4().hex}|reminder|1|email" for _ in range(12)]
        await asyncio.gather(
            *(dispatchers[n % 2].deliver(_reminder(_recipient(), message_id)) for n, message_id in enumerate(ids))
        )
        listed = {entry.message_id for entry in await stores[0].pending_entries()}
        assert set(ids) <= listed
    finally:
        for c in clients:
            await c.close()


def _free_port() -> int:
    """A loopback port nothing listens on (bound and released: a closed SMTP server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
