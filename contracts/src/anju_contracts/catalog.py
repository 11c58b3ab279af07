"""The message catalog: every concrete message type of this package, found by its ``TYPE``.

Message modules only declare classes; the catalog imports every submodule of ``anju_contracts`` and
collects each :class:`~anju_contracts.base.Message` subclass that names itself with a ``TYPE``. So a
new message type needs no registration step, and two classes claiming one ``TYPE`` fail loudly at
start-up instead of one silently shadowing the other.

``parse`` turns an :class:`~anju_contracts.envelope.Envelope` into its typed payload. Unknown types
and unsupported schema versions raise :class:`ContractError` carrying the ``ReasonCode`` the
service answers with on its rejections topic (XC-07); a payload that does not match its type raises
pydantic's ``ValidationError`` unchanged, so the caller can turn each error into a ``FieldProblem``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from functools import cache

from anju_contracts import topics
from anju_contracts.base import Message
from anju_contracts.envelope import Envelope
from anju_contracts.rejection import ReasonCode

# Modules that are tools over the catalog, not message modules (importing them here would be circular).
_NOT_MESSAGE_MODULES = frozenset({"anju_contracts.catalog", "anju_contracts.schemagen"})


class DuplicateMessageType(RuntimeError):
    """Two classes declare the same ``TYPE``: a programming error, raised at discovery."""


class ContractError(ValueError):
    """An envelope this package cannot turn into a message; ``reason_code`` is what to answer with."""

    def __init__(self, reason_code: ReasonCode, detail: str) -> None:
        super().__init__(detail)
        self.reason_code = reason_code
        self.detail = detail


class UnknownMessageType(ContractError):
    def __init__(self, detail: str) -> None:
        super().__init__(ReasonCode.UNKNOWN_TYPE, detail)


class UnsupportedSchemaVersion(ContractError):
    def __init__(self, detail: str) -> None:
        super().__init__(ReasonCode.UNSUPPORTED_SCHEMA_VERSION, detail)


def _import_submodules() -> None:
    import anju_contracts

    for info in pkgutil.walk_packages(anju_contracts.__path__, prefix="anju_contracts."):
        if info.name not in _NOT_MESSAGE_MODULES:
            importlib.import_module(info.name)


def _subclasses(cls: type[Message]) -> Iterator[type[Message]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _is_concrete(cls: type[Message]) -> bool:
    # Message/Event/Command only annotate TYPE; a concrete type assigns it.
    return isinstance(getattr(cls, "TYPE", None), str) and cls.__module__.startswith("anju_contracts.")


def index_by_type(classes: Iterable[type[Message]]) -> dict[str, type[Message]]:
    """Key ``classes`` by ``TYPE`` (sorted), refusing two classes with one ``TYPE``."""
    found: dict[str, type[Message]] = {}
    for cls in classes:
        other = found.get(cls.TYPE)
        if other is cls:
            continue
        if other is not None:
            raise DuplicateMessageType(
                f"TYPE {cls.TYPE!r} is declared by both {other.__module__}.{other.__qualname__} and "
                f"{cls.__module__}.{cls.__qualname__}; a breaking change needs a new TYPE"
            )
        found[cls.TYPE] = cls
    return dict(sorted(found.items()))


@cache
def _catalog() -> dict[str, type[Message]]:
    _import_submodules()
    return index_by_type(cls for cls in _subclasses(Message) if _is_concrete(cls))


def message_types() -> dict[str, type[Message]]:
    """Every message type of the package keyed by ``TYPE``, sorted by ``TYPE``."""
    return dict(_catalog())


def message_type(type_name: str) -> type[Message]:
    """The class for ``type_name``; raises :class:`UnknownMessageType`."""
    try:
        return _catalog()[type_name]
    except KeyError:
        raise UnknownMessageType(f"unknown message type {type_name!r}") from None


@cache  # the catalog is fixed at import time; parse() asks this for every message
def types_for_topic(topic: str) -> tuple[type[Message], ...]:
    """The message types that may travel on ``topic``, sorted by ``TYPE``.

    Rejections (``KIND == "rejection"``) travel on every ``*.rejections.*`` topic; a dead-letter
    topic carries what its origin topic carries.
    """
    if topic not in topics.all_topics():
        raise ValueError(f"{topic!r} is not a topic of anju_contracts.topics")
    origin = topic.removesuffix(".dlq")
    is_rejections = origin.split(".")[2:3] == ["rejections"]
    return tuple(
        cls
        for cls in _catalog().values()
        if origin == cls.TOPIC or (is_rejections and cls.KIND == "rejection" and cls.TOPIC is None)
    )


def parse(envelope: Envelope, *, topic: str | None = None) -> Message:
    """Validate ``envelope.data`` as the type the envelope names.

    With ``topic``, a type that does not belong on that topic is refused as ``UNKNOWN_TYPE`` (a
    service only handles what its topic documents). Raises :class:`UnknownMessageType`,
    :class:`UnsupportedSchemaVersion` or ``pydantic.ValidationError``.
    """
    cls = message_type(envelope.type)
    if topic is not None and cls not in types_for_topic(topic):
        raise UnknownMessageType(f"message type {envelope.type!r} is not handled on topic {topic!r}")
    if envelope.schema_version != cls.SCHEMA_VERSION:
        raise UnsupportedSchemaVersion(
            f"{envelope.type} schema_version {envelope.schema_version} is not supported; "
            f"this contract version supports {cls.SCHEMA_VERSION}"
        )
    return cls.model_validate(envelope.data)
