"""Personal data never travels in full on topics (XC-09): masked fields refuse unmasked values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from anju_contracts.policy import OwnerRef
from anju_contracts.registry import MaskedIdentity


def test_xc09_owner_id_number_on_policy_topics_must_be_masked() -> None:
    assert OwnerRef(owner_id="o-1", id_number_masked="310***********1234").id_number_masked
    with pytest.raises(ValidationError):
        OwnerRef(owner_id="o-1", id_number_masked="310101199001011234")


@pytest.mark.parametrize(
    ("id_number", "phone", "ok"),
    [
        ("110***********1234", "138****5678", True),
        ("110101199001011234", "138****5678", False),
        ("110***********1234", "13812345678", False),
    ],
)
def test_xc09_practitioner_identity_on_registry_topics_must_be_masked(id_number: str, phone: str, ok: bool) -> None:
    def build() -> MaskedIdentity:
        return MaskedIdentity(name="王**", id_number_masked=id_number, phone_masked=phone)

    if ok:
        build()
    else:
        with pytest.raises(ValidationError):
            build()
