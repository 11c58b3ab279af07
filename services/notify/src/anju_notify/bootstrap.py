"""Composition root of the notify service: the one place where real adapters are wired."""

from __future__ import annotations

from fastapi import FastAPI

from anju_kit.service import ServiceApp
from anju_kit.settings import ServiceSettings

TITLE = "Anju Notify (义务与提醒)"
DESCRIPTION = (
    "Every deadline as a tracked obligation, reminders, escalation and regulator uploads. "
    "Commands arrive in a later release; until then each is answered on the rejection topic."
)


def create_service(settings: ServiceSettings) -> ServiceApp:
    service = ServiceApp(settings, title=TITLE, description=DESCRIPTION)
    service.answer_commands_not_yet_supported()
    return service


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service(settings or ServiceSettings.for_service("notify")).build()
