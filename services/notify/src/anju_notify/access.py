"""Who may see and do what in the ledger (XC-05).

An actor acts for one party: an insurer for its insurer id, an agency for its agency id, a builder or a
contractor for its organisation, an owner for themself, the regulator for its region. A party reads its
own inbox and the obligations it owes or is owed; the regulator reads the whole region. Anyone else's
obligation answers 404 like a missing one.
"""

from __future__ import annotations

from anju_contracts import Actor, ReasonCode, Role
from anju_contracts.common import PartyRef
from anju_notify.domain.errors import NotifyError, not_found
from anju_notify.domain.obligation import Obligation


def party_of(actor: Actor) -> PartyRef | None:
    """The party ``actor`` acts for (None: no party, e.g. a practitioner)."""
    match actor.role:
        case Role.REGULATOR:
            return PartyRef(role=Role.REGULATOR, id=actor.region)
        case Role.INSURER if actor.insurer_id:
            return PartyRef(role=Role.INSURER, id=actor.insurer_id)
        case Role.AGENCY if actor.agency_id:
            return PartyRef(role=Role.AGENCY, id=actor.agency_id)
        case Role.BUILDER | Role.CONTRACTOR if actor.organisation_id:
            return PartyRef(role=actor.role, id=actor.organisation_id)
        case Role.OWNER:
            return PartyRef(role=Role.OWNER, id=actor.id)
    return None


def is_regulator(actor: Actor) -> bool:
    return actor.role is Role.REGULATOR


def check_read(actor: Actor, obligation: Obligation | None, obligation_id: str) -> Obligation:
    """The obligation if ``actor`` may see it (its debtor, its creditor, the regulator)."""
    if obligation is None:
        raise not_found("obligation", "obligation_id")
    if is_regulator(actor) and actor.region == obligation.region:
        return obligation
    party = party_of(actor)
    if party is None or party not in (obligation.debtor, obligation.creditor):
        raise not_found("obligation", "obligation_id")
    return obligation


def check_filer(actor: Actor, obligation: Obligation | None) -> Obligation:
    """A filing is made by the debtor (or a system acting for it)."""
    if obligation is None:
        raise not_found("obligation", "obligation_id")
    party = party_of(actor)
    if (
        actor.role is Role.SYSTEM
        and actor.insurer_id
        and obligation.debtor == PartyRef(role=Role.INSURER, id=actor.insurer_id)
    ):
        return obligation
    if party != obligation.debtor:
        raise not_found("obligation", "obligation_id")
    return obligation


def check_party(actor: Actor, party: PartyRef) -> None:
    """A party registers its own contacts; the regulator anyone's in its region."""
    if is_regulator(actor):
        return
    if party_of(actor) != party:
        raise NotifyError(
            ReasonCode.FORBIDDEN, "a party registers only its own contacts", rule_id="XC-05", field="party"
        )
