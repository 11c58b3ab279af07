"""The shared shapes of anju_contracts.common, still importable where integrators first found them."""

from __future__ import annotations

from anju_contracts import FailedCondition, claims, common, registry, rejection, schemagen


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
