"""Who is acting: actor tokens, verified by the same code for HTTP requests and Kafka records (XC-04, XC-05).

An actor token is a JWT whose ``actor`` claim is an :class:`~anju_contracts.Actor`. Two kinds of signer:

* **the platform** (HS256 with ``ANJU_TOKEN_SECRET``, ``iss = "anju"``): the identity provider's sign-in for
  people, and every Anju service for the records it publishes (its actor is ``anju-<service>``, role system);
* **an insurer's core system** (ES256, RS256 or EdDSA with its own private key, ``kid`` and ``iss`` = its
  insurer id): the platform holds only the public key (``ANJU_INSURER_KEYS_DIR/<insurer_id>.pem``), so it
  holds no insurer's secret, and a key speaks only for its own insurer (the actor's ``insurer_id`` must be
  the key's).

Every token must name this deployment as audience (``aud = "anju:<region>"``), carry ``iat``, ``exp`` and a
``sub`` equal to the actor's id, and live no longer than ``ANJU_TOKEN_MAX_LIFETIME_S``. On Kafka the token
travels in the record header ``anju_actor_token``, one per record, with ``jti`` = the envelope's
``event_id``: it signs that one message, so it cannot be lifted onto another; its lifetime is judged at the
time the record was sent (a record may wait in a topic while a consumer is down).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from anju_contracts import Actor, Envelope, FieldProblem, ReasonCode, Refusal, Role
from anju_kit.problems import ProblemError

_bearer = HTTPBearer(auto_error=False, description="Actor token (JWT with an `actor` claim)")
PLATFORM_ALGORITHM = "HS256"
INSURER_ALGORITHMS = ("ES256", "RS256", "EdDSA")
PLATFORM_ISSUER = "anju"
TOKEN_HEADER = "anju_actor_token"
"""The Kafka record header that carries the sender's actor token."""
DEFAULT_MAX_LIFETIME = timedelta(hours=12)
_LEEWAY_S = 60  # clocks of senders and the platform differ a little


def audience(region: str) -> str:
    return f"anju:{region}"


def service_actor(service: str, region: str) -> Actor:
    """The actor an Anju service signs its own records as."""
    return Actor(id=f"anju-{service}", role=Role.SYSTEM, region=region)


class TokenRefused(Refusal):
    """The token is missing, does not verify, or does not fit what it is sent with."""

    def __init__(self, detail: str, *, reason_code: str = ReasonCode.UNAUTHENTICATED) -> None:
        super().__init__(reason_code, detail)


@dataclass(frozen=True)
class Sender:
    """Who signed: the actor, and whether the platform (not an insurer's key) vouches for it."""

    actor: Actor
    platform: bool

    def is_service(self, service: str) -> bool:
        return self.platform and self.actor.role is Role.SYSTEM and self.actor.id == f"anju-{service}"

    @property
    def is_any_service(self) -> bool:
        return self.platform and self.actor.role is Role.SYSTEM and self.actor.id.startswith("anju-")


