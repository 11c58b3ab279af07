"""Stored states that outlive the code that wrote them (XC-08: records are kept 10 years and more).

A service changes the shape of its aggregates many times over ten years, but the commit log is
insert-only and its entries are never rewritten. So every stored state carries the version of the
schema it was written in, and a reader brings an older state up to the current shape with a chain
of small functions on plain dicts, one per step (``v1 → v2``, ``v2 → v3``, …): an *upcaster*.

The version lives *beside* the state (a ``schema_version`` field of the log entry or projection
document), not inside it: domain models forbid unknown fields, and the state stays exactly what the
domain dumped. A document without the field was written before versions existed: it is version 1.

A state from a *newer* schema than the code knows (an older instance during a rolling deploy, or a
rollback) is refused with :class:`StateTooNew` rather than read in a shape the code would misread —
and, worse, write back.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

SCHEMA_VERSION_FIELD = "schema_version"
FIRST_VERSION = 1  # what every state stored before schema versions existed is

State = dict[str, Any]
Upcaster = Callable[[State], State]


class StateSchemaError(Exception):
    """A stored state that cannot be brought to the current schema."""

    def __init__(self, message: str, *, kind: str, doc_id: str | None) -> None:
        super().__init__(f"{kind} {doc_id}: {message}" if doc_id else f"{kind}: {message}")
        self.kind = kind
        self.doc_id = doc_id


class StateTooNew(StateSchemaError):
    """The state was written by newer code than this one; reading it would silently mangle it."""

    def __init__(self, *, kind: str, doc_id: str | None, found: int, known: int) -> None:
        super().__init__(
            f"stored state has schema version {found}, newer than the {known} this code knows; "
            "run the code that wrote it (never read a newer state with older code)",
            kind=kind,
            doc_id=doc_id,
        )
        self.found = found
        self.known = known


class BadSchemaVersion(StateSchemaError):
    """The stored ``schema_version`` is not a version number at all."""


class UpcastFailed(StateSchemaError):
    """An upcaster raised or returned something other than a dict; names the step and the function."""

    def __init__(self, reason: str, *, kind: str, doc_id: str | None, from_version: int, upcaster: Upcaster) -> None:
        name = getattr(upcaster, "__qualname__", repr(upcaster))
        super().__init__(
            f"upcasting v{from_version} → v{from_version + 1} failed in {name}: {reason}", kind=kind, doc_id=doc_id
        )
        self.from_version = from_version
        self.upcaster_name = name


@dataclass(frozen=True)
class StateSchema:
    """The stored shape of one kind of aggregate: its current version and the steps up to it.

    ``upcasters[n]`` turns a version ``n`` state into a version ``n + 1`` one; there must be exactly
    one for each of ``1 … version - 1`` (checked here, so a version bumped without its upcaster fails
    at start-up, not on the first old record years later). The chain runs in version order whatever
    the mapping's order.
    """

    kind: str
    version: int = FIRST_VERSION
    upcasters: Mapping[int, Upcaster] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < FIRST_VERSION:
            raise ValueError(f"{self.kind}: schema version must be an integer >= {FIRST_VERSION}, not {self.version!r}")
        expected = set(range(FIRST_VERSION, self.version))
        missing, extra = sorted(expected - set(self.upcasters)), sorted(set(self.upcasters) - expected)
        if missing or extra:
            raise ValueError(
                f"{self.kind} schema v{self.version} needs one upcaster from each of {sorted(expected)}: "
                f"missing {missing}, unexpected {extra}"
            )
        # A read-only copy in version order: the schema is shared by every reader for the process' life.
        frozen = MappingProxyType({n: self.upcasters[n] for n in sorted(self.upcasters)})
        object.__setattr__(self, "upcasters", frozen)

    def version_of(self, doc: Mapping[str, Any], *, doc_id: str | None = None) -> int:
        """The schema version of the state a stored document holds (none stamped: version 1)."""
        found = doc.get(SCHEMA_VERSION_FIELD)
        if found is None:
            return FIRST_VERSION
        if isinstance(found, bool) or not isinstance(found, int) or found < FIRST_VERSION:
            raise BadSchemaVersion(f"stored schema version {found!r} is not a version", kind=self.kind, doc_id=doc_id)
        return found

    def upcast(
        self, state: Mapping[str, Any], version: int, *, doc_id: str | None = None, to: int | None = None
    ) -> State:
        """``state``, stored at schema ``version``, in the current shape — or in the older shape ``to``,
        which a commit-log entry's change was made against (a new dict; ``state`` untouched)."""
        target = self.version if to is None else to
        if version > self.version or target > self.version:
            raise StateTooNew(kind=self.kind, doc_id=doc_id, found=max(version, target), known=self.version)
        if version > target:  # pragma: no cover - a log's versions only rise; nothing downcasts
            raise StateSchemaError(f"cannot bring a v{version} state down to v{target}", kind=self.kind, doc_id=doc_id)
        if version == target:
            return dict(state)
        # A deep copy, so an upcaster may change nested values in place without touching the caller's.
        current: State = copy.deepcopy(dict(state))
        for step in range(version, target):
            upcaster = self.upcasters[step]
            try:
                result = upcaster(current)
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}"
                raise UpcastFailed(reason, kind=self.kind, doc_id=doc_id, from_version=step, upcaster=upcaster) from exc
            if not isinstance(result, dict):
                reason = f"returned {type(result).__name__}, not a dict"
                raise UpcastFailed(reason, kind=self.kind, doc_id=doc_id, from_version=step, upcaster=upcaster)
            current = result
        return current

    def check_readable(self, doc: Mapping[str, Any], *, doc_id: str | None = None) -> None:
        """Refuses a stored document this code cannot read (:class:`StateTooNew`, :class:`BadSchemaVersion`)
        before its state is decoded (a reader may never decode it: ``AggregateRepository.read``)."""
        found = self.version_of(doc, doc_id=doc_id)
        if found > self.version:
            raise StateTooNew(kind=self.kind, doc_id=doc_id, found=found, known=self.version)

    def load(self, doc: Mapping[str, Any], state: Mapping[str, Any], *, doc_id: str | None = None) -> State:
        """The state held by stored document ``doc`` (its version read from ``doc``), in the current shape."""
        return self.upcast(state, self.version_of(doc, doc_id=doc_id), doc_id=doc_id)


def rename_field(old: str, new: str) -> Upcaster:
    """An upcaster for the commonest step: a top-level field renamed (absent stays absent)."""

    def upcaster(state: State) -> State:
        if old in state:
            state[new] = state.pop(old)
        return state

    upcaster.__qualname__ = f"rename_field({old!r} → {new!r})"  # how an UpcastFailed names it
    return upcaster
