"""Risk files on the kit's aggregate store (MongoDB, or its in-memory double in component tests): an
insert-only commit log per project (compare-and-set on ``version``, the outbox of its events, the
applied command ids, the history with actor, XC-04) read by ``_id`` only — never a field filter."""

from __future__ import annotations

from anju_kit.ports import AggregateStorage
from anju_kit.repository import AggregateRepository, Loaded
from anju_kit.upcasting import State, StateSchema
from anju_risk.domain.risk_file import RiskFile


def settled_issues(state: State) -> State:
    """v1 → v2: each issue counts its rectification ``rounds``, and a closed one is settled — its rounds
    and met deadlines leave the file, as ``RiskIssue.settle`` leaves them since (their events keep them
    for ``risk.issue_history``)."""
    for issue in state.get("issues", {}).values():
        issue["rounds"] = len(issue.get("rectifications", []))
        if issue.get("status") == "closed":
            issue["rectifications"] = []
            issue["deadlines"] = [d for d in issue.get("deadlines", []) if d.get("state") == "open"]
    return state


# The stored shape (XC-08: kept 10 years after the policy ends): a breaking change bumps the version
# and adds the upcaster from the one before.
RISK_FILE_SCHEMA = StateSchema("risk_file", version=2, upcasters={1: settled_issues})

LoadedFile = Loaded[RiskFile]


class RiskFileRepository(AggregateRepository[RiskFile]):
    def __init__(self, store: AggregateStorage) -> None:
        super().__init__(store, RiskFile.model_validate)
