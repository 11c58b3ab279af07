"""Errors the domain raises when a command cannot apply to the current state."""

from __future__ import annotations

from collections.abc import Sequence

from anju_contracts import FailedCondition, Refusal
from anju_contracts import failed as failed  # re-exported: domain modules take it with the refusals


class RegistryError(Refusal):
    """A command does not fit the aggregate's state (wrong status, unknown id…); nothing was applied."""

    def __init__(
        self,
        reason_code: str,
        detail: str,
        rule_id: str | None = None,
        failures: Sequence[FailedCondition] = (),
        *,
        field: str = "",
    ) -> None:
        super().__init__(reason_code, detail, rule_id=rule_id, failures=failures, field=field)


class NotFound(RegistryError):
    def __init__(self, what: str, ident: str) -> None:
        super().__init__("NOT_FOUND", f"{what} {ident} is not known")


class InvalidState(RegistryError):
    def __init__(self, detail: str, rule_id: str | None = None) -> None:
        super().__init__("CONFLICT", detail, rule_id)


class Forbidden(RegistryError):
    def __init__(self, detail: str) -> None:
        super().__init__("FORBIDDEN", detail)
