"""What the kit retries as an outage and what it dead-letters (issue #8 defect 9, XC-07)."""

from __future__ import annotations

from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
    RecordTooLargeError,
)
from pymongo.errors import ServerSelectionTimeoutError

from anju_kit.kafka import is_outage


def test_defect9_a_permanent_kafka_error_is_not_an_outage() -> None:
    """A message too large never becomes publishable by waiting: it goes to the DLQ instead of a retry loop."""
    assert not is_outage(MessageSizeTooLargeError())
    assert not is_outage(RecordTooLargeError())


def test_outages_are_retried_from_the_same_offset() -> None:
    for error in (KafkaConnectionError(), KafkaTimeoutError(), NotLeaderForPartitionError(), ConnectionError()):
        assert is_outage(error)
    assert is_outage(ServerSelectionTimeoutError("no FerretDB"))
    assert not is_outage(ValueError("a bug or a bad message"))
