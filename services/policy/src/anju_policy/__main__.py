"""`python -m anju_policy` / `anju-policy`: serve HTTP and consume Kafka until stopped."""

from fastapi import FastAPI

from anju_kit.service import run
from anju_kit.settings import ServiceSettings
from anju_policy.bootstrap import create_app
from anju_policy.config import PolicySettings


def _factory(_: ServiceSettings) -> FastAPI:
    # PolicySettings reads the same ANJU_* environment plus the ANJU_POLICY_* extras.
    return create_app(PolicySettings.load())


def main() -> None:
    run(_factory, "policy")


if __name__ == "__main__":
    main()
