"""structlog JSON logging; each handled message binds its event and correlation ids."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

from anju_contracts import Envelope


def configure_logging(service: str, level: str = "INFO", *, region: str = "") -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stdout, level=level.upper(), force=True)
    # Library chatter (aiokafka reconnects, pymongo heartbeats) only at WARNING and above.
    for noisy in ("aiokafka", "pymongo", "faststream", "uvicorn.access", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service, region=region)


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)


@contextmanager
def message_context(envelope: Envelope | None = None, **extra: Any) -> Iterator[None]:
    """Bind the message's ids to every log line written while handling it."""
    values: dict[str, Any] = dict(extra)
    if envelope is not None:
        values |= {
            "event_id": str(envelope.event_id),
            "correlation_id": str(envelope.correlation_id),
            "message_type": envelope.type,
        }
    with structlog.contextvars.bound_contextvars(**values):
        yield
