"""The project aggregate: a project, its participants and stage, its quotes, contracts, premium and
payments, and the policy issued on it (POL-01 … POL-07). Pure: every I/O-derived fact (a verified
letter, today's date) is passed in. The agency through the registry (POL-08) is in ``domain.agency``;
milestones, the liability period, owners and overdue obligations (POL-09, POL-10, POL-13, XC-02) are in
``domain.milestones``; both change this aggregate and record its events.

A change records its events; the handler stores them with the state in one write (kit's unit of
work). A command that repeats a business fact already recorded (the same payment id, the same
policy id) records nothing and is answered as a duplicate.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from anju_contracts import FailedCondition, ReasonCode, Role
from anju_contracts import underwriting as u
from anju_contracts.base import Event
from anju_contracts.common import PartyRef, SubjectRef
from anju_contracts.policy import (
    DeliveryStandard,
    OwnerRef,
    PolicyIssued,
    PolicyUnit,
    ProjectStage,
    ResidentialType,
)
from anju_kit.deadlines import LegalClock, ObligationEvents, ObligationParties, TrackedDeadline, latest
from anju_kit.regions import Product
from anju_policy.domain.agency import Assignment
from anju_policy.domain.errors import PolicyError, failed, invalid_state, refuse_if
from anju_policy.domain.milestones_state import Milestones
from anju_policy.domain.owners import UnitOwner
from anju_policy.domain.pricing import ProjectFacts, estimate_amount, floating_factor, price, scope_failures, yuan
from anju_policy.domain.records import Adjustment, Payment, QuoteRecord, Signed, letter_failures
from anju_policy.domain.rules import PolicyRules

OBLIGATION_EVENTS = ObligationEvents(opened=u.ObligationOpened, fulfilled=u.ObligationFulfilled)
UPLOAD = "upload_contract_to_regulator"  # POL-07
DISPLAY_PRODUCT = {Product.IDI: "IDI", Product.SAFETY_LIABILITY: "安责险", Product.QUALITY_SAFETY: "质安保"}


class Project(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: str
    region: str  # the regulator of the region is owed the POL-07 upload
    insurer_id: str
    product_line: Product
    name: str
    location: str
    residential_type: ResidentialType
    delivery_standard: DeliveryStandard
    prefabrication_rate: Decimal
    plot_ratio: Decimal
    true_building_area_m2: Decimal
    units: list[u.ProjectUnit]
    participants: list[u.Participant]
    stage: ProjectStage
    stage_dates: dict[ProjectStage, date]
    quote: QuoteRecord | None = None
    quotes: int = 0
    adjustments: list[Adjustment] = Field(default_factory=list)
    risk_contract: Signed | None = None
    contract: Signed | None = None
    payments: list[Payment] = Field(default_factory=list)
    policy_id: str | None = None
    issued_on: date | None = None
    uploaded_on: date | None = None
    deadlines: list[TrackedDeadline] = Field(default_factory=list)
    assignment: Assignment | None = None  # POL-08: the selected agency and the registry's decision
    milestones: Milestones = Field(default_factory=Milestones)  # POL-09, POL-10
    owners: dict[str, list[UnitOwner]] = Field(default_factory=dict)  # unit id -> buyers (XC-09 protected)
    listed: int = 0  # revision of the last ProjectListed

    _pending: list[Event] = PrivateAttr(default_factory=list)

    # -- bookkeeping ------------------------------------------------------------------------------

    def _record(self, event: Event) -> None:
        self._pending.append(event)

    def pull_events(self) -> list[Event]:
        events, self._pending = self._pending, []
        return events

    def state(self) -> dict[str, object]:
        return self.model_dump(mode="json")

    @property
    def builder_id(self) -> str | None:
        return next((p.organisation_id for p in self.participants if p.role is u.ParticipantRole.BUILDER), None)

    @property
    def facts(self) -> ProjectFacts:
        return ProjectFacts(
            self.residential_type,
            self.delivery_standard,
            self.prefabrication_rate,
            self.plot_ratio,
            self.true_building_area_m2,
        )

    @property
    def premium(self) -> Decimal:
        return self.quote.premium if self.quote else Decimal("0.00")

    @property
    def paid(self) -> Decimal:
        return yuan(sum((p.amount for p in self.payments), Decimal("0.00")))

    @property
    def outstanding(self) -> Decimal:
        return yuan(self.premium - self.paid)

    # -- registration and quotes (POL-01 … POL-04) ------------------------------------------------

    @classmethod
    def register(cls, cmd: u.RegisterProject, rules: PolicyRules) -> Project:
        line = rules.line(cmd.product_line)
        if line is None:
            lines = ", ".join(p.value for p in rules.product_lines)
            raise PolicyError(
                ReasonCode.RULE_VIOLATION,
                f"region {rules.region} writes only: {lines}",
                rule_id="XC-06",
                field="product_line",
            )
        roles = [p.role for p in cmd.participants]
        if u.ParticipantRole.BUILDER not in roles or len(set(roles)) != len(roles):
            raise PolicyError(ReasonCode.VALIDATION_FAILED, "name one builder and each role once", field="participants")
        project = cls(
            project_id=cmd.project_id,
            region=rules.region,
            insurer_id=cmd.insurer_id,
            product_line=line,
            name=cmd.name,
            location=cmd.location,
            residential_type=cmd.residential_type,
            delivery_standard=cmd.delivery_standard,
            prefabrication_rate=cmd.prefabrication_rate,
            plot_ratio=cmd.plot_ratio,
            true_building_area_m2=cmd.true_building_area_m2,
            units=list(cmd.units),
            participants=list(cmd.participants),
            stage=cmd.stage,
            stage_dates={cmd.stage: cmd.stage_on},
        )
        quoted = project._priced(cmd.quotation, rules)  # refuses before anything is recorded
        project._record(
            u.ProjectRegistered(
                project_id=cmd.project_id,
                insurer_id=cmd.insurer_id,
                product_line=line.value,
                residential_type=cmd.residential_type,
                delivery_standard=cmd.delivery_standard,
                true_building_area_m2=cmd.true_building_area_m2,
                units=len(cmd.units),
                participants=cmd.participants,
                stage=cmd.stage,
                stage_on=cmd.stage_on,
            )
        )
        project._take_quote(quoted)
        project._listed()
        return project

    def _listed(self) -> None:
        """The listings' copy of the project (read models never read the aggregate)."""
        self.listed += 1
        self._record(
            u.ProjectListed(
                project_id=self.project_id,
                revision=self.listed,
                insurer_id=self.insurer_id,
                builder_id=self.builder_id,
                name=self.name,
                product_line=self.product_line.value,
                stage=self.stage,
                stage_on=self.stage_dates[self.stage],
            )
        )

    def submit_quotation(self, q: u.Quotation, rules: PolicyRules) -> None:
        if self.quote is not None and self.quote.quote_id == q.quote_id:
            return  # the same quote again
        if self.contract is not None:
            raise invalid_state("the insurance contract is signed: the premium changes only by adjustment (POL-01)")
        self._take_quote(self._priced(q, rules))

    def _priced(self, q: u.Quotation, rules: PolicyRules) -> QuoteRecord:
        failures = letter_failures(q)
        failures += scope_failures(self.facts, q.declared_area_m2, q.decoration_cost_included)
        factor, bounded = floating_factor(q.factors, rules.pricing)
        failures += bounded
        refuse_if(failures)  # POL-04 first: no letter, nothing else counts
        amount = estimate_amount(self.facts, rules.pricing)
        priced, floor = price(amount, self.product_line, factor, rules.pricing)
        refuse_if(floor)
        assert q.letter is not None  # letter_failures refused a quote without one
        return QuoteRecord(
            quote_id=q.quote_id,
            insured_amount=priced.insured_amount,
            amount_basis="estimate",
            base_rate=priced.base_rate,
            factors=dict(q.factors),
            floating_factor=priced.floating_factor,
            premium=priced.premium,
            letter_key=q.letter.document.key,
        )

    def _take_quote(self, quote: QuoteRecord) -> None:
        self.quote, self.quotes = quote, self.quotes + 1
        self._record(
            u.QuotationRecorded(
                project_id=self.project_id,
                quote_id=quote.quote_id,
                insured_amount_yuan=quote.insured_amount,
                amount_basis=quote.amount_basis,
                base_rate=quote.base_rate,
                factors=quote.factors,
                floating_factor=quote.floating_factor,
                premium_yuan=quote.premium,
                letter_key=quote.letter_key,
            )
        )

    def adjust_insured_amount(self, cmd: u.AdjustInsuredAmount, rules: PolicyRules) -> None:
        """POL-01: the amount follows the actual cost; the premium follows at the quoted rate."""
        if any(a.adjustment_id == cmd.adjustment_id for a in self.adjustments):
            return
        if self.quote is None:
            raise invalid_state("no quote to adjust", rule_id="POL-04")
        old = self.quote
        amount = yuan(cmd.actual_cost_yuan)
        priced, floor = price(amount, self.product_line, old.floating_factor, rules.pricing)
        refuse_if(floor)
        self.quote = old.model_copy(
            update={"insured_amount": amount, "amount_basis": "actual_cost", "premium": priced.premium}
        )
        delta = yuan(priced.premium - old.premium)
        self.adjustments.append(
            Adjustment(
                adjustment_id=cmd.adjustment_id, actual_cost=amount, premium=priced.premium, delta=delta, on=cmd.on
            )
        )
        self._record(
            u.InsuredAmountAdjusted(
                project_id=self.project_id,
                adjustment_id=cmd.adjustment_id,
                insurer_id=self.insurer_id,
                product_line=self.product_line.value,
                previous_amount_yuan=old.insured_amount,
                insured_amount_yuan=amount,
                previous_premium_yuan=old.premium,
                premium_yuan=priced.premium,
                premium_delta_yuan=delta,
                booked=self.contract is not None,
                on=cmd.on,
            )
        )

    # -- stages -----------------------------------------------------------------------------------

    def advance(self, stage: ProjectStage, on: date) -> None:
        """Stages move forward only, each on a day not before the previous stage's (POL-09)."""
        if stage == self.stage and self.stage_dates.get(stage) == on:
            return
        if stage.order <= self.stage.order:
            raise PolicyError(
                ReasonCode.RULE_VIOLATION,
                f"the project is at {self.stage.value}; stages only move forward",
                rule_id="POL-09",
                field="stage",
            )
        if on < self.stage_dates[self.stage]:
            raise PolicyError(
                ReasonCode.RULE_VIOLATION, "a stage cannot begin before the previous one", rule_id="POL-09", field="on"
            )
        previous, self.stage = self.stage, stage
        self.stage_dates[stage] = on
        self._record(
            u.StageAdvanced(project_id=self.project_id, stage=stage, previous=previous, on=on, policy_id=self.policy_id)
        )
        self._listed()

    # -- contracts (POL-05, POL-08) ---------------------------------------------------------------

    def record_risk_management_contract(self, cmd: u.RecordRiskManagementContract) -> None:
        """The contract is recorded when the registry assigns the selected agency's team; this older
        command only confirms it (POL-08)."""
        held = self.risk_contract
        if held is not None and (held.agency_id, held.fee) == (cmd.agency_id, cmd.first_period_fee_yuan):
            return
        raise invalid_state(
            "select the agency (policy.SelectAgency): the contract follows the registry's team assignment",
            rule_id="POL-08",
        )

    def sign_insurance_contract(self, cmd: u.SignInsuranceContract) -> None:
        if self.contract is not None:
            if self.contract.contract_id == cmd.contract_id:
                return
            raise PolicyError(ReasonCode.CONFLICT, "another insurance contract is signed", field="contract_id")
        failures: list[FailedCondition] = []
        if self.quote is None:
            failures.append(failed("POL-04", "NO_QUOTE", "no formal quote precedes the contract"))
        if self.stage is not ProjectStage.DESIGN:
            failures.append(
                failed(
                    "POL-05",
                    "AFTER_DESIGN_STAGE",
                    "the contract is signed before the construction-drawing design stage",
                    "stage",
                )
            )
        if self.risk_contract is None:
            failures.append(
                failed(
                    "POL-08",
                    "NO_RISK_MANAGEMENT_CONTRACT" if self.assignment is None else "TEAM_NOT_ASSIGNED",
                    "the registry assigns an admitted agency's team, and its risk-management contract comes first",
                )
            )
        refuse_if(failures)
        self.contract = Signed(contract_id=cmd.contract_id, signed_on=cmd.signed_on)
        self._record(
            u.InsuranceContractSigned(
                project_id=self.project_id,
                contract_id=cmd.contract_id,
                insurer_id=self.insurer_id,
                product_line=self.product_line.value,
                premium_yuan=self.premium,
                signed_on=cmd.signed_on,
            )
        )

    # -- premium and issue (POL-06, POL-07) -------------------------------------------------------

    def record_payment(self, cmd: u.RecordPremiumPayment) -> None:
        if any(p.payment_id == cmd.payment_id for p in self.payments):
            return
        if self.contract is None:
            raise invalid_state("no insurance contract: no premium is owed yet", rule_id="POL-06")
        self.payments.append(Payment(payment_id=cmd.payment_id, amount=cmd.amount_yuan, paid_on=cmd.paid_on))
        self._record(
            u.PremiumPaymentRecorded(
                project_id=self.project_id,
                payment_id=cmd.payment_id,
                insurer_id=self.insurer_id,
                product_line=self.product_line.value,
                amount_yuan=cmd.amount_yuan,
                paid_total_yuan=self.paid,
                outstanding_yuan=self.outstanding,
                paid_on=cmd.paid_on,
            )
        )

    def issue(self, cmd: u.IssuePolicy, rules: PolicyRules, *, at: datetime) -> None:
        """见费出单 (POL-06): only with the full premium received; opens the POL-07 upload obligation."""
        if self.policy_id is not None:
            if self.policy_id == cmd.policy_id:
                return
            raise PolicyError(ReasonCode.CONFLICT, "a policy is issued on this project already", field="policy_id")
        if self.contract is None:
            raise invalid_state("no insurance contract is signed", rule_id="POL-05")
        if self.outstanding > 0:
            raise PolicyError(
                ReasonCode.RULE_VIOLATION,
                f"{self.outstanding} yuan of the premium is outstanding",
                rule_id="POL-06",
                failures=[
                    failed("POL-06", "PREMIUM_OUTSTANDING", f"{self.outstanding} yuan outstanding of {self.premium}")
                ],
            )
        self.policy_id, self.issued_on = cmd.policy_id, cmd.issued_on
        self._record(
            PolicyIssued(
                policy_id=cmd.policy_id,
                project_id=self.project_id,
                insurer_id=self.insurer_id,
                product=DISPLAY_PRODUCT[self.product_line],
                issued_on=cmd.issued_on,
                units=tuple(
                    PolicyUnit(unit_id=x.unit_id, address=x.address, owners=self.owner_refs(x.unit_id))
                    for x in self.units
                ),
                product_line=self.product_line.value,
                coverage_sections=tuple(rules.coverage_sections[self.product_line]),
                stage=self.stage,
            )
        )
        self._clock(at).open(rules.upload_deadline(cmd.issued_on), UPLOAD)

    def record_regulator_upload(self, cmd: u.RecordRegulatorUpload, *, at: datetime) -> None:
        if self.policy_id is None:
            raise invalid_state("no policy is issued yet", rule_id="POL-07")
        if self.uploaded_on is not None:
            return
        self.uploaded_on = cmd.uploaded_on
        self._record(
            u.PolicyUploadedToRegulator(
                project_id=self.project_id, policy_id=self.policy_id, uploaded_on=cmd.uploaded_on
            )
        )
        deadline = latest(self.deadlines, UPLOAD, "open")
        if deadline is not None:
            self._clock(at).meet(deadline, on=cmd.uploaded_on)

    def owner_refs(self, unit_id: str) -> tuple[OwnerRef, ...]:
        return tuple(o.ref() for o in self.owners.get(unit_id, []))

    def _clock(self, at: datetime) -> LegalClock:
        return LegalClock(self.deadlines, at=at, parties=self._parties, events=OBLIGATION_EVENTS, record=self._record)

    def _parties(self) -> ObligationParties | None:
        if self.policy_id is None:
            return None
        return ObligationParties(
            debtor=PartyRef(role=Role.INSURER, id=self.insurer_id),
            creditor=PartyRef(role=Role.REGULATOR, id=self.region),
            subject=SubjectRef(kind="policy", id=self.policy_id),
        )
