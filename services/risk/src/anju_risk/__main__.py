"""`python -m anju_risk` / `anju-risk`: serve HTTP and consume Kafka until stopped."""

from anju_kit.service import run
from anju_risk.bootstrap import create_app


def main() -> None:
    run(create_app, "risk")


if __name__ == "__main__":
    main()
