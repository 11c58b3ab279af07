"""Composition root of the policy service: the one place where real adapters are wired."""

from __future__ import annotations

from fastapi import FastAPI

from anju_kit.service import ServiceApp
from anju_kit.settings import ServiceSettings

TITLE = "Anju Policy (承保)"
DESCRIPTION = (
    "Quotations, premium, 见费出单 and milestones. "
    "Commands arrive in a later release; until then each is answered on the rejection topic."
)


def create_service(settings: ServiceSettings) -> ServiceApp:
    service = ServiceApp(settings, title=TITLE, description=DESCRIPTION)
    service.answer_commands_not_yet_supported()
    return service


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service(settings or ServiceSettings.for_service("policy")).build()
