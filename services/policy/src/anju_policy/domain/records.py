"""Value records a project keeps: its quote, adjustments, payments and signed contracts (POL-01 … POL-06)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from anju_contracts import FailedCondition
from anju_contracts import underwriting as u
from anju_contracts.policy import FloatingComponent
from anju_policy.domain.errors import failed


class QuoteRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quote_id: str
    insured_amount: Decimal
    amount_basis: str  # estimate | actual_cost
    base_rate: Decimal
    factors: dict[FloatingComponent, Decimal]
    floating_factor: Decimal
    premium: Decimal
    letter_key: str


class Adjustment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    adjustment_id: str
    actual_cost: Decimal
    premium: Decimal
    delta: Decimal
    on: date


class Payment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_id: str
    amount: Decimal
    paid_on: date


class Signed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contract_id: str
    signed_on: date
    agency_id: str | None = None
    fee: Decimal | None = None


def letter_failures(q: u.Quotation) -> list[FailedCondition]:
    """POL-04: a quote is a formal letter, signed by the business head and sealed, uploaded with it."""
    if q.channel is not u.QuoteChannel.FORMAL_LETTER:
        return [
            failed("POL-04", "NOT_A_FORMAL_LETTER", "only a formal quotation letter (报价函) is a quote", "channel")
        ]
    out: list[FailedCondition] = []
    if q.letter is None:
        return [failed("POL-04", "LETTER_MISSING", "the quotation letter must be uploaded with the quote", "letter")]
    if not q.letter.signed_by_business_head:
        out.append(failed("POL-04", "LETTER_NOT_SIGNED", "the letter is not signed by the business head", "letter"))
    if not q.letter.sealed:
        out.append(failed("POL-04", "LETTER_NOT_SEALED", "the letter does not bear the company seal", "letter"))
    return out
