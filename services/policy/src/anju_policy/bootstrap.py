"""Composition root of the policy service: the one place where real adapters are wired.

Every service's bootstrap has the same ``build(settings, *, clock=None) -> (ServiceApp, handlers)``;
``create_app`` serves what it builds.
"""

from __future__ import annotations

from fastapi import FastAPI

from anju_kit.clock import Clock
from anju_kit.service import ServiceApp
from anju_kit.settings import ServiceSettings

TITLE = "Anju Policy (承保)"
DESCRIPTION = (
    "Quotations, premium, 见费出单 and milestones. "
    "Commands arrive in a later release; until then each is answered on the rejection topic."
)


def build(settings: ServiceSettings, *, clock: Clock | None = None) -> tuple[ServiceApp, None]:
    """The service; no handlers yet (its commands arrive in a later release), so nothing keeps time and
    ``clock`` is taken only to keep every service's composition root alike."""
    service = ServiceApp(settings, title=TITLE, description=DESCRIPTION)
    service.answer_commands_not_yet_supported()
    return service, None


def create_app(settings: ServiceSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    service, _ = build(settings or ServiceSettings.for_service("policy"), clock=clock)
    return service.build()
