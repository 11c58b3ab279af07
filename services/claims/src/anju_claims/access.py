"""Who may see and change which claim (XC-05). Pure: decides from the actor and the claim alone.

* owner — only claims on the units the token lists, and only their own reports;
* insurer (or an insurer's core system) — only claims on its own policies;
* regulator — every claim of the region (the token's region is checked at the door);
* another Anju service (system without insurer) — reads everything, changes nothing but what
  the platform itself does.
A claim an actor may not see is answered exactly like a claim that does not exist (no leak).
"""

from __future__ import annotations

from anju_claims.domain.claim import Claim
from anju_claims.domain.coverage import PolicyCoverage
from anju_claims.domain.errors import ClaimError
from anju_contracts import Actor, ReasonCode, Role
from anju_contracts import claims as c
from anju_contracts.base import Command

# Commands an owner may send about their own claim; everything else is the insurer's.
OWNER_COMMANDS: frozenset[type[Command]] = frozenset(
    {c.OpenDispute, c.WithdrawClaim, c.RequestEvidenceUpload, c.AttachEvidence}
)
BUILDER_COMMANDS: frozenset[type[Command]] = frozenset({c.OpenDispute})


def _acts_for_insurer(actor: Actor, insurer_id: str | None) -> bool:
    return actor.role in (Role.INSURER, Role.SYSTEM) and actor.insurer_id is not None and actor.insurer_id == insurer_id


def can_read(actor: Actor, claim: Claim) -> bool:
    if actor.role is Role.REGULATOR:
        return True
    if actor.role is Role.OWNER:
        return claim.unit_id in actor.unit_ids
    if actor.role is Role.SYSTEM and actor.insurer_id is None:
        return True
    return _acts_for_insurer(actor, claim.insurer_id)


def not_found(claim_id: str) -> ClaimError:
    return ClaimError(ReasonCode.NOT_FOUND, f"claim {claim_id} not found", field="claim_id")


def check_command(actor: Actor, claim: Claim, command: Command) -> None:
    """Raise NOT_FOUND when the actor may not even see the claim, FORBIDDEN when it may see but not act."""
    if not can_read(actor, claim):
        raise not_found(claim.claim_id)
    kind = type(command)
    if _acts_for_insurer(actor, claim.insurer_id):
        return
    if actor.role is Role.OWNER and kind in OWNER_COMMANDS and actor.id == claim.owner_id:
        return
    if actor.role is Role.BUILDER and kind in BUILDER_COMMANDS:
        return
    raise ClaimError(ReasonCode.FORBIDDEN, f"{actor.role.value} may not send {command.TYPE} for this claim")


def unit_not_covered_for_you() -> ClaimError:
    """The one answer to an insurer reporting for a unit none of its policies covers.

    Whether another insurer covers the unit or nobody does must not show (XC-05), so both get this,
    before anything is stored: a stored refused claim for the uninsured case would answer differently
    (201) and would also put a stranger's report into a household file it has no business in.
    """
    return ClaimError(ReasonCode.NOT_FOUND, "no policy of yours covers this unit", field="unit_id")


def check_report(actor: Actor, cmd: c.ReportClaim, coverage: PolicyCoverage | None) -> None:
    """Owners report for themselves on their units; an insurer (24-hour line) for its policies."""
    if actor.role is Role.OWNER:
        if cmd.unit_id not in actor.unit_ids or cmd.owner_id != actor.id:
            raise ClaimError(ReasonCode.FORBIDDEN, "an owner reports only for their own unit", field="unit_id")
        return
    if actor.role in (Role.INSURER, Role.SYSTEM) and actor.insurer_id is not None:
        if coverage is None or not _acts_for_insurer(actor, coverage.insurer_id):
            raise unit_not_covered_for_you()
        return
    # Decided by the actor's role alone, so it tells nothing about the unit.
    raise ClaimError(ReasonCode.FORBIDDEN, f"{actor.role.value} may not report claims", field="unit_id")


def taken_claim_id(actor: Actor, existing: Claim) -> ClaimError:
    """The answer to a report whose claim id is already used by a different report.

    Whoever may read the existing claim learns nothing new from a CONFLICT. Anyone else gets the one
    answer every command about a claim that is not theirs gets (NOT_FOUND), whatever the content they
    sent: a different answer for "same content" and "different content" would let a stranger probe
    what someone else reported. (That the id string itself is unusable cannot be hidden from a
    client that chooses its ids; nothing else is told.)
    """
    if can_read(actor, existing):
        return ClaimError(ReasonCode.CONFLICT, "this claim id is already used for another report", field="claim_id")
    return not_found(existing.claim_id)


def can_read_unit_coverage(actor: Actor, coverage: PolicyCoverage, unit_id: str) -> bool:
    """A unit's policy and coverage (XC-03): its owners, the policy's insurer, the regulator; nobody else,
    who is answered exactly as for a unit with no policy (XC-05)."""
    if actor.role is Role.REGULATOR or (actor.role is Role.SYSTEM and actor.insurer_id is None):
        return True
    if actor.role is Role.OWNER:
        return unit_id in actor.unit_ids and coverage.is_owner(unit_id, actor.id)
    return _acts_for_insurer(actor, coverage.insurer_id)
