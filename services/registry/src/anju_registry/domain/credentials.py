"""Does a practitioner hold a credential the region asks for (REG-02, REG-03)?"""

from __future__ import annotations

from anju_contracts.registry import TechnicalTitle
from anju_kit.regions import LeadCredential
from anju_registry.domain.ranks import title_rank

CREDENTIAL_NAMES_ZH: dict[LeadCredential, str] = {
    LeadCredential.REGISTERED_PRACTISING_LICENCE: "注册执业资格",
    LeadCredential.SENIOR_ENGINEER: "高级工程师及以上职称",
    LeadCredential.ENGINEER: "工程师及以上职称",
}


def holds(credential: LeadCredential, *, title: TechnicalTitle, registered_licence: bool) -> bool:
    if credential is LeadCredential.REGISTERED_PRACTISING_LICENCE:
        return registered_licence
    senior = credential is LeadCredential.SENIOR_ENGINEER
    minimum = TechnicalTitle.SENIOR_ENGINEER if senior else TechnicalTitle.ENGINEER
    return title_rank(title) >= title_rank(minimum)
