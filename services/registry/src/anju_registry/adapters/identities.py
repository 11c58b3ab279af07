"""Who holds each real-name identity (实名制, REG-02): one person is listed once.

An application asks "does another practitioner hold this ID number?" A query over the practitioners
by ``identity.id_number_hash`` reads the whole collection on the local store (issue #10), and a read
model cannot answer it: its events would have to carry the hash, and the registry's events topic is
read by insurers (XC-09). So the answer is a registry-internal document keyed by the protected hash,
kept on the command path itself, using the one compare-and-set the store has: inserting a new ``_id``.

Claims form a chain per hash, ``<hash>#1``, ``<hash>#2``…, read by ``_id`` up to the first missing one;
the last claim holds the identity. An applicant inserts the next link when the chain is empty or its
holder let go of the identity: its practitioner now holds another ID number, or it never got stored
(a writer that died between claim and commit) and its claim is older than :data:`GRACE`. Of two
applicants racing for the same link exactly one insert succeeds; the other re-reads and finds the
identity taken. So the answer is exact, not eventually consistent like a view's.

The documents hold the keyed hash (never the ID number) and a practitioner id, are read by ``_id`` only
and never leave the service. A chain is short: a new link needs a holder that let go.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from anju_kit.mongo import Doc

# A claim whose practitioner is not stored after this long was left by a commit that never came.
GRACE = timedelta(minutes=5)

HeldHash = Callable[[str], Awaitable[str | None]]
"""The ID-number hash a practitioner holds now (None: no such practitioner)."""


@dataclass
class IdentityClaims:
    collection: AsyncCollection[Doc]
    held_hash: HeldHash

    async def taken(self, id_number_hash: str, practitioner_id: str, *, now: datetime) -> bool:
        """True when another practitioner holds the identity; else ``practitioner_id`` holds it now."""
        link, last = 1, None
        while True:
            while (claim := await self.collection.find_one({"_id": f"{id_number_hash}#{link}"})) is not None:
                last, link = claim, link + 1
            if last is not None:
                if last["practitioner_id"] == practitioner_id:
                    return False
                if not await self._let_go(last, id_number_hash, now):
                    return True
            try:
                await self.collection.insert_one(
                    {"_id": f"{id_number_hash}#{link}", "practitioner_id": practitioner_id, "at": now}
                )
                return False
            except DuplicateKeyError:
                continue  # another applicant appended this link first: read on from it

    async def _let_go(self, claim: Doc, id_number_hash: str, now: datetime) -> bool:
        held = await self.held_hash(str(claim["practitioner_id"]))
        if held is None:  # not stored (yet): a commit in flight keeps its claim for the grace period
            at: datetime = claim["at"]
            return at + GRACE < now
        return held != id_number_hash
