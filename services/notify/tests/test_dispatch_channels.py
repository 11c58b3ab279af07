"""The dispatcher: each message once, a failing channel retried with backoff, never lost, never in the
others' way (XC-02: every reminder and escalation reaches its recipient), addresses masked in logs (XC-09)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import structlog

from anju_kit.clock import FrozenClock
from anju_kit.memory import MemoryAggregateStore
from anju_notify.channels.dispatch import Dispatcher
from anju_notify.channels.port import ChannelError, ChannelName, OutboundMessage
from anju_notify.channels.sealing import AddressSeal
from anju_notify.channels.sms import RecordingSmsGateway, SmsChannel
from anju_notify.channels.store import DispatchStore, memory_dispatch_store

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


class RecordingMail:
    """An e-mail channel standing in for SMTP in unit tests (the real one is tested on Mailpit)."""

    name: ChannelName = "email"

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []
        self.failures = 0
        self.retryable = True
        self.hang = False

    async def send(self, message: OutboundMessage) -> None:
        if self.hang:
            await asyncio.Event().wait()
        if self.failures > 0:
            self.failures -= 1
            raise ChannelError("SMTP server unreachable (test)", retryable=self.retryable)
        self.sent.append(message)


def _mail(n: int = 1) -> OutboundMessage:
    return OutboundMessage(f"ob-{n}|reminder|1|email", "email", "zhang.san@example.com", "【安居提醒】到期", "正文")


def _sms(n: int = 1) -> OutboundMessage:
    return OutboundMessage(f"ob-{n}|reminder|1|sms", "sms", "13812345678", "【安居提醒】到期", "正文")


def _dispatcher(
    store: DispatchStore, clock: FrozenClock, mail: RecordingMail, gateway: RecordingSmsGateway, **options: float
) -> Dispatcher:
    return Dispatcher({"email": mail, "sms": SmsChannel(gateway)}, store, clock, retry_base_s=30, **options)


async def test_xc02_a_message_is_sent_once_even_when_delivered_twice() -> None:
    store, clock, mail, gateway = memory_dispatch_store(), FrozenClock(T0), RecordingMail(), RecordingSmsGateway()
    dispatcher = _dispatcher(store, clock, mail, gateway)
    await dispatcher.deliver(_mail())
    await dispatcher.deliver(_mail())
    await asyncio.gather(dispatcher.deliver(_sms()), dispatcher.deliver(_sms()))  # concurrent redelivery
    assert [m.message_id for m in mail.sent] == ["ob-1|reminder|1|email"]
    assert len(gateway.sent) == 1
    assert await dispatcher.status("ob-1|reminder|1|email") == "sent"
    assert await store.pending_entries() == []
    clock.advance(timedelta(hours=2))
    assert await dispatcher.retry_due() == 0 and len(mail.sent) == 1


async def test_xc02_a_failing_channel_is_retried_with_growing_delays_until_sent() -> None:
    store, clock, mail, gateway = memory_dispatch_store(), FrozenClock(T0), RecordingMail(), RecordingSmsGateway()
    dispatcher = _dispatcher(store, clock, mail, gateway)
    mail.failures = 3
    await dispatcher.deliver(_mail())  # attempt 1 fails: never raised to the caller
    assert await dispatcher.status(_mail().message_id) == "waiting"
    [entry] = await store.pending_entries()
    assert entry.due_at == T0 + timedelta(seconds=30)

    clock.advance(timedelta(seconds=29))
    assert await dispatcher.retry_due() == 0 and mail.failures == 2  # not due yet: not tried
    clock.advance(timedelta(seconds=1))
    assert await dispatcher.retry_due() == 0  # attempt 2 fails; next after 60 s
    [entry] = await store.pending_entries()
    assert entry.due_at == clock.now() + timedelta(seconds=60)
    clock.advance(timedelta(seconds=60))
    await dispatcher.retry_due()  # attempt 3 fails; next after 120 s
    clock.advance(timedelta(seconds=120))
    assert await dispatcher.retry_due() == 1
    assert len(mail.sent) == 1
    stored = await store.message(_mail().message_id)
    assert stored is not None
    assert stored.state["status"] == "sent" and stored.state["attempts"] == 4
    assert len(stored.state["errors"]) == 3
    assert stored.state["to_sealed"] == "" and stored.state["to_masked"] == "z***@example.com"  # XC-09
    assert await store.pending_entries() == []


async def test_xc02_backoff_is_capped() -> None:
    store, clock, mail, gateway = memory_dispatch_store(), FrozenClock(T0), RecordingMail(), RecordingSmsGateway()
    dispatcher = _dispatcher(store, clock, mail, gateway, retry_max_s=100)
    mail.failures = 10
    await dispatcher.deliver(_mail())
    for _ in range(5):
        clock.advance(timedelta(hours=1))
        await dispatcher.retry_due()
    [entry] = await store.pending_entries()
    assert entry.due_at == clock.now() + timedelta(seconds=100)


async def test_xc02_a_failing_channel_never_blocks_or_loses_the_others_messages() -> None:
    store, clock, mail, gateway = memory_dispatch_store(), FrozenClock(T0), RecordingMail(), RecordingSmsGateway()
    dispatcher = _dispatcher(store, clock, mail, gateway, send_timeout_s=0.05)
    mail.hang = True  # the mail server accepts the connection and never answers
    for n in range(1, 4):
        await dispatcher.deliver(_mail(n))
        await dispatcher.deliver(_sms(n))
    assert [s.message_id for s in gateway.sent] == [_sms(n).message_id for n in range(1, 4)]
    # After the first timeout the mail channel rests: the others were queued without waiting on it.
    assert {await dispatcher.status(_mail(n).message_id) for n in range(1, 4)} == {"waiting"}

    gateway.fail(1)
    await dispatcher.deliver(_sms(4))  # SMS fails too, now: each channel retries on its own
    mail.hang = False
    clock.advance(timedelta(minutes=5))
    assert await dispatcher.retry_due() == 4
    assert len(mail.sent) == 3 and len(gateway.sent) == 4
    assert await store.pending_entries() == []


async def test_xc02_one_round_stops_at_a_channels_first_failure_and_goes_on_with_the_others() -> None:
    store, clock, mail, gateway = memory_dispatch_store(), FrozenClock(T0), RecordingMail(), RecordingSmsGateway()
    dispatcher = _dispatcher(store, clock, mail, gateway)
    mail.failures = 1
    gateway.fail(1)
    await dispatcher.deliver(_mail(1))
    await dispatcher.deliver(_sms(1))
    for n in range(2, 6):
        await dispatcher.deliver(_mail(n))  # queued: the mail channel rests after its failure
    mail.failures = 100
    clock.advance(timedelta(minutes=10))
    tries_before = mail.failures
    assert await dispatcher.retry_due() == 1  # the SMS; mail tried once this round, the rest wait
    assert tries_before - mail.failures == 1
    assert len(await store.pending_entries()) == 5


async def test_xc02_a_permanent_refusal_is_recorded_failed_and_not_retried() -> None:
    store, clock, mail, gateway = memory_dispatch_store(), FrozenClock(T0), RecordingMail(), RecordingSmsGateway()
    dispatcher = _dispatcher(store, clock, mail, gateway)
    gateway.fail(1, retryable=False)
    await dispatcher.deliver(_sms())
    assert await dispatcher.status(_sms().message_id) == "failed"
    clock.advance(timedelta(days=1))
    assert await dispatcher.retry_due() == 0 and gateway.attempts == 1
    assert await store.pending_entries() == []


async def test_xc02_a_restart_keeps_the_pending_message_and_sends_it() -> None:
    store, clock, mail, gateway = memory_dispatch_store(), FrozenClock(T0), RecordingMail(), RecordingSmsGateway()
    mail.failures = 1
    await _dispatcher(store, clock, mail, gateway).deliver(_mail())
    del mail
    restarted_mail = RecordingMail()
    restarted = _dispatcher(store, clock, restarted_mail, RecordingSmsGateway())  # a new process, same store
    clock.advance(timedelta(seconds=30))
    assert await restarted.retry_due() == 1
    assert [m.body_zh for m in restarted_mail.sent] == ["正文"]
    assert restarted_mail.sent[0].to_address == "zhang.san@example.com"


async def test_xc02_a_send_claimed_by_an_instance_that_died_is_retried_after_its_lease() -> None:
    store, clock, mail, gateway = memory_dispatch_store(), FrozenClock(T0), RecordingMail(), RecordingSmsGateway()
    dying = _dispatcher(store, clock, mail, gateway, lease_s=300)
    mail.hang = True
    task = asyncio.ensure_future(dying.deliver(_mail()))
    await asyncio.sleep(0.05)
    task.cancel()  # the process is killed while sending: nothing recorded after the claim
    await asyncio.gather(task, return_exceptions=True)
    assert await dispatcher_status(store) == "sending"

    other_mail = RecordingMail()
    other = _dispatcher(store, clock, other_mail, gateway, lease_s=300)
    clock.advance(timedelta(seconds=299))
    assert await other.retry_due() == 0 and other_mail.sent == []  # the claim still holds
    clock.advance(timedelta(seconds=1))
    assert await other.retry_due() == 1 and len(other_mail.sent) == 1


async def dispatcher_status(store: DispatchStore) -> str:
    stored = await store.message(_mail().message_id)
    assert stored is not None
    return str(stored.state["status"])


async def test_xc02_a_pending_entry_whose_message_was_never_stored_is_dropped() -> None:
    store, clock = memory_dispatch_store(), FrozenClock(T0)
    await store.set_pending("ob-9|reminder|1|email", "email", T0)  # the delivery died right after listing
    dispatcher = _dispatcher(store, clock, RecordingMail(), RecordingSmsGateway())
    assert await dispatcher.retry_due() == 0
    assert await store.pending_entries() == []


async def test_xc09_log_lines_name_the_message_and_mask_the_recipient() -> None:
    store, clock, mail, gateway = memory_dispatch_store(), FrozenClock(T0), RecordingMail(), RecordingSmsGateway()
    dispatcher = _dispatcher(store, clock, mail, gateway)
    mail.failures = 1
    with structlog.testing.capture_logs() as logs:
        await dispatcher.deliver(_mail())
        await dispatcher.deliver(_sms())
    text = repr(logs)
    assert "zhang.san@example.com" not in text and "13812345678" not in text
    retry = next(line for line in logs if line["event"] == "message not sent; will retry")
    assert retry["to"] == "z***@example.com" and retry["attempts"] == 1 and retry["next_at"]
    assert retry["reason"] == "SMTP server unreachable (test)"
    sent = next(line for line in logs if line["event"] == "message sent")
    assert sent["to"] == "138****5678"


async def test_many_concurrent_deliveries_on_shared_shards_lose_none() -> None:
    store, clock, mail, gateway = (
        memory_dispatch_store(shards=2),
        FrozenClock(T0),
        RecordingMail(),
        RecordingSmsGateway(),
    )
    mail.failures = 1000
    first = _dispatcher(store, clock, mail, gateway)
    second = _dispatcher(store, clock, mail, gateway)  # two instances writing the same shards
    await asyncio.gather(*(d.deliver(_mail(n)) for n in range(40) for d in (first, second)))
    assert len({e.message_id for e in await store.pending_entries()}) == 40


async def test_xc09_an_address_is_never_stored_in_the_clear_not_even_while_it_waits() -> None:
    messages = MemoryAggregateStore("channel_messages", queried=())
    store = DispatchStore(messages, MemoryAggregateStore("channel_pending", queried=()))
    clock, mail, gateway = FrozenClock(T0), RecordingMail(), RecordingSmsGateway()
    dispatcher = _dispatcher(store, clock, mail, gateway)
    mail.failures = 1
    await dispatcher.deliver(_mail())
    await dispatcher.deliver(_sms())
    clock.advance(timedelta(minutes=1))
    assert await dispatcher.retry_due() == 1
    assert mail.sent[0].to_address == "zhang.san@example.com"  # opened again for the retry
    every_version = repr(messages.log)  # the commit log: every state ever stored
    assert "zhang.san" not in every_version and "13812345678" not in every_version


async def test_xc09_a_waiting_message_whose_address_key_changed_is_failed_not_sent_nor_retried_forever() -> None:
    store, clock, mail, gateway = memory_dispatch_store(), FrozenClock(T0), RecordingMail(), RecordingSmsGateway()
    mail.failures = 1
    await _dispatcher(store, clock, mail, gateway).deliver(_mail())
    store.seal = AddressSeal("another key")  # restarted with a different ANJU_CHANNEL_ADDRESS_KEY
    restarted = _dispatcher(store, clock, mail, gateway)
    clock.advance(timedelta(minutes=1))
    with structlog.testing.capture_logs() as logs:
        assert await restarted.retry_due() == 0
    assert await restarted.status(_mail().message_id) == "failed"
    assert mail.sent == [] and await store.pending_entries() == []
    refused = next(line for line in logs if line["log_level"] == "error")
    assert refused["to"] == "z***@example.com" and "key" in refused["reason"]


async def test_xc09_an_unexpected_channel_error_is_retried_and_logged_without_its_text() -> None:
    class Broken:
        name: ChannelName = "email"

        async def send(self, message: OutboundMessage) -> None:
            raise ValueError(f"cannot parse {message.to_address}")

    store, clock = memory_dispatch_store(), FrozenClock(T0)
    dispatcher = Dispatcher({"email": Broken()}, store, clock)
    with structlog.testing.capture_logs() as logs:
        await dispatcher.deliver(_mail())
    assert await dispatcher.status(_mail().message_id) == "waiting"
    assert "zhang.san@example.com" not in repr(logs)
    assert any(line.get("error") == "ValueError" for line in logs)
