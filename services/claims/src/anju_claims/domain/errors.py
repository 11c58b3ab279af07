"""Why the domain refuses a command: a machine-readable reason, the rule, and the offending field (XC-07)."""

from __future__ import annotations

from anju_contracts import ReasonCode, Refusal


class ClaimError(Refusal):
    """A command the claim cannot accept. Nothing was applied when this is raised."""


def rule_violation(rule_id: str, detail: str, *, field: str = "") -> ClaimError:
    return ClaimError(ReasonCode.RULE_VIOLATION, detail, rule_id=rule_id, field=field)


def wrong_state(detail: str, *, field: str = "") -> ClaimError:
    # A step out of order (e.g. a decision before the survey) is a rule violation of the process.
    return ClaimError("INVALID_STATE", detail, field=field)


def conflict(detail: str, *, field: str = "") -> ClaimError:
    return ClaimError(ReasonCode.CONFLICT, detail, field=field)
