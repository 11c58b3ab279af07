"""Why the domain refuses a command: a machine-readable reason, the rule, and the offending field (XC-07)."""

from __future__ import annotations

from anju_contracts import FailedCondition, ReasonCode, Refusal


class ClaimError(Refusal):
    """A command the claim cannot accept. Nothing was applied when this is raised."""


def rule_violation(rule_id: str, detail: str, *, field: str = "") -> ClaimError:
    return ClaimError(ReasonCode.RULE_VIOLATION, detail, rule_id=rule_id, field=field)


def wrong_state(detail: str, *, field: str = "") -> ClaimError:
    # A step out of order (e.g. a decision before the survey) is a rule violation of the process.
    return ClaimError("INVALID_STATE", detail, field=field)


def conflict(detail: str, *, field: str = "") -> ClaimError:
    return ClaimError(ReasonCode.CONFLICT, detail, field=field)


class Conditions:
    """The rules a command breaks, all of them: the refusal lists every one (XC-07), so a sender
    fixes everything in one round instead of meeting the next rule on its next try."""

    def __init__(self) -> None:
        self.failed: list[FailedCondition] = []

    def require(self, ok: bool, rule_id: str, code: str, message: str, *, field: str) -> None:
        if not ok:
            self.failed.append(FailedCondition(rule_id=rule_id, code=code, message=message, subject_id=field))

    def enforce(self) -> None:
        """Raise the refusal naming the first failed rule and its field, listing them all."""
        if self.failed:
            raise ClaimError.of(self.failed, field=self.failed[0].subject_id or "")
