"""Delivering ``OutboundMessage``s once each, through whichever channel they name, without losing one.

``deliver(message)`` records the message, then tries to send it at once. A failure never reaches the
caller (the ledger's consumer must not stall on a mail server): the attempt is recorded and the message
listed for a retry after a growing delay (``retry_base_s`` doubling up to ``retry_max_s``). A permanent
refusal (``ChannelError(retryable=False)``: e.g. an address the server rejects) is recorded as
``failed`` and logged for an operator, never retried and never silently dropped.

``retry_due()`` — run on a timer — sends what is due. Each channel is retried in its own task and stops
at its first failure in a round, so a channel that is down costs one timeout per round and never holds
up another channel's messages. After a failure, ``deliver`` also stops trying that channel at once for
``retry_base_s`` and only lists its messages, so an outage does not slow the ledger either.

Exactly-once as far as storage can promise it: the message's creation is the idempotency check (a
second ``deliver`` sends nothing), each send is claimed by a compare-and-set with a lease, and the
outcome is stored before the message leaves the pending list. An instance that dies mid-send leaves its
claim to lapse; the message is then sent again — the one case where a recipient may get two copies
(the e-mail's Message-ID is the same, so mail clients can tell).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from anju_kit.clock import Clock
from anju_kit.logging import get_logger
from anju_notify.channels.masking import mask_recipient
from anju_notify.channels.port import Channel, ChannelError, ChannelName, OutboundMessage
from anju_notify.channels.sealing import UnreadableAddress
from anju_notify.channels.store import DispatchStore, PendingEntry

log = get_logger(__name__)

Status = Literal["sending", "waiting", "sent", "failed"]
_ERRORS_KEPT = 5  # the last few failure reasons on the message, for an operator


class Dispatcher:
    def __init__(
        self,
        channels: Mapping[ChannelName, Channel],
        store: DispatchStore,
        clock: Clock,
        *,
        retry_base_s: float = 30.0,
        retry_max_s: float = 3600.0,
        lease_s: float = 300.0,
        send_timeout_s: float = 60.0,
        batch: int = 50,
    ) -> None:
        self.channels = dict(channels)
        self.store = store
        self.clock = clock
        self.retry_base = timedelta(seconds=retry_base_s)
        self.retry_max = timedelta(seconds=retry_max_s)
        self.lease = timedelta(seconds=lease_s)
        self.send_timeout_s = send_timeout_s
        self.batch = batch
        self._resting_until: dict[str, datetime] = {}  # channel -> no immediate sends before then

    # -- the ledger's calls -------------------------------------------------------------------------
    async def deliver(self, message: OutboundMessage) -> None:
        """Send ``message`` once (idempotent per ``message_id``); a failure is retried later, never raised."""
        if await self.store.message(message.message_id) is not None:
            log.info("message already delivered or scheduled", **_fields(message))
            return
        now = self.clock.now()
        resting = self._resting_until.get(message.channel)
        if resting is not None and resting > now:
            # The channel failed moments ago: list the message for the retry timer instead of waiting
            # on a server that is probably still down.
            await self.store.set_pending(message.message_id, message.channel, resting)
            waiting = self._new_state(message, now, "waiting", resting)
            if await self.store.create_message(message.message_id, waiting):
                log.warning(
                    "channel resting after a failure; message queued",
                    next_at=resting.isoformat(),
                    **_fields(message),
                )
            return
        lease_until = now + self.lease
        # Listed before it is created: once created it is always found again, even if we die now (an
        # entry whose message never came is dropped by retry_due; our caller, not acknowledged, retries).
        await self.store.set_pending(message.message_id, message.channel, lease_until)
        sending = self._new_state(message, now, "sending", lease_until)
        if not await self.store.create_message(message.message_id, sending):
            return  # a concurrent delivery of the same message won
        await self._attempt(message, version=1, state=sending)

    async def retry_due(self) -> int:
        """Send every message that is due, each channel on its own; returns how many were sent."""
        now = self.clock.now()
        by_channel: dict[str, list[PendingEntry]] = defaultdict(list)
        for entry in await self.store.pending_entries():
            if entry.due_at <= now and len(by_channel[entry.channel]) < self.batch:
                by_channel[entry.channel].append(entry)
        counts = await asyncio.gather(*(self._retry_channel(entries) for entries in by_channel.values()))
        return sum(counts)

    async def status(self, message_id: str) -> Status | None:
        stored = await self.store.message(message_id)
        return None if stored is None else stored.state["status"]

    # -- inside -------------------------------------------------------------------------------------
    def _new_state(self, message: OutboundMessage, now: datetime, status: Status, until: datetime) -> dict[str, Any]:
        return _new_state(message, self.store.seal.seal(message.to_address), now, status, until)

    def _message_of(self, message_id: str, state: Mapping[str, Any]) -> OutboundMessage:
        return OutboundMessage(
            message_id=message_id,
            channel=state["channel"],
            to_address=self.store.seal.open(state["to_sealed"]),
            subject_zh=state["subject_zh"],
            body_zh=state["body_zh"],
        )

    async def _retry_channel(self, entries: list[PendingEntry]) -> int:
        sent = 0
        for entry in entries:
            outcome = await self._retry_one(entry)
            if outcome == "sent":
                sent += 1
            elif outcome == "waiting":
                break  # the channel still fails: the rest wait for the next round
        return sent

    async def _retry_one(self, entry: PendingEntry) -> Status | None:
        now = self.clock.now()
        stored = await self.store.message(entry.message_id)
        if stored is None:
            # Listed by a delivery that died before it stored the message; its caller delivers again.
            log.warning("pending entry without a message dropped", message_id=entry.message_id, channel=entry.channel)
            await self.store.set_pending(entry.message_id, entry.channel, None)
            return None
        state = dict(stored.state)
        if state["status"] in ("sent", "failed"):
            await self.store.set_pending(entry.message_id, entry.channel, None)  # a crash left it listed
            return None
        not_before = _at(state["lease_until"] if state["status"] == "sending" else state["next_at"])
        if not_before > now:
            await self.store.set_pending(entry.message_id, entry.channel, not_before)
            return None
        lease_until = now + self.lease
        claimed = {**state, "status": "sending", "lease_until": lease_until.isoformat()}
        version = await self.store.update_message(entry.message_id, stored.version, claimed)
        if version is None:
            return None  # another instance claimed it
        await self.store.set_pending(entry.message_id, entry.channel, lease_until)
        try:
            message = self._message_of(entry.message_id, claimed)
        except UnreadableAddress as exc:
            unreadable = ChannelError(str(exc), retryable=False)
            attempts = int(claimed["attempts"]) + 1
            masked = OutboundMessage(entry.message_id, claimed["channel"], "", claimed["subject_zh"], "")
            return await self._failed(masked, version, claimed, attempts, unreadable, to=claimed["to_masked"])
        return await self._attempt(message, version=version, state=claimed)

    async def _attempt(self, message: OutboundMessage, *, version: int, state: Mapping[str, Any]) -> Status | None:
        """Send once and record the outcome (the message is claimed at ``version``)."""
        attempts = int(state["attempts"]) + 1
        channel = self.channels.get(message.channel)
        try:
            if channel is None:
                raise ChannelError(f"no {message.channel} channel is configured", retryable=True)
            await asyncio.wait_for(channel.send(message), timeout=self.send_timeout_s)
        except Exception as exc:  # any failure of a channel is recorded, never raised
            error = exc if isinstance(exc, ChannelError) else _unexpected(exc)
            return await self._failed(message, version, state, attempts, error)
        now = self.clock.now()
        self._resting_until.pop(message.channel, None)
        done = {**_terminal(state), "status": "sent", "attempts": attempts, "sent_at": now.isoformat()}
        if await self.store.update_message(message.message_id, version, done) is None:
            log.warning("message sent, but another instance had taken it over", attempts=attempts, **_fields(message))
            return "sent"
        await self.store.set_pending(message.message_id, message.channel, None)
        log.info("message sent", attempts=attempts, **_fields(message))
        return "sent"

    async def _failed(
        self,
        message: OutboundMessage,
        version: int,
        state: Mapping[str, Any],
        attempts: int,
        error: ChannelError,
        *,
        to: str | None = None,
    ) -> Status | None:
        fields = _fields(message) | ({"to": to} if to is not None else {})
        now = self.clock.now()
        errors = [*state.get("errors", []), {"at": now.isoformat(), "reason": error.reason}][-_ERRORS_KEPT:]
        if not error.retryable:
            failed = {**_terminal(state), "status": "failed", "attempts": attempts, "errors": errors}
            if await self.store.update_message(message.message_id, version, failed) is not None:
                await self.store.set_pending(message.message_id, message.channel, None)
            log.error(
                "message refused for good; not retried (see reason)",
                attempts=attempts,
                reason=error.reason,
                **fields,
            )
            return "failed"
        next_at = now + min(self.retry_base * 2 ** (attempts - 1), self.retry_max)
        self._resting_until[message.channel] = now + self.retry_base
        waiting = {**state, "status": "waiting", "attempts": attempts, "next_at": next_at.isoformat(), "errors": errors}
        if await self.store.update_message(message.message_id, version, waiting) is not None:
            await self.store.set_pending(message.message_id, message.channel, next_at)
        log.warning(
            "message not sent; will retry",
            attempts=attempts,
            next_at=next_at.isoformat(),
            reason=error.reason,
            **fields,
        )
        return "waiting"


def _new_state(
    message: OutboundMessage, sealed_address: str, now: datetime, status: Status, until: datetime
) -> dict[str, Any]:
    return {
        "channel": message.channel,
        "to_sealed": sealed_address,
        "to_masked": mask_recipient(message.to_address),
        "subject_zh": message.subject_zh,
        "body_zh": message.body_zh,
        "status": status,
        "attempts": 0,
        "created_at": now.isoformat(),
        "lease_until": until.isoformat(),
        "next_at": until.isoformat(),
        "errors": [],
    }


def _terminal(state: Mapping[str, Any]) -> dict[str, Any]:
    """A delivered or refused message keeps no address, not even sealed (XC-09): only its masked form."""
    return {**state, "to_sealed": "", "lease_until": None, "next_at": None}


def _at(value: str | None) -> datetime:
    return datetime.fromisoformat(value) if value else datetime.min.replace(tzinfo=UTC)


def _unexpected(exc: BaseException) -> ChannelError:
    if isinstance(exc, TimeoutError):
        return ChannelError("the channel did not answer in time", retryable=True)
    # The type only, no traceback: an exception's text may carry the address (XC-09).
    log.warning("channel raised an unexpected error; treated as retryable", error=type(exc).__name__)
    return ChannelError(f"unexpected {type(exc).__name__}", retryable=True)


def _fields(message: OutboundMessage) -> dict[str, str]:
    """What every log line says about a message: never its address in the clear (XC-09)."""
    return {"message_id": message.message_id, "channel": message.channel, "to": mask_recipient(message.to_address)}
