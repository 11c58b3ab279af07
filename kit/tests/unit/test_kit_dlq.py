"""XC-07: what a dead letter gives back to a replay — the sender's record, not the DLQ's own headers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from anju_kit import kafka as k
from anju_kit.dlq import DeadLetter, main


@dataclass
class _Dead:
    headers: list[tuple[str, bytes]]
    key: bytes | None = b"claim-1"
    value: bytes = b'{"x": 1}'
    partition: int = 0
    offset: int = 4
    timestamp: int = 1767225900000  # when it was dead-lettered


def _own(**more: bytes) -> list[tuple[str, bytes]]:
    return [
        (k.ORIGIN_TOPIC, b"anju.claims.commands.v1"),
        (k.ORIGIN_PARTITION, b"2"),
        (k.ORIGIN_OFFSET, b"17"),
        (k.ERROR_TYPE, b"MALFORMED_MESSAGE"),
        (k.ERROR, b"not a valid envelope"),
        *more.items(),
    ]


def test_xc07_replay_gets_the_named_sender_headers_in_order_and_its_content_type_back() -> None:
    headers = [
        *_own(),
        ("correlation_id", b"added-by-the-dlq-producer"),
        ("content-type", b""),  # the DLQ producer's
        (k.ORIGIN_CONTENT_TYPE, b"application/json"),
        ("anju_actor_token", b"tok"),
        ("ce_id", b"e-1"),
        (k.ORIGIN_HEADERS, b'["ce_id", "content-type", "anju_actor_token"]'),
        (k.ORIGIN_TIMESTAMP, b"1767225600000"),
    ]
    letter = DeadLetter.of(_Dead(headers))
    assert letter.headers == (("ce_id", b"e-1"), ("content-type", b"application/json"), ("anju_actor_token", b"tok"))
    assert letter.timestamp_ms == 1767225600000
    assert letter.origin_topic == "anju.claims.commands.v1" and letter.origin == "2@17"
    assert letter.error == "MALFORMED_MESSAGE: not a valid envelope"
    assert not letter.value_dropped


def test_xc07_an_older_dead_letter_gives_back_every_header_not_its_own() -> None:
    # Written before the names and the time were kept: no content-type claimed; the nearest time known is
    # when it was dead-lettered.
    headers = [*_own(), ("ce_id", b"e-1"), ("content-type", b""), ("anju_actor_token", b"tok")]
    letter = DeadLetter.of(_Dead(headers))
    assert letter.headers == (("ce_id", b"e-1"), ("anju_actor_token", b"tok"))
    assert letter.timestamp_ms == 1767225900000


def test_xc07_a_dropped_value_is_marked() -> None:
    letter = DeadLetter.of(_Dead([*_own(**{k.VALUE_DROPPED: b"MessageSizeTooLargeError"})], key=None, value=b""))
    assert letter.value_dropped and letter.key is None


@pytest.mark.parametrize("window", [["--from-offset", "-1"], ["--from-offset", "5", "--to-offset", "4"]])
def test_xc07_cli_refuses_an_empty_or_negative_window(window: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["list", "anju.claims.commands.v1.dlq", *window])
    assert exit_.value.code == 2
