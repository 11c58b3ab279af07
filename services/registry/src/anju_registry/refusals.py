"""How a refusal is answered (XC-07): the same reason code, rule ID and one problem per failed condition
over HTTP (422) and on the rejections topic (``common.Rejected``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from anju_contracts import Envelope, RecordRef
from anju_contracts import registry as r
from anju_contracts.base import Event
from anju_kit.rejections import answer_envelope
from anju_registry.domain.errors import RegistryError

# The events that record a command the rules refused (the refusal is kept, XC-04).
REFUSAL_EVENTS = (r.AgencyRefused, r.AssignmentRefused, r.PractitionerRefused)


def refused_conditions(events: Iterable[Event]) -> tuple[r.FailedCondition, ...]:
    """Every failed condition the refusal events among ``events`` list (empty: nothing was refused)."""
    return tuple(f for e in events if isinstance(e, REFUSAL_EVENTS) for f in e.failed)


def refusal(failures: Sequence[r.FailedCondition]) -> RegistryError | None:
    """The error that answers a refused command, or None when nothing failed."""
    return RegistryError.of(failures) if failures else None


def rejected(
    command: Envelope, failures: Sequence[r.FailedCondition], *, producer: str, record: RecordRef | None = None
) -> Envelope | None:
    """The ``Rejected`` answer to a refused command, keyed like the command (None when nothing failed)."""
    error = refusal(failures)
    return None if error is None else answer_envelope(command, error, producer=producer, record=record)
