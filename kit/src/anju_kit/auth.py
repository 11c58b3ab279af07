"""The actor behind an HTTP request, from a signed bearer token (XC-04, XC-05).

Tokens are HS256 JWTs whose ``actor`` claim is an :class:`~anju_contracts.Actor`. The identity
provider of a real deployment issues them; :func:`issue_token` serves tests and dev tools.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from anju_contracts import Actor
from anju_kit.problems import ProblemError

_bearer = HTTPBearer(auto_error=False, description="Actor token (HS256 JWT with an `actor` claim)")
ALGORITHM = "HS256"


def issue_token(actor: Actor, secret: str, *, ttl: timedelta = timedelta(hours=8)) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": actor.id,
        "actor": actor.model_dump(mode="json"),
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def actor_from_token(token: str, secret: str, region: str) -> Actor:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
        actor = Actor.model_validate(claims["actor"])
    except jwt.ExpiredSignatureError as exc:
        raise ProblemError(401, "TOKEN_EXPIRED", "The token has expired.") from exc
    except (jwt.InvalidTokenError, KeyError, ValidationError) as exc:
        raise ProblemError(401, "TOKEN_INVALID", "The token is not valid.") from exc
    if actor.region != region:
        raise ProblemError(403, "WRONG_REGION", f"This deployment serves region {region}.")
    return actor


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise ProblemError(401, "TOKEN_MISSING", "Send an actor token as 'Authorization: Bearer …'.")
    settings = request.app.state.settings
    return actor_from_token(credentials.credentials, settings.token_secret.get_secret_value(), settings.region)


CurrentActor = Annotated[Actor, Depends(current_actor)]
