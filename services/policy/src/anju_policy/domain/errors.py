"""Refusals of the policy domain: a reason code, the rule, the field; never a submitted value (XC-09)."""

from __future__ import annotations

from collections.abc import Sequence

from anju_contracts import FailedCondition, ReasonCode, Refusal
from anju_contracts import failed as failed  # re-exported: domain modules take it with the refusals

INVALID_STATE = "INVALID_STATE"


class PolicyError(Refusal):
    """A command does not fit the project's state or the region's rules; nothing was applied."""


def refuse_if(failures: Sequence[FailedCondition], *, field: str = "") -> None:
    """Raise one refusal listing every failed condition (the sender fixes all of them in one round)."""
    PolicyError.raise_if(failures, field=field)


def not_found(project_id: str) -> PolicyError:
    return PolicyError(ReasonCode.NOT_FOUND, f"project {project_id} not found", field="project_id")


def invalid_state(detail: str, *, rule_id: str | None = None, field: str = "") -> PolicyError:
    return PolicyError(INVALID_STATE, detail, rule_id=rule_id, field=field)
