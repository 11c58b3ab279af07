"""`python -m anju_registry` / `anju-registry`: serve HTTP and consume Kafka until stopped."""

from fastapi import FastAPI

from anju_kit.service import run
from anju_kit.settings import ServiceSettings
from anju_registry.bootstrap import create_app
from anju_registry.config import RegistrySettings


def _factory(_: ServiceSettings) -> FastAPI:
    # RegistrySettings reads the same ANJU_* environment plus the ANJU_REGISTRY_* extras.
    return create_app(RegistrySettings.load())


def main() -> None:
    run(_factory, "registry")


if __name__ == "__main__":
    main()
