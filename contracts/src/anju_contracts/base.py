"""Base classes every Anju message type derives from.

A message type is a frozen Pydantic model that names itself (``TYPE``) and its schema version
(``SCHEMA_VERSION``). Within a major version only optional fields may be added; anything else is a
new type (``...v2``). Unknown fields are refused so a typo in an insurer's system is caught at the
door rather than silently ignored (XC-07).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, StringConstraints

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]
"""An opaque id (claim id, unit id, agency id…): ASCII letters, digits and ``. _ : -``."""

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]

# Personal data on topics is masked (XC-09): the patterns refuse a value sent in full by mistake.
MaskedIdNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{0,6}\*{6,}[0-9Xx]{0,4}$", max_length=32)]
"""A resident ID number with at least six digits hidden, e.g. 310***********1234."""
MaskedPhone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{0,4}\*{4,}[0-9]{0,4}$", max_length=20)]
"""A phone number with at least four digits hidden, e.g. 138****5678."""


class ContractModel(BaseModel):
    """Value objects carried inside messages: strict about unknown fields, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Message(ContractModel):
    """A payload that travels in an :class:`~anju_contracts.envelope.Envelope`."""

    TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1
    KIND: ClassVar[str] = "event"  # "event" | "command" | "rejection"
    TOPIC: ClassVar[str | None] = None  # the catalog topic it travels on (anju_contracts.topics)

    @classmethod
    def type_name(cls) -> str:
        return cls.TYPE


class Event(Message):
    """Something that happened; published by the service that owns the aggregate."""

    KIND: ClassVar[str] = "event"


class Command(Message):
    """A request to change state; may be refused with a :class:`~anju_contracts.rejection.Rejected`."""

    KIND: ClassVar[str] = "command"
