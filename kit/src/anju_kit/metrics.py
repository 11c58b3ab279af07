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
