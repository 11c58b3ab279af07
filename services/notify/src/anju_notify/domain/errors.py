"""Refusals of the notify domain: a reason code, the rule, the field; never a submitted value (XC-09)."""

from __future__ import annotations

from anju_contracts import ReasonCode, Refusal

INVALID_STATE = "INVALID_STATE"


class NotifyError(Refusal):
    """A command does not fit the obligation's state or the region's rules; nothing was applied."""


def not_found(what: str, field: str) -> NotifyError:
    # "not there" and "not yours" get the same answer (XC-05: no existence leak)
    return NotifyError(ReasonCode.NOT_FOUND, f"{what} not found", field=field)


def invalid_state(detail: str, *, rule_id: str | None = None, field: str = "") -> NotifyError:
    return NotifyError(INVALID_STATE, detail, rule_id=rule_id, field=field)
