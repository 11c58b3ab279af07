"""A notify view's writer never crashes on a change it does not fold (XC-07: never a stall): during a
rolling upgrade a newer router may route an event type an older writer's view does not know."""

from __future__ import annotations

from typing import Any, cast

import pytest

from anju_contracts import Actor, Envelope, Role
from anju_contracts import notify as n
from anju_contracts.common import PartyRef
from anju_kit.views import Docs, View
from anju_notify.read_models import VIEWS


class _Collection:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    async def find_one(self, query: dict[str, Any]) -> dict[str, Any] | None:
        return self.docs.get(query["_id"])

    async def replace_one(self, query: dict[str, Any], doc: dict[str, Any], upsert: bool = False) -> None:
        self.docs[query["_id"]] = doc

    async def delete_one(self, query: dict[str, Any]) -> None:
        self.docs.pop(query["_id"], None)


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.name)
async def test_xc07_a_view_ignores_a_change_it_does_not_fold(view: View) -> None:
    party = PartyRef(role=Role.INSURER, id="ins-a")
    stranger = n.ContactRegistered(party=party, audience=n.ContactAudience.STAFF, email="ab***@example.com")
    actor = Actor(id="anju-notify", role=Role.SYSTEM, region="shanghai")
    envelope = Envelope.wrap(stranger, region="shanghai", producer="notify", actor=actor, key="k")
    collection = _Collection()
    docs = Docs(cast(Any, collection))
    await view.fold(docs, "shanghai|insurer:ins-a", envelope, stranger)
    assert await docs.write() == 0 and collection.docs == {}
