"""anju-contracts: the messages Anju services and insurers' core systems exchange."""

from anju_contracts.actor import Actor, Role
from anju_contracts.base import Command, ContractModel, Event, Identifier, Message
from anju_contracts.envelope import Envelope
from anju_contracts.rejection import FailedCondition, FieldProblem, ReasonCode, RecordRef, Refusal, Rejected, failed

__all__ = [
    "Actor",
    "Command",
    "ContractModel",
    "Envelope",
    "Event",
    "FailedCondition",
    "FieldProblem",
    "Identifier",
    "Message",
    "ReasonCode",
    "RecordRef",
    "Refusal",
    "Rejected",
    "Role",
    "failed",
]
