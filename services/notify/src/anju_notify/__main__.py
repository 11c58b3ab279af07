"""`python -m anju_notify` / `anju-notify`: serve HTTP and consume Kafka until stopped."""

from anju_kit.service import run
from anju_notify.bootstrap import create_app


def main() -> None:
    run(create_app, "notify")


if __name__ == "__main__":
    main()
