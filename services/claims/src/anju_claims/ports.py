"""The claims use cases' ports: what :class:`~anju_claims.handlers.ClaimsHandlers` needs of the world.

The handlers depend on these small Protocols, never on Mongo, MinIO or PDF classes: production wires the
adapters (``adapters/``) in ``bootstrap.build``; component tests wire the same repository on the kit's
in-memory stores, an in-memory policy read model and a fake renderer (tests/component). Each Protocol
lists only what its callers use.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from anju_claims.domain.claim import Claim
from anju_claims.domain.coverage import PolicyCoverage
from anju_claims.domain.warranty import RepairWarranty
from anju_contracts import claims as c
from anju_contracts.policy import BuildingPart
from anju_kit.evidence import UploadTicket
from anju_kit.mongo import CreatedBatch, Doc, NewAggregate
from anju_kit.objectstore import PresignedDownload
from anju_kit.unit_of_work import Aggregates


@dataclass(frozen=True)
class LoadedClaim:
    claim: Claim
    version: int
    applied: frozenset[str]
    due_at: datetime | None  # the claim's next_due_at as loaded (``claim`` changes in place)

    @property
    def aggregate(self) -> Claim:
        return self.claim


class ClaimStore(Aggregates[Claim, LoadedClaim], Protocol):
    """The claims (``get`` / ``add`` / ``save`` / ``applied_events`` for the kit's unit of work), bulk
    intake, the CLM-06 repair links and the history the HTTP API shows. (The legal clock's due index is
    a read model, ``claims.due``: the handlers' ``due``, a kit ``DueEntries``.)"""

    async def add_many(
        self,
        items: Sequence[NewAggregate],
        *,
        after_commit: Callable[[CreatedBatch], Awaitable[None]] | None = None,
    ) -> CreatedBatch: ...

    async def warranties(self, unit_id: str, part: BuildingPart) -> list[RepairWarranty]: ...

    async def note_warranty(self, unit_id: str, claim_id: str, policy_id: str | None = None) -> None: ...

    async def history(self, claim_id: str) -> list[Doc]: ...


class RepairHints(Protocol):
    """Which claims completed a repair on a unit, and which units of a policy had one (CLM-06 linking):
    hints written before the claim's commit, so a warranty is never missed; readers check the claims."""

    async def note(self, unit_id: str, claim_id: str, policy_id: str | None) -> None: ...

    async def claims_of_unit(self, unit_id: str) -> list[str]: ...

    async def units_of_policy(self, policy_id: str) -> frozenset[str]: ...


class CoverageReadModel(Protocol):
    """The policy read model claims fold from policy events (POL-13 coverage, owners, liability period)."""

    async def get(self, policy_id: str) -> PolicyCoverage | None: ...

    async def put(self, coverage: PolicyCoverage, *, previous: PolicyCoverage | None, seq: int) -> None: ...

    async def for_unit(self, unit_id: str) -> PolicyCoverage | None: ...

    async def policy_of(self, unit_id: str) -> str | None: ...

    async def generation(self) -> str | None: ...

    async def bump_generation(self) -> None: ...


class Evidence(Protocol):
    """Claims' photos, videos and generated documents in object storage (one household, one file: XC-03)."""

    def prefix(self, project_id: str, unit_id: str, claim_id: str) -> str: ...

    async def upload_ticket(self, project_id: str, unit_id: str, cmd: c.RequestEvidenceUpload) -> UploadTicket: ...

    async def verify(self, ref: c.EvidenceRef, *, prefix: str, field: str = "evidence") -> None: ...

    async def verify_to_attach(
        self, refs: Iterable[tuple[str, c.EvidenceRef]], *, prefix: str, attached: Collection[str] = ()
    ) -> None: ...

    async def put_document(self, key: str, data: bytes) -> c.EvidenceRef: ...

    async def download_link(self, key: str, expires: timedelta) -> PresignedDownload: ...


class Documents(Protocol):
    """The owner's Chinese documents as PDF bytes (CLM-04 rejection notice, CLM-06 warranty statement)."""

    def rejection_notice(self, claim: Claim, *, issued_at: datetime) -> bytes: ...

    def repair_warranty_statement(
        self, claim: Claim, *, issued_at: datetime, warranty_last_day: date, warranty_days: int
    ) -> bytes: ...
