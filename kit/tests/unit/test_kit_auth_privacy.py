"""Actor tokens (XC-05) and personal-data masking (XC-09)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from anju_contracts import Actor, Role
from anju_kit.auth import ActorTokens, actor_from_token, issue_token
from anju_kit.privacy import mask_id_number, mask_name, mask_phone, protected_hash
from anju_kit.problems import ProblemError
from anju_kit.settings import ServiceSettings

SECRET = "test-secret-of-enough-length-32-bytes!"
OWNER = Actor(id="owner-1", role=Role.OWNER, region="shanghai", unit_ids=("unit-1",))


def test_xc05_token_round_trip_gives_the_actor_back() -> None:
    assert actor_from_token(issue_token(OWNER, SECRET), ActorTokens(SECRET, "shanghai")) == OWNER


@pytest.mark.parametrize(
    ("token", "secret", "region", "code"),
    [
        ("not-a-jwt", SECRET, "shanghai", "TOKEN_INVALID"),
        (issue_token(OWNER, "another-secret-another-secret-1234"), SECRET, "shanghai", "TOKEN_INVALID"),
        (issue_token(OWNER, SECRET, ttl=timedelta(minutes=-10)), SECRET, "shanghai", "TOKEN_EXPIRED"),
        (issue_token(OWNER, SECRET), SECRET, "hangzhou", "WRONG_REGION"),
    ],
)
def test_xc05_bad_tokens_are_refused_with_a_reason_code(token: str, secret: str, region: str, code: str) -> None:
    with pytest.raises(ProblemError) as refused:
        actor_from_token(token, ActorTokens(secret, region))
    assert refused.value.reason_code == code and refused.value.status in (401, 403)


def test_xc09_masking_keeps_only_what_identifies_nobody() -> None:
    assert mask_id_number("310101199001011234") == "310***********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张**"
    assert protected_hash("310101199001011234", "k") == protected_hash("310101199001011234", "k")
    assert "1990" not in protected_hash("310101199001011234", "k")


def test_settings_defaults_match_deploy_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANJU_MONGO_DB", raising=False)
    monkeypatch.delenv("ANJU_HTTP_PORT", raising=False)
    monkeypatch.setenv("ANJU_REGION", "qingdao-laoshan")
    settings = ServiceSettings.for_service("claims")
    assert settings.kafka_bootstrap == "127.0.0.1:9092" and settings.http_port == 8104
    assert settings.mongo_db == "anju_claims_qingdao_laoshan"
    assert settings.regions_dir.name == "regions"
