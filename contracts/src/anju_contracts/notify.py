"""The notify service's messages: the obligation ledger (XC-02), reminders and escalation, regulator
filings (监管平台 uploads: POL-07, POL-10, RSK-02, RSK-07, RSK-08) and the parties' contacts.

The ledger is built from every service's ``<service>.ObligationOpened`` / ``ObligationFulfilled``
(anju_contracts.common); these are what notify itself says about it on ``anju.notify.events.v1``, each
keyed by the obligation id. ``ObligationRecorded`` carries the whole ledger record after each change
(event-carried state: the read models fold it and never read the ledger), ``revision`` growing with
each, so a late or repeated one never moves a record back.

Filings also leave on ``anju.supervision.events.v1`` (``supervision.DocumentFiled``): the documented
outbound topic a city's external supervision system reads (one type, one topic).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, Field, StringConstraints

from anju_contracts import topics
from anju_contracts.base import Command, ContractModel, Event, Identifier, MaskedPhone, ShortText
from anju_contracts.common import (
    EvidenceRef,
    ObligationId,
    ObligationKind,
    ObligationName,
    PartyRef,
    RuleId,
    SubjectRef,
)

EmailAddress = Annotated[
    str, StringConstraints(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", strip_whitespace=True)
]
MaskedEmail = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]{0,2}\*{3,}@[^@\s]+$")]
"""An e-mail address with its local part hidden but for two characters, e.g. zh***@example.com."""
Mobile = Annotated[str, StringConstraints(pattern=r"^1[3-9][0-9]{9}$")]
"""A mainland mobile number (11 digits); travels only over HTTP, never on a topic (XC-09)."""


class LedgerState(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"  # past due_at, unmet; escalated to the debtor's supervisor
    ESCALATED = "escalated"  # still unmet after the region's grace: escalated to the regulator
    FULFILLED = "fulfilled"  # met (in time or late: see on_time)
    CANCELLED = "cancelled"  # the owning service said it is no longer owed
    WAIVED = "waived"  # a regulator released the debtor (by whom and why kept)


OPEN_STATES = frozenset({LedgerState.OPEN, LedgerState.OVERDUE, LedgerState.ESCALATED})


class StepKind(StrEnum):
    REMINDER = "reminder"  # before the deadline, to the debtor
    SUPERVISOR = "supervisor"  # at the deadline, to the debtor's supervisor
    REGULATOR = "regulator"  # N working days after, to the region's regulator


class ContactAudience(StrEnum):
    STAFF = "staff"  # who does the work: reminders
    SUPERVISOR = "supervisor"  # who answers for it: escalations


class ScheduledStep(ContractModel):
    """One reminder or escalation of an obligation, when it falls due (region settings, XC-06)."""

    step_id: Annotated[str, StringConstraints(pattern=r"^[a-z]+-[0-9]{1,2}$")] = Field(
        description="reminder-1, supervisor-1, regulator-1…: unique within the obligation."
    )
    kind: StepKind
    at: AwareDatetime
    fired: bool = False


# --- commands ---------------------------------------------------------------------------------------


class FileDocument(Command):
    """A 监管平台 upload: the debtor files the document an obligation requires (POL-07 policy contract,
    RSK-02 initial analysis and plan, RSK-07 final report, RSK-08 special reports, POL-10 user notice…).
    It fulfils the obligation; filed after ``due_at`` it is kept as late."""

    TYPE = "notify.FileDocument"
    TOPIC: ClassVar[str | None] = topics.NOTIFY.commands

    filing_id: Identifier = Field(description="The filer's id of this filing; a repeat is answered as the first.")
    obligation_id: ObligationId
    document: EvidenceRef = Field(description="The filed document: object key and SHA-256 checksum.")


class WaiveObligation(Command):
    """A regulator releases the debtor from an open obligation, saying why (kept with who did it)."""

    TYPE = "notify.WaiveObligation"
    TOPIC: ClassVar[str | None] = topics.NOTIFY.commands

    obligation_id: ObligationId
    reason: ShortText


class RegisterContact(Command):
    """Where a party is reached: its staff (reminders) or supervisor (escalations). Accepted over HTTP
    only: the mobile number in full never travels on a topic (XC-09)."""

    TYPE = "notify.RegisterContact"
    TOPIC: ClassVar[str | None] = topics.NOTIFY.commands

    party: PartyRef
    audience: ContactAudience
    display_name: ShortText
    email: EmailAddress | None = None
    mobile: Mobile | None = None


class MarkInboxRead(Command):
    """The sender marks messages of its own inbox read (XC-05: the party is the sender's own)."""

    TYPE = "notify.MarkInboxRead"
    TOPIC: ClassVar[str | None] = topics.NOTIFY.commands

    item_ids: tuple[Annotated[str, StringConstraints(min_length=1, max_length=300)], ...] = Field(
        min_length=1, max_length=100, description="Inbox item ids (<obligation id>|<step id>) as the inbox lists them."
    )


# --- events -----------------------------------------------------------------------------------------


class ObligationRecorded(Event):
    """The ledger record of one obligation after a change (event-carried state for the read models)."""

    TYPE = "notify.ObligationRecorded"
    TOPIC: ClassVar[str | None] = topics.NOTIFY.events

    obligation_id: ObligationId
    revision: int = Field(ge=1, description="Grows with each change; the highest wins.")
    recorded_at: AwareDatetime = Field(description="When notify made this change (its clock, Asia/Shanghai).")
    source: Identifier = Field(description="The service that owns the deadline: claims, policy, risk…")
    obligation: ObligationName
    rule_id: RuleId
    debtor: PartyRef
    subject: SubjectRef
    # None while only the closing event has arrived (events of one subject may reach notify out of order)
    kind: ObligationKind | None = None
    creditor: PartyRef | None = None
    due_at: AwareDatetime | None = None
    last_day: date | None = None
    calendar_estimated: bool = False
    state: LedgerState
    steps: tuple[ScheduledStep, ...] = ()
    closed_at: AwareDatetime | None = Field(default=None, description="When it was fulfilled, cancelled or waived.")
    closed_by: str | None = Field(default=None, max_length=256, description="The event or actor that closed it.")
    waived_reason: ShortText | None = None
    on_time: bool | None = Field(default=None, description="Fulfilled: by due_at or not.")
    filing_id: Identifier | None = None


class _Notice(Event):
    obligation_id: ObligationId
    step_id: str = Field(max_length=16)
    rule_id: RuleId
    debtor: PartyRef
    subject: SubjectRef
    due_at: AwareDatetime
    recipients: tuple[PartyRef, ...] = Field(description="Whose inbox it goes to.")
    subject_zh: ShortText
    body_zh: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    sent_at: AwareDatetime


class ReminderSent(_Notice):
    """A reminder before the deadline went to the debtor; sent once across instances and restarts."""

    TYPE = "notify.ReminderSent"
    TOPIC: ClassVar[str | None] = topics.NOTIFY.events


class ObligationEscalated(_Notice):
    """An unmet obligation was escalated: to the debtor's supervisor at the deadline, to the regulator later."""

    TYPE = "notify.ObligationEscalated"
    TOPIC: ClassVar[str | None] = topics.NOTIFY.events

    level: StepKind


class FilingReceived(Event):
    """A regulator filing (监管平台 upload) was received and fulfilled its obligation."""

    TYPE = "notify.FilingReceived"
    TOPIC: ClassVar[str | None] = topics.NOTIFY.events

    filing_id: Identifier
    obligation_id: ObligationId
    rule_id: RuleId
    debtor: PartyRef
    subject: SubjectRef
    document: EvidenceRef
    due_at: AwareDatetime
    filed_at: AwareDatetime
    on_time: bool


class ContactRegistered(Event):
    """A party's contact, masked (XC-09): the full address stays in the notify store."""

    TYPE = "notify.ContactRegistered"
    TOPIC: ClassVar[str | None] = topics.NOTIFY.events

    party: PartyRef
    audience: ContactAudience
    email: MaskedEmail | None = None
    mobile: MaskedPhone | None = None


class InboxItemsRead(Event):
    """A party marked messages of its inbox read. Keyed by the party (``<role>:<id>``)."""

    TYPE = "notify.InboxItemsRead"
    TOPIC: ClassVar[str | None] = topics.NOTIFY.events

    party: PartyRef
    item_ids: tuple[str, ...]
    read_at: AwareDatetime


class DocumentFiled(Event):
    """Outbound, for a city's external supervision system: a document filed with the platform, whether on
    time, with its checksum. Produced by notify on ``anju.supervision.events.v1``, keyed by obligation id."""

    TYPE = "supervision.DocumentFiled"
    TOPIC: ClassVar[str | None] = topics.SUPERVISION_FILINGS

    filing_id: Identifier
    region: Identifier
    obligation_id: ObligationId
    rule_id: RuleId
    debtor: PartyRef
    subject: SubjectRef
    document_key: str = Field(max_length=512)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    due_at: AwareDatetime
    filed_at: AwareDatetime
    on_time: bool


def mask_email(address: str) -> str:
    """zhang.san@example.com → zh***@example.com (XC-09)."""
    local, _, domain = address.partition("@")
    return f"{local[:2]}***@{domain}"


COMMANDS: tuple[type[Command], ...] = (FileDocument, WaiveObligation, RegisterContact, MarkInboxRead)

__all__ = [
    "COMMANDS",
    "OPEN_STATES",
    "ContactAudience",
    "ContactRegistered",
    "DocumentFiled",
    "FileDocument",
    "FilingReceived",
    "InboxItemsRead",
    "LedgerState",
    "MarkInboxRead",
    "ObligationEscalated",
    "ObligationRecorded",
    "RegisterContact",
    "ReminderSent",
    "ScheduledStep",
    "StepKind",
    "WaiveObligation",
    "mask_email",
]