@dataclass
class ActorTokens:
    """Issues platform tokens and verifies any actor token for one region's deployment."""

    secret: str
    region: str
    insurer_keys: Mapping[str, Any] = field(default_factory=dict)  # insurer id → public key (PEM text or key)
    max_lifetime: timedelta = DEFAULT_MAX_LIFETIME

    @classmethod
    def from_settings(cls, settings: Any) -> ActorTokens:
        return cls(
            secret=settings.token_secret.get_secret_value(),
            region=settings.region,
            insurer_keys=load_insurer_keys(settings.insurer_keys_dir),
            max_lifetime=timedelta(seconds=settings.token_max_lifetime_s),
        )

    # -- issuing (platform only) -------------------------------------------------------------------
    def issue(self, actor: Actor, *, ttl: timedelta = timedelta(hours=8), jti: str | None = None) -> str:
        return issue_token(actor, self.secret, ttl=min(ttl, self.max_lifetime), jti=jti)

    def sign(self, envelope: Envelope, sender: Actor) -> str:
        """A token for one outgoing record: ``jti`` binds it to the envelope's event id."""
        return self.issue(sender, ttl=timedelta(minutes=10), jti=str(envelope.event_id))

    # -- verifying ---------------------------------------------------------------------------------
    def verify(self, token: str, *, at: datetime | None = None, jti: str | None = None) -> Sender:
        """The sender of ``token``; raises :class:`TokenRefused` (never says which check failed in
        more detail than a sender needs to fix its own token)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise TokenRefused("the actor token is not a JWT") from exc
        algorithm = header.get("alg")
        if algorithm == PLATFORM_ALGORITHM:
            key: Any = self.secret
            issuer, platform = PLATFORM_ISSUER, True
        elif algorithm in INSURER_ALGORITHMS:
            kid = header.get("kid")
            if not isinstance(kid, str) or kid not in self.insurer_keys:
                raise TokenRefused("the token's key (kid) is not registered for this deployment")
            key, issuer, platform = self.insurer_keys[kid], kid, False
        else:
            raise TokenRefused("the token's algorithm is not accepted (HS256 platform, ES256/RS256/EdDSA insurer)")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=audience(self.region),
                issuer=issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss"], "verify_exp": False, "verify_iat": False},
            )
            actor = Actor.model_validate(claims["actor"])
        except jwt.InvalidAudienceError as exc:
            raise TokenRefused(
                f"the token is not for this deployment (audience {audience(self.region)})",
                reason_code=ReasonCode.WRONG_REGION,
            ) from exc
        except (jwt.InvalidTokenError, KeyError, ValidationError, TypeError) as exc:
            raise TokenRefused("the actor token does not verify") from exc
        self._check_times(claims, at or datetime.now(UTC))
        if claims["sub"] != actor.id:
            raise TokenRefused("the token's subject is not its actor")
        if jti is not None and claims.get("jti") != jti:
            raise TokenRefused("the token was not made for this message (jti must be its event_id)")
        if not platform and (actor.insurer_id != issuer or actor.role not in (Role.INSURER, Role.SYSTEM)):
            raise TokenRefused("an insurer's key speaks only for that insurer's staff and systems")
        if actor.region != self.region:
            raise TokenRefused(f"this deployment serves region {self.region}", reason_code=ReasonCode.WRONG_REGION)
        return Sender(actor, platform)

    def _check_times(self, claims: Mapping[str, Any], at: datetime) -> None:
        try:
            issued, expires = float(claims["iat"]), float(claims["exp"])
        except (TypeError, ValueError) as exc:
            raise TokenRefused("the token's iat and exp must be numbers") from exc
        if expires - issued > self.max_lifetime.total_seconds():
            raise TokenRefused(f"the token lives longer than {int(self.max_lifetime.total_seconds())} s")
        moment = at.timestamp()
        if moment > expires + _LEEWAY_S:
            raise TokenRefused("the token has expired", reason_code="TOKEN_EXPIRED")
        if issued > moment + _LEEWAY_S:
            raise TokenRefused("the token was issued in the future")


def issue_token(
    actor: Actor, secret: str, *, ttl: timedelta = timedelta(hours=8), jti: str | None = None, region: str | None = None
) -> str:
    """A platform (HS256) token for ``actor``; the audience is the actor's region unless given."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": PLATFORM_ISSUER,
        "aud": audience(region or actor.region),
        "sub": actor.id,
        "actor": actor.model_dump(mode="json"),
        "iat": now,
        "exp": now + ttl,
    }
    if jti is not None:
        claims["jti"] = jti
    return jwt.encode(claims, secret, algorithm=PLATFORM_ALGORITHM)


def insurer_token(
    actor: Actor, private_key: Any, *, algorithm: str = "ES256", ttl: timedelta = timedelta(minutes=10), jti: str
) -> str:
    """What an insurer's core system sends (shown here for tests and the contracts' README): signed with its
    own private key, ``kid``/``iss`` its insurer id, ``jti`` the envelope's event id."""
    insurer_id = actor.insurer_id or ""
    now = datetime.now(UTC)
    claims = {
        "iss": insurer_id,
        "aud": audience(actor.region),
        "sub": actor.id,
        "actor": actor.model_dump(mode="json"),
        "iat": now,
        "exp": now + ttl,
        "jti": jti,
    }
    return jwt.encode(claims, private_key, algorithm=algorithm, headers={"kid": insurer_id})


def load_insurer_keys(directory: Path | None) -> dict[str, str]:
    """``<insurer_id>.pem`` public keys of a directory (none when unset); a bad file stops start-up."""
    if directory is None:
        return {}
    keys: dict[str, str] = {}
    for path in sorted(directory.glob("*.pem")):
        text = path.read_text(encoding="ascii")
        if "PRIVATE KEY" in text:
            raise ValueError(f"{path} holds a private key: the platform keeps insurers' public keys only")
        keys[path.stem] = text
    return keys


# -- HTTP ------------------------------------------------------------------------------------------


# Every refusal names the field it is about (ARCHITECTURE.md, the trust boundary): for the token, the header
# it travels in. The detail says what to fix; the token itself is never repeated.
TOKEN_FIELD = "Authorization"


def _token_problem(detail: str) -> tuple[FieldProblem, ...]:
    return (FieldProblem(field=TOKEN_FIELD, message=detail[:500]),)


def actor_from_token(token: str, tokens: ActorTokens) -> Actor:
    try:
        return tokens.verify(token).actor
    except TokenRefused as exc:
        status = 403 if exc.reason_code == ReasonCode.WRONG_REGION else 401
        code = exc.reason_code if exc.reason_code != ReasonCode.UNAUTHENTICATED else "TOKEN_INVALID"
        raise ProblemError(status, code, exc.detail, problems=_token_problem(exc.detail)) from exc


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        detail = "Send an actor token as 'Authorization: Bearer …'."
        raise ProblemError(401, "TOKEN_MISSING", detail, problems=_token_problem(detail))
    tokens: ActorTokens = request.app.state.tokens  # set once by ServiceApp.build
    return actor_from_token(credentials.credentials, tokens)


CurrentActor = Annotated[Actor, Depends(current_actor)]
