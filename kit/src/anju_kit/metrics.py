"""Prometheus metrics shared by every service (served on /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HANDLED = Counter("anju_messages_handled_total", "Messages handled, by topic and outcome", ["topic", "outcome"])
HANDLER_SECONDS = Histogram("anju_handler_seconds", "Handler duration", ["topic"])
DEAD_LETTERED = Counter("anju_dead_lettered_total", "Messages sent to a dead-letter topic", ["topic"])
REJECTED = Counter("anju_rejections_total", "Commands refused, by reason code", ["reason_code"])
OUTBOX_PUBLISHED = Counter("anju_outbox_published_total", "Events published by the outbox relay", ["path"])
OUTBOX_PENDING = Gauge(
    "anju_outbox_pending_entries", "Log entries older than the grace period still unpublished at the last sweep"
)

# Consumer progress, per assigned partition (kit.consumer_health.ConsumerWatch). Labels are
# removed when a partition leaves this instance's assignment, so a rebalance leaves no stale alarm.
_PARTITION = ["group", "topic", "partition"]
CONSUMER_LAG = Gauge(
    "anju_kafka_consumer_lag", "Records waiting: log end offset minus the group's committed offset", _PARTITION
)
CONSUMER_STALLED = Gauge(
    "anju_kafka_consumer_stalled",
    "1 when records wait and the committed offset has not moved for longer than the stall threshold",
    _PARTITION,
)
CONSUMER_SECONDS_SINCE_PROGRESS = Gauge(
    "anju_kafka_consumer_seconds_since_progress",
    "Seconds since the committed offset last moved or the partition was last caught up",
    _PARTITION,
)
CONSUMER_WATCH_UP = Gauge(
    "anju_kafka_consumer_watch_up", "1 when the last consumer-offset check could read the offsets, else 0"
)
