"""`python -m anju_claims` / `anju-claims`: serve HTTP and consume Kafka until stopped."""

from fastapi import FastAPI

from anju_claims.bootstrap import create_app
from anju_claims.config import ClaimsSettings
from anju_kit.service import run
from anju_kit.settings import ServiceSettings


def _factory(_: ServiceSettings) -> FastAPI:
    # ClaimsSettings reads the same ANJU_* environment plus the ANJU_CLAIMS_* extras.
    return create_app(ClaimsSettings.load())


def main() -> None:
    run(_factory, "claims")


if __name__ == "__main__":
    main()
