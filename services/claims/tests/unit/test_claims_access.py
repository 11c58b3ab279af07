"""Who may report and what a stranger learns (XC-05): "not yours" answers like "not there"."""

from __future__ import annotations

import pytest
from claims_factories import OWNER, UNIT, coverage, report_cmd, reported

from anju_claims import access
from anju_claims.domain.errors import ClaimError
from anju_contracts import Actor, ReasonCode, Role

INSURER = Actor(id="desk-1", role=Role.INSURER, region="shanghai", insurer_id="ins-1")
OTHER_INSURER = Actor(id="desk-9", role=Role.INSURER, region="shanghai", insurer_id="ins-9")
OTHER_CORE = Actor(id="core-9", role=Role.SYSTEM, region="shanghai", insurer_id="ins-9")


def _refusal(actor: Actor, cov: object) -> ClaimError:
    with pytest.raises(ClaimError) as refused:
        access.check_report(actor, report_cmd(), cov)  # type: ignore[arg-type]
    return refused.value


@pytest.mark.parametrize("stranger", [OTHER_INSURER, OTHER_CORE])
def test_xc05_report_for_another_insurers_unit_answers_like_an_uninsured_unit(stranger: Actor) -> None:
    theirs, nobodys = _refusal(stranger, coverage()), _refusal(stranger, None)
    assert theirs.reason_code == ReasonCode.NOT_FOUND
    assert (theirs.reason_code, theirs.detail, theirs.field, theirs.rule_id) == (
        nobodys.reason_code,
        nobodys.detail,
        nobodys.field,
        nobodys.rule_id,
    )


def test_xc05_insurer_still_reports_for_its_own_policy() -> None:
    access.check_report(INSURER, report_cmd(), coverage())


def test_xc05_taken_claim_id_tells_a_stranger_only_what_a_missing_claim_tells() -> None:
    someone_elses = reported()
    stranger = Actor(id="o-x", role=Role.OWNER, region="shanghai", unit_ids=("unit-x",))
    answer, missing = access.taken_claim_id(stranger, someone_elses), access.not_found(someone_elses.claim_id)
    assert (answer.reason_code, answer.detail, answer.field) == (missing.reason_code, missing.detail, missing.field)
    owner = Actor(id=OWNER, role=Role.OWNER, region="shanghai", unit_ids=(UNIT,))
    assert access.taken_claim_id(owner, someone_elses).reason_code == ReasonCode.CONFLICT  # it is theirs
