"""The topic catalog: every topic a service reads or writes, named once.

Naming: ``anju.<service>.<kind>.v<major>``; dead letters go to ``<topic>.dlq``. Events are keyed by
aggregate id so one aggregate's events stay in order.
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICES = ("registry", "policy", "risk", "claims", "notify")


@dataclass(frozen=True)
class ServiceTopics:
    service: str

    @property
    def events(self) -> str:
        return f"anju.{self.service}.events.v1"

    @property
    def commands(self) -> str:
        return f"anju.{self.service}.commands.v1"

    @property
    def rejections(self) -> str:
        return f"anju.{self.service}.rejections.v1"

    def all(self) -> tuple[str, ...]:
        return (self.events, self.commands, self.rejections)


REGISTRY = ServiceTopics("registry")
POLICY = ServiceTopics("policy")
RISK = ServiceTopics("risk")
CLAIMS = ServiceTopics("claims")
NOTIFY = ServiceTopics("notify")

BY_SERVICE = {t.service: t for t in (REGISTRY, POLICY, RISK, CLAIMS, NOTIFY)}

# Outbound to systems outside the platform: the regulator filings notify receives (监管平台 uploads,
# XC-02), for a city's external supervision system. Produced by notify only; keyed by obligation id.
SUPERVISION_FILINGS = "anju.supervision.events.v1"
OUTBOUND = (SUPERVISION_FILINGS,)


def dlq(topic: str) -> str:
    """Dead-letter topic for ``topic``."""
    return f"{topic}.dlq"


def all_topics() -> tuple[str, ...]:
    """Every topic of the catalog, with its dead-letter topic (what infra creates up front)."""
    names: list[str] = []
    for service_topics in BY_SERVICE.values():
        for name in service_topics.all():
            names += [name, dlq(name)]
    for name in OUTBOUND:
        names += [name, dlq(name)]
    return tuple(names)
