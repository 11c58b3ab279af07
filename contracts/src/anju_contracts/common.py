"""Shapes every service shares: evidence in object storage, legal deadlines, refused conditions, and
the obligation events the notify service ledgers (XC-01, XC-02, XC-07, XC-08).

They first lived in the claims and rejection modules; those modules still re-export them under the
old names, and the generated schemas keep the same definition names (``EvidenceRef``,
``DeadlineInfo``, ``FailedCondition``), so integrators' code and validators need no change.

**Obligation events.** A service that owns a deadline publishes ``ObligationOpened`` when it opens
one and ``ObligationFulfilled`` when it ends, on *its own* events topic, keyed by the subject's id
(so they stay in order with the subject's other events). The fields are defined once here; each
owning service declares a two-line subclass naming its ``TYPE`` (``<service>.ObligationOpened``)
and ``TOPIC``. A subclass per service, rather than one type travelling on several topics, keeps the
rule "one type, one topic" that the catalog, the published schemas and the AsyncAPI documents are
built on; a consumer handles all of them by the base class (``isinstance(m, ObligationOpened)``).

An obligation ends in one of two ways, told by ``ObligationFulfilled.outcome``: ``met`` (done — in
time or late) or ``cancelled`` (no longer owed: the claim was withdrawn, a refusal was overturned,
the deadline was replaced by a new one). One closing event with an outcome, not two event types,
because a ledger does the same with both (close the entry, stop reminding) and so cannot miss one.
A *window* (``kind: window``, e.g. the CLM-06 repair warranty) bounds a right rather than a duty:
it is opened, never overdue, and simply ends at ``due_at``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from anju_contracts.actor import Role
from anju_contracts.base import (
    IDENTIFIER_PATTERN,
    ContractModel,
    Event,
    Identifier,
    LongText,
    ObjectKey,
    ShortText,
)

RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,4}-\d{2}$")]
"""A SPEC rule id, e.g. CLM-03 or REG-04."""

Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
"""Lower-case hex SHA-256 of an object's bytes."""

ObligationName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
"""What is owed, as a code: e.g. perform_compensation, rejection_notice."""

SubjectKind = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]
"""The kind of record an obligation is about: claim, policy, risk_issue…"""

ObligationId = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN)]
"""``<subject kind>.<subject id>.<obligation>.<n>``: unique across the platform, stable on replay."""


class EvidenceRef(ContractModel):
    """A photo, video or document already stored in object storage (XC-08: never deleted)."""

    key: ObjectKey = Field(
        description="Object key under its record's prefix, e.g. <region>/<project>/<unit>/<claim>/<file> for a claim."
    )
    sha256: Sha256Hex = Field(description="Hex SHA-256 of the object's bytes.")
    size: int = Field(ge=1, description="Size in bytes.")
    content_type: str = Field(min_length=3, max_length=100, description="MIME type, e.g. image/jpeg.")


class DeadlineInfo(ContractModel):
    """A legal deadline with the rule that set it (XC-01): an absolute Asia/Shanghai timestamp."""

    rule_id: str = Field(description="SPEC rule that set it, e.g. CLM-03.")
    obligation: str = Field(max_length=64, description="What is owed, e.g. perform_compensation.")
    due_at: AwareDatetime = Field(description="End of the period: 24:00 Asia/Shanghai of the last day.")
    last_day: date = Field(description="Last day of the period (after rest-day roll-over).")
    calendar_estimated: bool = Field(
        default=False,
        description="True when the year's holiday calendar was unknown: weekends and statutory holidays only.",
    )


class FailedCondition(ContractModel):
    """One condition a command did not meet."""

    rule_id: RuleId = Field(description="SPEC rule, e.g. REG-03.")
    code: ShortText = Field(description="Machine-readable condition code, e.g. LEAD_YEARS_TOO_FEW.")
    message: LongText = Field(description="Human-readable explanation.")
    subject_id: Identifier | None = Field(default=None, description="Practitioner, unit or field concerned.")


# --- obligations (XC-02) -------------------------------------------------------------------------


class PartyRef(ContractModel):
    """A party that owes or is owed: its role and its id (an insurer id, an owner id, an agency id…)."""

    role: Role
    id: Identifier


class SubjectRef(ContractModel):
    """The record an obligation is about, e.g. ``{"kind": "claim", "id": "clm-2026-0001"}``."""

    kind: SubjectKind
    id: Identifier


class ObligationKind(StrEnum):
    OBLIGATION = "obligation"  # a duty: overdue when unmet at due_at
    WINDOW = "window"  # a period that bounds a right (a warranty); never overdue


class ObligationOutcome(StrEnum):
    MET = "met"  # done (compare met_on / fulfilled_at with the opened due_at for "in time")
    CANCELLED = "cancelled"  # no longer owed


class ObligationOpened(Event):
    """An obligation with a legal deadline was opened: who owes what to whom, by when, under which rule.

    Base of each owning service's ``<service>.ObligationOpened``; see the module docstring.
    """

    obligation_id: ObligationId = Field(description="Names this obligation in every later event.")
    obligation: ObligationName
    kind: ObligationKind
    debtor: PartyRef = Field(description="Who owes it.")
    creditor: PartyRef = Field(description="To whom it is owed.")
    subject: SubjectRef
    rule_id: RuleId = Field(description="SPEC rule that set the deadline, e.g. CLM-03.")
    due_at: AwareDatetime = Field(description="End of the period: 24:00 Asia/Shanghai of the last day (exclusive).")
    last_day: date = Field(description="Last day of the period (after rest-day roll-over).")
    calendar_estimated: bool = Field(description="True when the year's holiday calendar was unknown.")


class ObligationFulfilled(Event):
    """An open obligation ended: ``met`` (in time or late) or ``cancelled`` (no longer owed).

    Base of each owning service's ``<service>.ObligationFulfilled``; see the module docstring.
    """

    obligation_id: ObligationId
    obligation: ObligationName
    debtor: PartyRef
    subject: SubjectRef
    rule_id: RuleId
    outcome: ObligationOutcome
    fulfilled_at: AwareDatetime = Field(description="When the owning service recorded the end.")
    met_on: date | None = Field(
        default=None, description="The day it was done where the step names one (a payment's, a repair's day)."
    )
