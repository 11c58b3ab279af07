"""The SMS port and its recording double (an SMS gateway is outside the platform)."""

from __future__ import annotations

import pytest

from anju_notify.channels.masking import mask_recipient
from anju_notify.channels.port import ChannelError, OutboundMessage
from anju_notify.channels.sms import SMS_MAX_CHARS, RecordingSmsGateway, SmsChannel


def _sms(message_id: str = "o-1|reminder|1|sms", body: str = "请于2026-12-03 17:00前上传报告。") -> OutboundMessage:
    return OutboundMessage(message_id, "sms", "13812345678", "【安居提醒】报告将到期", body)


async def test_sms_channel_hands_the_text_to_the_gateway_with_the_message_id_as_reference() -> None:
    gateway = RecordingSmsGateway()
    await SmsChannel(gateway).send(_sms())
    [sent] = gateway.sent
    assert sent.mobile == "13812345678"
    assert sent.text.startswith("【安居提醒】报告将到期\n请于")
    assert sent.message_id == "o-1|reminder|1|sms"


async def test_a_long_body_is_cut_to_one_bounded_text() -> None:
    gateway = RecordingSmsGateway()
    await SmsChannel(gateway).send(_sms(body="很长" * 500))
    assert len(gateway.sent[0].text) == SMS_MAX_CHARS and gateway.sent[0].text.endswith("…")


async def test_the_double_fails_n_times_then_records() -> None:
    gateway = RecordingSmsGateway()
    gateway.fail(2)
    channel = SmsChannel(gateway)
    for _ in range(2):
        with pytest.raises(ChannelError) as failed:
            await channel.send(_sms())
        assert failed.value.retryable
    await channel.send(_sms())
    assert gateway.attempts == 3 and len(gateway.sent) == 1


async def test_the_double_can_refuse_for_good() -> None:
    gateway = RecordingSmsGateway()
    gateway.fail(1, retryable=False)
    with pytest.raises(ChannelError) as failed:
        await SmsChannel(gateway).send(_sms())
    assert not failed.value.retryable


def test_xc09_recipients_are_masked_for_logs() -> None:
    assert mask_recipient("13812345678") == "138****5678"
    assert mask_recipient("zhang.san@example.com") == "z***@example.com"
