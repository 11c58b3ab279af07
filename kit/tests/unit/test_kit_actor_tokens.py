"""Actor tokens, one verifier for HTTP and Kafka (issue #8 defects 4 and 8; XC-04, XC-05)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from anju_contracts import Actor, Role
from anju_kit.auth import ActorTokens, TokenRefused, insurer_token, issue_token, load_insurer_keys
from anju_kit.settings import ServiceSettings

SECRET = "test-secret-of-enough-length-32-bytes!"
INSURER_A = Actor(id="core-a", role=Role.SYSTEM, region="shanghai", insurer_id="ins-a")
REGULATOR = Actor(id="reg-1", role=Role.REGULATOR, region="shanghai")


def _key() -> tuple[ec.EllipticCurvePrivateKey, str]:
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


def _claims(actor: Actor, **changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": "anju",
        "aud": "anju:shanghai",
        "sub": actor.id,
        "actor": actor.model_dump(mode="json"),
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    return claims | changes


def test_xc05_insurer_key_proves_its_own_insurer_only() -> None:
    """An insurer's system signs with its own key; the platform holds only the public half."""
    private, public = _key()
    tokens = ActorTokens(SECRET, "shanghai", insurer_keys={"ins-a": public})
    event_id = str(uuid.uuid4())
    sender = tokens.verify(insurer_token(INSURER_A, private, jti=event_id), jti=event_id)
    assert sender.actor == INSURER_A and not sender.platform
    # the same key claiming another insurer's actor is refused
    other = INSURER_A.model_copy(update={"insurer_id": "ins-b"})
    forged = jwt.encode(_claims(other, iss="ins-a", jti=event_id), private, algorithm="ES256", headers={"kid": "ins-a"})
    with pytest.raises(TokenRefused):
        tokens.verify(forged, jti=event_id)
    # …and a key the deployment does not know is refused
    stranger, _ = _key()
    with pytest.raises(TokenRefused):
        tokens.verify(insurer_token(INSURER_A, stranger, jti=event_id), jti=event_id)


def test_xc05_a_kafka_token_is_bound_to_its_message() -> None:
    tokens = ActorTokens(SECRET, "shanghai")
    token = issue_token(REGULATOR, SECRET, jti="11111111-1111-1111-1111-111111111111")
    with pytest.raises(TokenRefused, match="jti"):
        tokens.verify(token, jti="22222222-2222-2222-2222-222222222222")


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"iss": "someone"}, "issuer"),
        ({"aud": "anju:hangzhou"}, "audience"),
        ({"sub": "somebody-else"}, "sub must equal the actor"),
        ({"exp": datetime.now(UTC) + timedelta(days=30)}, "lifetime over the maximum"),
        ({"iat": datetime.now(UTC) + timedelta(hours=2)}, "issued in the future"),
    ],
)
def test_defect8_tokens_check_issuer_audience_lifetime_and_subject(changes: dict[str, object], why: str) -> None:
    tokens = ActorTokens(SECRET, "shanghai", max_lifetime=timedelta(hours=12))
    token = jwt.encode(_claims(REGULATOR, **changes), SECRET, algorithm="HS256")
    with pytest.raises(TokenRefused):
        tokens.verify(token)


def test_defect8_a_token_without_audience_or_issuer_is_refused() -> None:
    claims = _claims(REGULATOR)
    del claims["aud"], claims["iss"]
    with pytest.raises(TokenRefused):
        ActorTokens(SECRET, "shanghai").verify(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_defect4_a_kafka_token_is_judged_at_the_time_it_was_sent() -> None:
    """A record that waited in a topic while a consumer was down is still the sender's."""
    tokens = ActorTokens(SECRET, "shanghai")
    token = issue_token(REGULATOR, SECRET, ttl=timedelta(minutes=10), jti="j")
    later = datetime.now(UTC) + timedelta(hours=5)
    with pytest.raises(TokenRefused):
        tokens.verify(token, at=later, jti="j")
    assert tokens.verify(token, at=datetime.now(UTC), jti="j").actor == REGULATOR


def test_defect8_production_refuses_development_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANJU_PROFILE", "production")
    with pytest.raises(ValueError, match="ANJU_TOKEN_SECRET"):
        ServiceSettings.for_service("claims")
    monkeypatch.setenv("ANJU_TOKEN_SECRET", "a-real-secret-a-real-secret-123456")
    monkeypatch.setenv("ANJU_S3_SECRET_KEY", "a-real-s3-secret")
    assert ServiceSettings.for_service("claims").profile == "production"


def test_insurer_keys_directory_refuses_a_private_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    private, public = _key()
    (tmp_path / "ins-a.pem").write_text(public)
    assert set(load_insurer_keys(tmp_path)) == {"ins-a"}
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "ins-b.pem").write_bytes(pem)
    with pytest.raises(ValueError, match="private key"):
        load_insurer_keys(tmp_path)
