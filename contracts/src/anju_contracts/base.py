"""Base classes every Anju message type derives from.

A message type is a frozen Pydantic model that names itself (``TYPE``) and its schema version
(``SCHEMA_VERSION``). Within a major version only optional fields may be added; anything else is a
new type (``...v2``). Unknown fields are refused so a typo in an insurer's system is caught at the
door rather than silently ignored (XC-07).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from anju_contracts.privacy import mask_personal_data

# One shape for every id, because ids become object-store key segments, database keys
# ("<id>@<version>") and file names: no "/", ":", "@" or spaces, and no "." or ".." path segment.
# Written without look-arounds so pydantic's Rust regex engine and JSON Schema validators agree.
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$"
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
"""An opaque id (claim id, unit id, agency id…): starts with an ASCII letter or digit, then letters,
digits, ``_``, ``-`` and ``.`` — a ``.`` never twice in a row and never last. At most 128."""

# A file name as a person chose it (Chinese names are normal): no path separators, no control or
# bidirectional-override characters (which disguise extensions), no leading "." (so neither "."
# nor ".." nor a hidden file). The object store still sanitises it before it becomes part of a key.
_NOT_IN_FILE_NAME = r"/\\\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
FILE_NAME_PATTERN = rf"^[^.{_NOT_IN_FILE_NAME}][^{_NOT_IN_FILE_NAME}]*$"
FileName = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=FILE_NAME_PATTERN)]
"""A file name without any path: e.g. 卫生间渗漏 1.jpg; not ``.``, ``..``, ``.x`` nor ``a/b``. At most 200."""

# An object-store key is "/"-separated segments, each shaped like a file name: no empty, "." or
# ".." segment, so a key can never climb out of the prefix it was checked against.
_KEY_SEGMENT = rf"[^.{_NOT_IN_FILE_NAME}][^{_NOT_IN_FILE_NAME}]*"
OBJECT_KEY_PATTERN = rf"^{_KEY_SEGMENT}(?:/{_KEY_SEGMENT})*$"
ObjectKey = Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=OBJECT_KEY_PATTERN)]
"""An object-store key, e.g. shanghai/P-1/U-0101/C-77/<uuid>-裂缝.jpg; no ``..``, ``//`` or leading ``/``."""

# Free text is screened at validation (XC-09): an ID or mobile number typed into it is masked, so
# storage, events, logs and PDFs only ever see the masked form. Masking keeps the length.
ScreenedText = Annotated[str, AfterValidator(mask_personal_data)]
"""Any text written by a person, with embedded ID and mobile numbers masked; add length limits."""
ShortText = Annotated[
    str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True), AfterValidator(mask_personal_data)
]
LongText = Annotated[
    str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True), AfterValidator(mask_personal_data)
]

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
