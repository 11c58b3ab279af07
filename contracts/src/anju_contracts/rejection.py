"""Typed answers to commands that were refused (XC-07), and the one refusal every service raises.

A refusal names the reason, the rule and the fields, never a submitted value (XC-09): a phone number
typed into the wrong field must not come back in full on an insurer-facing topic. ``failures`` lists
*every* condition that failed, each with its rule, so a sender fixes everything in one round.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Self

from pydantic import Field

from anju_contracts.base import ContractModel, Event, ScreenedText

# Re-exported: shared by every service now (anju_contracts.common); integrators import them from here.
from anju_contracts.common import FailedCondition as FailedCondition
from anju_contracts.common import RuleId as RuleId


class ReasonCode(StrEnum):
    """Machine-readable reasons shared by every service; services may add their own codes as strings."""

    MALFORMED_MESSAGE = "MALFORMED_MESSAGE"  # not JSON, too deep, too large, or no valid envelope
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"  # over the deployment's message size limit, refused unread
    UNAUTHENTICATED = "UNAUTHENTICATED"  # no actor token, or one that does not verify or does not match
    UNKNOWN_TYPE = "UNKNOWN_TYPE"  # envelope ok, type not handled by this topic
    UNSUPPORTED_SCHEMA_VERSION = "UNSUPPORTED_SCHEMA_VERSION"
    VALIDATION_FAILED = "VALIDATION_FAILED"  # payload does not match the type's schema
    WRONG_REGION = "WRONG_REGION"  # message for another deployment's region
    FORBIDDEN = "FORBIDDEN"  # actor may not do this (XC-05)
    NOT_FOUND = "NOT_FOUND"  # not there, or not yours: the same answer for both (no existence leak)
    CONFLICT = "CONFLICT"  # concurrent update or duplicate with different content
    RULE_VIOLATION = "RULE_VIOLATION"  # a SPEC rule refuses it; see rule_id and failures


class FieldProblem(ContractModel):
    field: str = Field(description="Dotted path of the offending field, '' for the whole message.")
    # Names the rule the field breaks, never the submitted value (XC-09); screened all the same.
    message: ScreenedText = Field(max_length=500, description="What is wrong, naming the rule.")


class RecordRef(ContractModel):
    """Where a Kafka record sits, so a sender can tie an answer to a record that had no readable envelope."""

    topic: str = Field(max_length=249)
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)


class Rejected(Event):
    """A command was refused. Published on the service's rejections topic, keyed like the command."""

    TYPE = "common.Rejected"
    KIND = "rejection"  # travels on every service's rejections topic, hence no single TOPIC

    command_event_id: str | None = Field(default=None, description="event_id of the refused message, when it had one.")
    command_type: str | None = None
    reason_code: str = Field(description="A ReasonCode value or a service-specific code.")
    rule_id: str | None = Field(default=None, description="SPEC rule that refused it (the first of `failures`).")
    problems: tuple[FieldProblem, ...] = ()
    detail: ScreenedText = Field(default="", max_length=2000)
    failures: tuple[FailedCondition, ...] = Field(
        default=(), description="Every condition that failed, each with its rule (empty for transport refusals)."
    )
    record: RecordRef | None = Field(
        default=None, description="The refused Kafka record's topic, partition and offset (always set on Kafka)."
    )


def failed(rule_id: str, code: str, message: str, subject_id: str | None = None) -> FailedCondition:
    """One unmet condition of a rule (``code`` says which; ``subject_id`` what it is about)."""
    return FailedCondition(rule_id=rule_id, code=code, message=message, subject_id=subject_id)


class Refusal(Exception):
    """Raised by domain code and use cases when a command is refused; nothing was applied.

    Carries what a :class:`Rejected` answer (Kafka) or a 4xx problem (HTTP) says: a reason code, the
    first rule, the offending field, a message with no submitted value, and every failed condition.
    """

    def __init__(
        self,
        reason_code: str,
        detail: str,
        *,
        rule_id: str | None = None,
        field: str = "",
        failures: Sequence[FailedCondition] = (),
        problems: Sequence[FieldProblem] = (),
    ) -> None:
        super().__init__(detail)
        self._problems = tuple(problems)
        self.reason_code = str(reason_code)
        self.detail = detail
        self.failures = tuple(failures)
        self.rule_id = rule_id or (self.failures[0].rule_id if self.failures else None)
        self.field = field

    @classmethod
    def of(cls, failures: Sequence[FailedCondition], *, field: str = "") -> Self:
        """The refusal of a command that broke every rule in ``failures`` (at least one): the answer names
        the first rule, and lists them all, so the sender fixes everything in one round."""
        if not failures:
            raise ValueError("a refusal needs at least one failed condition")
        rules = sorted({f.rule_id for f in failures})
        detail = f"refused: {len(failures)} condition(s) not met ({', '.join(rules)})"
        return cls(ReasonCode.RULE_VIOLATION, detail, field=field, failures=failures)

    @classmethod
    def raise_if(cls, failures: Sequence[FailedCondition], *, field: str = "") -> None:
        """Raise :meth:`of` ``failures`` when there are any (a domain check lists them all first)."""
        if failures:
            raise cls.of(failures, field=field)

    @property
    def problems(self) -> tuple[FieldProblem, ...]:
        """The problems given, else one per failed condition (rule id and code first), else the field."""
        if self._problems:
            return self._problems
        if self.failures:
            return tuple(
                FieldProblem(field=f.subject_id or self.field, message=f"{f.rule_id} {f.code}: {f.message}"[:500])
                for f in self.failures
            )
        return (FieldProblem(field=self.field, message=self.detail[:500]),) if self.field else ()

    def answer(self, *, command_event_id: str | None, command_type: str | None) -> Rejected:
        return Rejected(
            command_event_id=command_event_id,
            command_type=command_type,
            reason_code=self.reason_code,
            rule_id=self.rule_id,
            problems=self.problems,
            detail=self.detail[:2000],
            failures=self.failures,
        )
