"""Typed answers to commands that were refused (XC-07)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from anju_contracts.base import ContractModel, Event, ScreenedText


class ReasonCode(StrEnum):
    """Machine-readable reasons shared by every service; services may add their own codes as strings."""

    MALFORMED_MESSAGE = "MALFORMED_MESSAGE"  # not JSON, or no valid envelope
    UNKNOWN_TYPE = "UNKNOWN_TYPE"  # envelope ok, type not handled by this topic
    UNSUPPORTED_SCHEMA_VERSION = "UNSUPPORTED_SCHEMA_VERSION"
    VALIDATION_FAILED = "VALIDATION_FAILED"  # payload does not match the type's schema
    WRONG_REGION = "WRONG_REGION"  # message for another deployment's region
    FORBIDDEN = "FORBIDDEN"  # actor may not do this (XC-05)
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"  # concurrent update or duplicate with different content
    RULE_VIOLATION = "RULE_VIOLATION"  # a SPEC rule refuses it; see rule_id


class FieldProblem(ContractModel):
    field: str = Field(description="Dotted path of the offending field, '' for the whole message.")
    # Names the rule the field breaks, never the submitted value (XC-09); screened all the same.
    message: ScreenedText = Field(max_length=500)


class Rejected(Event):
    """A command was refused. Published on the service's rejections topic, keyed like the command."""

    TYPE = "common.Rejected"
    KIND = "rejection"  # travels on every service's rejections topic, hence no single TOPIC

    command_event_id: str | None = Field(default=None, description="event_id of the refused message, when it had one.")
    command_type: str | None = None
    reason_code: str = Field(description="A ReasonCode value or a service-specific code.")
    rule_id: str | None = Field(default=None, description="SPEC rule that refused it, e.g. CLM-01.")
    problems: tuple[FieldProblem, ...] = ()
    detail: ScreenedText = Field(default="", max_length=2000)
