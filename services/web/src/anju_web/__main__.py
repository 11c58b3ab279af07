"""`python -m anju_web` / `anju-web`: serve the pages until stopped."""

from fastapi import FastAPI

from anju_kit.service import run
from anju_kit.settings import ServiceSettings
from anju_web.bootstrap import create_app
from anju_web.config import WebSettings


def _factory(_: ServiceSettings) -> FastAPI:
    # WebSettings reads the same ANJU_* environment plus the ANJU_WEB_* extras.
    return create_app(WebSettings.load())


def main() -> None:
    run(_factory, "web")


if __name__ == "__main__":
    main()
