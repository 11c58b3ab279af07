"""The answer-and-review round a risk issue (RSK-05) and a design issue (RSK-06) share: the unit
answers an open issue (it is then rectified), the agency closes it (销项) or sends it back (open
again). A repeat — the same answer again, a close of a closed issue — records nothing. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from anju_contracts import risk as r
from anju_risk.domain.errors import RiskError


class ReviewedRound(Protocol):
    round: int
    review: r.ReviewDecision | None
    comment: str | None


R = TypeVar("R", bound=ReviewedRound)


def answer_due(status: r.IssueStatus, rounds: Sequence[R], repeats: Callable[[R], bool], refusal: RiskError) -> bool:
    """True when the issue awaits an answer; False for the last answer again (nothing new to record);
    ``refusal`` unless the issue is open."""
    if status is r.IssueStatus.RECTIFIED and repeats(rounds[-1]):
        return False
    if status is not r.IssueStatus.OPEN:
        raise refusal
    return True


def review_last(
    status: r.IssueStatus, rounds: Sequence[R], decision: r.ReviewDecision, comment: str | None, refusal: RiskError
) -> R | None:
    """The answer under review, with the agency's decision noted on it; None for a close repeated on a
    closed issue. ``refusal`` unless an answer awaits review."""
    if decision is r.ReviewDecision.CLOSE and status is r.IssueStatus.CLOSED:
        return None
    if status is not r.IssueStatus.RECTIFIED:
        raise refusal
    last = rounds[-1]
    last.review, last.comment = decision, comment
    return last
