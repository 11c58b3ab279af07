"""The channels' settings: ANJU_SMTP_* for the SMTP server, the address key refused at its development
default in production (XC-09: addresses are stored protected, with a key of the deployment's own)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from anju_notify.channels.config import ChannelSettings
from anju_notify.channels.smtp import SmtpChannel

OWN_SECRETS = {
    "ANJU_TOKEN_SECRET": "production-token-secret-of-at-least-32-bytes",
    "ANJU_S3_SECRET_KEY": "production-s3-secret",
}


def test_defaults_point_at_the_local_mailpit_and_env_overrides_them(monkeypatch: pytest.MonkeyPatch) -> None:
    local = SmtpChannel.from_settings(ChannelSettings.load())
    assert (local.host, local.port, local.sender) == ("127.0.0.1", 1025, "anju-notify@anju.local")
    monkeypatch.setenv("ANJU_SMTP_HOST", "smtp.example.gov.cn")
    monkeypatch.setenv("ANJU_SMTP_PORT", "587")
    monkeypatch.setenv("ANJU_SMTP_SENDER", "notify@example.gov.cn")
    relay = SmtpChannel.from_settings(ChannelSettings.load())
    assert (relay.host, relay.port, relay.sender) == ("smtp.example.gov.cn", 587, "notify@example.gov.cn")


def test_xc09_production_refuses_the_development_address_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in OWN_SECRETS.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match="ANJU_CHANNEL_ADDRESS_KEY"):
        ChannelSettings.load(profile="production")
    monkeypatch.setenv("ANJU_CHANNEL_ADDRESS_KEY", "the deployment's own key")
    assert ChannelSettings.load(profile="production").smtp_username == ""  # no SMTP login is allowed


def test_production_refuses_an_smtp_login_without_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in OWN_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ANJU_CHANNEL_ADDRESS_KEY", "the deployment's own key")
    monkeypatch.setenv("ANJU_SMTP_USERNAME", "notify")
    with pytest.raises(ValidationError, match="ANJU_SMTP_PASSWORD"):
        ChannelSettings.load(profile="production")


def test_the_composition_root_gets_an_smtp_dispatcher_with_the_settings_retry_policy() -> None:
    from pymongo import AsyncMongoClient

    from anju_kit.clock import FrozenClock
    from anju_notify.channels.sms import RecordingSmsGateway
    from anju_notify.channels.wiring import build_dispatcher

    settings = ChannelSettings.load(channel_retry_base_s=5, smtp_port=2525)
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient("mongodb://127.0.0.1:1", connect=False)
    clock = FrozenClock(datetime(2026, 12, 1, tzinfo=UTC))
    email_only = build_dispatcher(settings, client["unused"], clock)
    assert set(email_only.channels) == {"email"}
    email = email_only.channels["email"]
    assert isinstance(email, SmtpChannel) and email.port == 2525
    assert email_only.retry_base == timedelta(seconds=5)
    assert set(build_dispatcher(settings, client["unused"], clock, sms_gateway=RecordingSmsGateway()).channels) == {
        "email",
        "sms",
    }
