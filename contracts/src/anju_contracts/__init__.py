"""anju-contracts: the messages Anju services and insurers' core systems exchange."""

from anju_contracts.actor import Actor, Role
from anju_contracts.base import Command, ContractModel, Event, Identifier, Message
from anju_contracts.envelope import Envelope
from anju_contracts.rejection import FieldProblem, ReasonCode, Rejected

__all__ = [
    "Actor",
    "Command",
    "ContractModel",
    "Envelope",
    "Event",
    "FieldProblem",
    "Identifier",
    "Message",
    "ReasonCode",
    "Rejected",
    "Role",
]
