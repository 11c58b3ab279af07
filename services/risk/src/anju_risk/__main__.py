"""`python -m anju_risk` / `anju-risk`: serve HTTP and consume Kafka until stopped."""

from fastapi import FastAPI

from anju_kit.service import run
from anju_kit.settings import ServiceSettings
from anju_risk.bootstrap import create_app
from anju_risk.config import RiskSettings


def _factory(_: ServiceSettings) -> FastAPI:
    # RiskSettings reads the same ANJU_* environment plus the ANJU_RISK_* extras.
    return create_app(RiskSettings.load())


def main() -> None:
    run(_factory, "risk")


if __name__ == "__main__":
    main()
