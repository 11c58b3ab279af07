"""`python -m anju_notify` / `anju-notify`: serve HTTP and consume Kafka until stopped."""

from fastapi import FastAPI

from anju_kit.service import run
from anju_kit.settings import ServiceSettings
from anju_notify.bootstrap import create_app
from anju_notify.config import NotifySettings


def _factory(_: ServiceSettings) -> FastAPI:
    # NotifySettings reads the same ANJU_* environment plus the ANJU_NOTIFY_* extras.
    return create_app(NotifySettings.load())


def main() -> None:
    run(_factory, "notify")


if __name__ == "__main__":
    main()
