"""The notify service's table of commands: who may send each at all, and the use case serving them.
Finer access (whose obligation, whose contact) is checked by the handlers (XC-05)."""

from __future__ import annotations

from anju_contracts import Role
from anju_contracts import notify as n
from anju_contracts.base import Command
from anju_kit.pipeline import CommandRequest, CommandTable, routes
from anju_notify.handlers import NotifyHandlers, Outcome

DEBTORS = frozenset({Role.INSURER, Role.AGENCY, Role.BUILDER, Role.CONTRACTOR, Role.SYSTEM})
SENDERS: dict[type[Command], frozenset[Role]] = {
    n.FileDocument: DEBTORS,
    n.WaiveObligation: frozenset({Role.REGULATOR}),
    n.RegisterContact: frozenset({*DEBTORS, Role.REGULATOR, Role.OWNER}),
    n.MarkInboxRead: frozenset({*DEBTORS, Role.REGULATOR, Role.OWNER}),
}


def command_table(handlers: NotifyHandlers) -> CommandTable:
    async def execute(request: CommandRequest) -> Outcome:
        return await handlers.execute(request.envelope, request.command, expected_version=request.expected_version)

    return routes(
        execute,
        SENDERS,
        # XC-09: a mobile number in full never travels on a topic
        http_only={n.RegisterContact: "register contacts at POST /v1/notify/contacts"},
    )
