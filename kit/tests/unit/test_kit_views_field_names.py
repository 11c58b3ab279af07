"""Read models on the local store: a field name may hold neither '.' nor a leading '$' (FerretDB v1 refuses
the write, "invalid key"), and an Identifier may hold '.'. A fold that keys a map by an id writes the id
through ``field_name``; the in-memory views refuse what the store refuses, so a unit test catches it."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from pymongo.errors import WriteError

from anju_contracts import Envelope
from anju_contracts import registry as r
from anju_contracts.base import Event
from anju_kit.auth import service_actor
from anju_kit.memory import MemoryViews
from anju_kit.views import Docs, View, field_name

SOURCE = "anju.registry.events.v1"


def test_xc07_field_name_escapes_what_the_store_refuses_reversibly_and_keeps_plain_ids() -> None:
    assert field_name("prj-1") == "prj-1"  # documents written before keep their names
    assert field_name("anju.registry.events.v1:0") == "anju%2Eregistry%2Eevents%2Ev1:0"  # the heads' as before
    names = [field_name(text) for text in ("a.b", "a%2Eb", "$a", "a%b")]
    assert len(set(names)) == 4 and all("." not in n and not n.startswith("$") for n in names)


def by_agency(escape: bool) -> View:
    class Admitted(View):
        name = "test.admitted"
        sources = (SOURCE,)

        def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
            return ["all"] if isinstance(event, r.AgencyAdmitted) else []

        async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
            assert isinstance(event, r.AgencyAdmitted)
            doc = await docs.get(key) or {"agencies": {}}
            name = field_name(event.agency_id) if escape else event.agency_id
            docs.put(key, {**doc, "agencies": {**doc["agencies"], name: event.admitted_by}})

    return Admitted()


async def test_xc07_the_in_memory_views_refuse_a_field_name_the_store_refuses() -> None:
    event = r.AgencyAdmitted(agency_id="ag.sx.1", path=r.QualificationPath.OTHER, admitted_by="reg-1")
    envelope = Envelope.wrap(event, region="shanghai", producer="registry", actor=service_actor("registry", "shanghai"))
    with pytest.raises(WriteError):
        await MemoryViews([by_agency(escape=False)]).publish(SOURCE, envelope)
    views = MemoryViews([by_agency(escape=True)])
    await views.publish(SOURCE, envelope)
    doc = await views.store("test.admitted").get("all")
    assert doc is not None and doc["agencies"] == {"ag%2Esx%2E1": "reg-1"}
