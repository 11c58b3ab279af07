"""The shared shapes of anju_contracts.common, still importable where integrators first found them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from anju_contracts import FailedCondition, catalog, claims, common, registry, rejection, schemagen, topics


def test_moved_shapes_keep_their_old_import_paths() -> None:
    assert claims.EvidenceRef is common.EvidenceRef
    assert claims.DeadlineInfo is common.DeadlineInfo
    assert claims.Sha256Hex is common.Sha256Hex
    assert rejection.FailedCondition is registry.FailedCondition is FailedCondition is common.FailedCondition
    assert rejection.RuleId is registry.RuleId is common.RuleId


def test_xc07_moved_shapes_keep_their_schema_definition_names() -> None:
    decided = schemagen.message_schema(claims.ClaimDecided)["$defs"]
    assert {"EvidenceRef", "DeadlineInfo"} <= decided.keys()
    refused = schemagen.message_schema(registry.AgencyRefused)["$defs"]
    assert "FailedCondition" in refused


def test_xc02_obligation_events_are_defined_once_and_published_per_owning_service() -> None:
    types = catalog.message_types()
    assert common.ObligationOpened not in types.values() and common.ObligationFulfilled not in types.values()
    assert types["claims.ObligationOpened"] is claims.ObligationOpened
    assert issubclass(claims.ObligationOpened, common.ObligationOpened)
    assert issubclass(claims.ObligationFulfilled, common.ObligationFulfilled)
    assert claims.ObligationOpened.model_fields.keys() == common.ObligationOpened.model_fields.keys()
    claims_events = catalog.types_for_topic(topics.CLAIMS.events)
    assert {claims.ObligationOpened, claims.ObligationFulfilled} <= set(claims_events)
    assert schemagen.topics_of(claims.ObligationOpened) == (topics.CLAIMS.events,)


def test_xc02_an_obligation_id_is_a_safe_identifier_up_to_256() -> None:
    base = {
        "obligation": "perform_compensation",
        "debtor": {"role": "insurer", "id": "ins-1"},
        "subject": {"kind": "claim", "id": "clm-1"},
        "rule_id": "CLM-03",
        "outcome": "met",
        "fulfilled_at": "2026-09-20T16:00:00+08:00",
    }
    claims.ObligationFulfilled.model_validate(
        base | {"obligation_id": "claim." + "c" * 128 + ".perform_compensation.1"}
    )
    for bad in ("claim/clm-1", "claim..1", "x" * 257, "claim.clm-1@2"):
        with pytest.raises(ValidationError):
            claims.ObligationFulfilled.model_validate(base | {"obligation_id": bad})
