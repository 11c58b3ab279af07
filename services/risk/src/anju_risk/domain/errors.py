"""Refusals of the risk domain: a reason code, the rule, the field; never a submitted value (XC-09)."""

from __future__ import annotations

from collections.abc import Sequence

from anju_contracts import FailedCondition, ReasonCode, Refusal
from anju_contracts import failed as failed  # re-exported: domain modules take it with the refusals

INVALID_STATE = "INVALID_STATE"


class RiskError(Refusal):
    """A command does not fit the project's risk file or the rules; nothing was applied."""


def refuse_if(failures: Sequence[FailedCondition], *, field: str = "") -> None:
    """Raise one refusal listing every failed condition (the sender fixes all of them in one round)."""
    RiskError.raise_if(failures, field=field)


def not_found() -> RiskError:
    """Also the answer for a project the actor may not see: "not yours" reads like "not there" (XC-05).
    The id is the caller's own, so it is not echoed (XC-09: a rejection names the field, not the value)."""
    return RiskError(ReasonCode.NOT_FOUND, "project not found", field="project_id")


def forbidden(detail: str) -> RiskError:
    return RiskError(ReasonCode.FORBIDDEN, detail)


def invalid_state(detail: str, *, rule_id: str | None = None, field: str = "") -> RiskError:
    return RiskError(INVALID_STATE, detail, rule_id=rule_id, field=field)
