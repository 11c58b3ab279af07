"""The read models each service's composition root registers, and the consumer groups they read with, for
the tests and tools that run the services as processes and position those groups before the services start
(the city seed, the end-to-end tests). Asked of each root, never listed by hand: a list kept in the seed
went stale when the registry began folding risk's SAF-07 standings, and the seed waited on a group nobody
read."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence

from anju_kit.settings import ServiceSettings, settings_for
from anju_kit.views import View, view_groups, views_topic


def built_views(service: str, region: str) -> tuple[View, ...]:
    """The read models ``service``'s composition root registers in ``region``."""
    bootstrap = importlib.import_module(f"anju_{service}.bootstrap")
    built = bootstrap.build(settings_for(service, region=region))[0]  # nothing connects until it starts
    return tuple(built.views.views)


def view_group_topics(
    settings: ServiceSettings, views: Sequence[View], generations: Mapping[str, int] | None = None
) -> dict[str, list[str]]:
    """The router and writer groups of ``settings.service``'s ``views`` (at these generations, default all
    first) with the topics each reads: the router its views' sources, the writer the service's views
    topic (as the service runs it as a process: the default topic)."""
    router, writer = view_groups(settings, views, generations)
    return {
        router: sorted({source for view in views for source in view.sources}),
        writer: [views_topic(settings.service)],
    }
