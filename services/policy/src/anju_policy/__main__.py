"""`python -m anju_policy` / `anju-policy`: serve HTTP and consume Kafka until stopped."""

from anju_kit.service import run
from anju_policy.bootstrap import create_app


def main() -> None:
    run(create_app, "policy")


if __name__ == "__main__":
    main()
