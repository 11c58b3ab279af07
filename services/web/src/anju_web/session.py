"""Who is signed in: the platform actor token kept in an HttpOnly cookie.

The web holds no scope of its own: it verifies the token only to greet the user and choose the pages
(an owner's units, an inspector's agency), and sends the same token on every call to the services,
which decide what the user may see (XC-05).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from anju_contracts import Actor
from anju_kit.auth import ActorTokens, TokenRefused

COOKIE = "anju_token"


@dataclass(frozen=True)
class Session:
    token: str
    actor: Actor


def session_of(request: Request, tokens: ActorTokens) -> Session | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return Session(token, tokens.verify(token).actor)
    except TokenRefused:
        return None  # expired or foreign: sign in again
