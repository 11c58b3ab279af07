"""Every service has the same composition root, ``build(settings, *, clock=None) -> (ServiceApp, handlers)``,
and every Kafka consumer group it subscribes with ends with ``ANJU_KAFKA_GROUP_SUFFIX``: a side-by-side
deployment or a test run gets offsets of its own, instead of joining a regular group and taking some of its
partitions' messages away from it (XC-07: never lost). Nothing connects: building a service opens no
connection until it starts."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import pytest
from faststream.kafka.subscriber.usecase import LogicSubscriber

from anju_contracts.topics import SERVICES
from anju_kit.clock import FrozenClock
from anju_kit.service import ServiceApp
from anju_kit.settings import settings_for

SUFFIX = "-side-by-side-7"


def groups_of(service: ServiceApp) -> list[str]:
    """The groups of the broker's subscribers, and of the read models' router and writer (they subscribe
    when the service starts, so their names are asked of the views themselves)."""
    groups = [s.group_id or "" for s in service.broker.subscribers if isinstance(s, LogicSubscriber)]
    try:
        views = service.views
    except RuntimeError:  # a service without read models
        return groups
    return [*groups, views.router_group(), views.writer_group]


@pytest.mark.parametrize("name", SERVICES)
async def test_every_service_builds_alike_and_every_consumer_group_ends_with_the_suffix(name: str) -> None:
    bootstrap = importlib.import_module(f"anju_{name}.bootstrap")
    clock = FrozenClock(datetime(2026, 9, 1, tzinfo=UTC))
    service, handlers = bootstrap.build(settings_for(name, kafka_group_suffix=SUFFIX), clock=clock)
    try:
        assert isinstance(service, ServiceApp) and service.settings.service == name
        if handlers is not None:
            assert handlers.clock is clock  # the root hands its clock to the use cases
        groups = groups_of(service)
        assert groups, f"{name} subscribes to nothing"
        assert all(group.endswith(SUFFIX) for group in groups), groups
        assert len(set(groups)) == len(groups), f"{name} shares a group between two subscriptions: {groups}"
    finally:
        await service.mongo.close()


@pytest.mark.parametrize("name", SERVICES)
async def test_without_a_suffix_the_groups_keep_their_names(name: str) -> None:
    bootstrap = importlib.import_module(f"anju_{name}.bootstrap")
    service, _ = bootstrap.build(settings_for(name))
    try:
        assert f"anju-{name}" in groups_of(service)  # the regular group: offsets already committed under it
    finally:
        await service.mongo.close()
