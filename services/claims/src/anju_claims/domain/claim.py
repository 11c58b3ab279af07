"""The Claim aggregate (理赔案件): from report to repair or payment, on the legal clock.

Each method checks the SPEC rule it enforces, changes state and records the contract event that
says so; a refused command raises :class:`ClaimError` before anything changes. Deadlines are
counted by the kit calendar (XC-01) and kept on the claim with the rule that set them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, PrivateAttr

from anju_claims.domain.coverage import CoverageRefusal, PolicyCoverage
from anju_claims.domain.errors import ClaimError, Conditions, conflict, rule_violation, wrong_state
from anju_claims.domain.rules import ClaimsRules
from anju_claims.domain.warranty import RepairWarranty, find_warranty
from anju_contracts import ReasonCode, Role
from anju_contracts import claims as c
from anju_contracts.base import Event
from anju_contracts.common import PartyRef, SubjectRef
from anju_contracts.policy import BuildingPart
from anju_kit.calendar import shanghai_day
from anju_kit.clock import SHANGHAI
from anju_kit.deadlines import (
    LegalClock,
    ObligationEvents,
    ObligationParties,
    TrackedDeadline,
    latest,
    next_due_at,
    take_overdue,
)

S = c.ClaimStatus
# Refusals a CLM-06 repair warranty overrides: the period is over, but the warranty still holds.
_PERIOD_REFUSALS = frozenset({"POLICY_ENDED", "PART_PERIOD_OVER"})
_FINISHED = frozenset({S.REFUSED, S.WITHDRAWN, S.NOT_LIABLE})
_PERFORMED = frozenset({S.REPAIRED, S.PAID})
# A report time a little ahead of our clock is skew; far ahead is bad input.
_CLOCK_SKEW = timedelta(minutes=10)

CLM03_PERFORM = "perform_compensation"
CLM04_NOTICE = "rejection_notice"
CLM06_WARRANTY = "repair_warranty"
# What the notify service ledgers (XC-02): published on the claims events topic with the step's events.
OBLIGATION_EVENTS = ObligationEvents(opened=c.ObligationOpened, fulfilled=c.ObligationFulfilled)


class AttachedEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: c.EvidenceRef
    stage: c.EvidenceStage


class Agreement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: c.CompensationMode
    amount_fen: int
    agreed_on: date
    money_agreed_by_owner: bool


class Payment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str
    amount_fen: int
    paid_on: date


class Claim(BaseModel):
    """State of one claim. Persisted as a document; ``pending`` events ride along (outbox)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    claim_id: str
    status: c.ClaimStatus
    unit_id: str
    owner_id: str
    part: BuildingPart
    item: str
    location: str
    description: str
    reported_at: datetime  # the platform's receipt time: it decides coverage (CLM-01)
    channel: c.ReportChannel
    # The time the sender says the report was made: kept and shown, never deciding (CLM-01), so a
    # back-dated report cannot reach back into an ended policy. Old stored claims have none.
    claimed_reported_at: datetime | None = None
    policy_id: str | None = None
    project_id: str | None = None
    insurer_id: str | None = None
    contractor_id: str | None = None
    reported_within_period: bool = False
    linked_claim_id: str | None = None
    refusal: dict[str, str | None] | None = None
    evidence: list[AttachedEvidence] = []
    survey_scheduled_at: datetime | None = None
    surveyor_id: str | None = None
    surveyed_at: datetime | None = None
    survey_findings: str | None = None
    decision: c.Decision | None = None
    decided_at: datetime | None = None
    reasons: list[c.Reason] = []
    exclusion: c.Exclusion | None = None
    agreement: Agreement | None = None
    repairer_id: str | None = None
    repairer_name: str | None = None
    repair_assigned_on: date | None = None
    repair_completed_on: date | None = None
    repair_summary: str | None = None
    payments: list[Payment] = []
    dispute_open: bool = False
    disputes: list[c.DisputeOpened] = []
    appraisals: list[c.AppraisalRecorded] = []
    subrogation: list[c.SubrogationRecorded] = []
    deadlines: list[TrackedDeadline] = []
    rejection_notice: c.EvidenceRef | None = None
    warranty_statement: c.EvidenceRef | None = None
    withdrawn_reason: str | None = None

    _pending: list[Event] = PrivateAttr(default_factory=list)

    # -- events --------------------------------------------------------------------------------

    def pull_events(self) -> list[Event]:
        """The events recorded since load, once; the caller stores them with the state (outbox)."""
        events, self._pending = self._pending, []
        return events

    @property
    def pending_events(self) -> tuple[Event, ...]:
        return tuple(self._pending)

    def _record(self, event: Event) -> None:
        self._pending.append(event)

    # -- intake (CLM-01, CLM-02, CLM-06, CLM-10, POL-13) ----------------------------------------

    @classmethod
    def report(
        cls,
        cmd: c.ReportClaim,
        *,
        coverage: PolicyCoverage | None,
        warranties: Sequence[RepairWarranty],
        rules: ClaimsRules,
        received_at: datetime,
    ) -> Claim:
        """A new claim, either reported or refused at intake with the reason (never silently dropped).

        ``received_at`` is the platform's receipt time (its clock when the command is taken in) and
        alone decides coverage (CLM-01); the sender's ``reported_at`` is kept as information only.
        """
        claimed = cmd.reported_at
        if claimed is not None and claimed > received_at + _CLOCK_SKEW:
            raise ClaimError(ReasonCode.VALIDATION_FAILED, "reported_at lies in the future", field="reported_at")
        reported_at = received_at
        reported_on = shanghai_day(reported_at)
        claim = cls(
            claim_id=cmd.claim_id,
            status=S.REPORTED,
            unit_id=cmd.unit_id,
            owner_id=cmd.owner_id,
            part=cmd.part,
            item=cmd.item,
            location=cmd.location,
            description=cmd.description,
            reported_at=reported_at,
            claimed_reported_at=claimed,
            channel=cmd.channel,
            evidence=[AttachedEvidence(ref=ref, stage=c.EvidenceStage.REPORT) for ref in cmd.evidence],
        )
        if coverage is None:
            claim._refuse(CoverageRefusal("UNIT_NOT_COVERED", "CLM-01", "该房屋没有有效的潜在缺陷保险保单。"))
            return claim
        claim.policy_id, claim.project_id = coverage.policy_id, coverage.project_id
        claim.insurer_id, claim.contractor_id = coverage.insurer_id, coverage.contractor_id
        refusal = coverage.check_report(cmd.unit_id, cmd.owner_id, cmd.part, reported_on, rules)
        link = find_warranty(warranties, cmd.unit_id, cmd.part, cmd.item, cmd.location, reported_at)
        if refusal is not None and not (link is not None and refusal.reason_code in _PERIOD_REFUSALS):
            claim._refuse(refusal)
            return claim
        claim.linked_claim_id = link.claim_id if link is not None else None
        claim.reported_within_period = coverage.in_insurance_period(reported_on)
        claim._record(
            c.ClaimReported(
                claim_id=claim.claim_id,
                policy_id=coverage.policy_id,
                project_id=coverage.project_id,
                insurer_id=coverage.insurer_id,
                unit_id=claim.unit_id,
                owner_id=claim.owner_id,
                part=claim.part,
                item=claim.item,
                location=claim.location,
                description=claim.description,
                reported_at=reported_at,
                channel=claim.channel,
                evidence=cmd.evidence,
                linked_claim_id=claim.linked_claim_id,
            )
        )
        return claim

    def _refuse(self, refusal: CoverageRefusal) -> None:
        self.status = S.REFUSED
        self.refusal = {
            "reason_code": refusal.reason_code,
            "rule_id": refusal.rule_id,
            "reason": refusal.reason,
            "routed_to": refusal.routed_to,
        }
        self._record(
            c.ClaimRefused(
                claim_id=self.claim_id,
                unit_id=self.unit_id,
                owner_id=self.owner_id,
                policy_id=self.policy_id,
                insurer_id=self.insurer_id,
                part=self.part,
                reason_code=refusal.reason_code,
                rule_id=refusal.rule_id,
                reason=refusal.reason,
                routed_to=refusal.routed_to,
                contractor_id=refusal.contractor_id,
                refused_at=self.reported_at,
            )
        )

    @property
    def earliest_report_at(self) -> datetime:
        """When the owner may first have reported (e.g. by phone to the 24-hour line before the
        insurer's system sent it on): a plausibility bound for the survey time, never for coverage."""
        if self.claimed_reported_at is not None and self.claimed_reported_at < self.reported_at:
            return self.claimed_reported_at
        return self.reported_at

    def same_report(self, cmd: c.ReportClaim) -> bool:
        """A replayed report (same id, same content) is a no-op; a different one is a conflict."""
        return (cmd.unit_id, cmd.owner_id, cmd.part, cmd.item, cmd.location) == (
            self.unit_id,
            self.owner_id,
            self.part,
            self.item,
            self.location,
        )

    # -- survey (CLM-02) -----------------------------------------------------------------------

    def schedule_survey(self, cmd: c.ScheduleSurvey) -> None:
        self._require({S.REPORTED, S.SURVEY_SCHEDULED}, "a survey can be scheduled only for an open report")
        if (self.survey_scheduled_at, self.surveyor_id) == (cmd.scheduled_at, cmd.surveyor_id):
            return
        self.status, self.survey_scheduled_at, self.surveyor_id = S.SURVEY_SCHEDULED, cmd.scheduled_at, cmd.surveyor_id
        self._record(
            c.SurveyScheduled(claim_id=self.claim_id, scheduled_at=cmd.scheduled_at, surveyor_id=cmd.surveyor_id)
        )

    def record_survey(self, cmd: c.RecordSurvey) -> None:
        if self.status is S.SURVEYED and self.surveyed_at == cmd.surveyed_at and self.survey_findings == cmd.findings:
            return
        self._require({S.REPORTED, S.SURVEY_SCHEDULED}, "the survey is recorded after the report (CLM-02)")
        if cmd.surveyed_at < self.earliest_report_at:
            raise ClaimError(ReasonCode.VALIDATION_FAILED, "the survey cannot precede the report", field="surveyed_at")
        self.status, self.surveyed_at = S.SURVEYED, cmd.surveyed_at
        self.surveyor_id, self.survey_findings = cmd.surveyor_id, cmd.findings
        self.evidence += [AttachedEvidence(ref=ref, stage=c.EvidenceStage.SURVEY) for ref in cmd.evidence]
        self._record(
            c.SurveyRecorded(
                claim_id=self.claim_id,
                surveyed_at=cmd.surveyed_at,
                surveyor_id=cmd.surveyor_id,
                findings=cmd.findings,
                evidence=cmd.evidence,
            )
        )

    # -- decision (CLM-04, CLM-07) -------------------------------------------------------------

    def decide(self, cmd: c.DecideClaim, rules: ClaimsRules) -> None:
        if self.decided_at == cmd.decided_at and self.decision is cmd.decision:
            return  # replay
        if self.status in {S.REPORTED, S.SURVEY_SCHEDULED}:
            raise wrong_state("decide only after the site survey is recorded (CLM-02)", field="decision")
        self._require({S.SURVEYED}, "the claim is already decided")
        notice_due: TrackedDeadline | None = None
        if cmd.decision is c.Decision.NOT_COVERED:
            conditions = Conditions()
            conditions.require(
                bool(cmd.reasons),
                "CLM-04",
                "REASONS_MISSING",
                "a not-covered decision must state its reasons",
                field="reasons",
            )
            conditions.require(
                cmd.exclusion is None or bool(cmd.exclusion_evidence),
                "CLM-07",
                "EXCLUSION_EVIDENCE_MISSING",
                "an exclusion needs the insurer's evidence",
                field="exclusion_evidence",
            )
            conditions.enforce()
            notice_due = self._clock(cmd.decided_at).open(
                rules.natural_days(cmd.decided_at, rules.rejection_notice_days, "CLM-04"), CLM04_NOTICE
            )
        elif cmd.exclusion is not None:
            raise ClaimError(
                ReasonCode.VALIDATION_FAILED, "an exclusion contradicts a covered decision", field="exclusion"
            )
        self.status = S.COVERED if cmd.decision is c.Decision.COVERED else S.NOT_COVERED
        self.decision, self.decided_at = cmd.decision, cmd.decided_at
        self.reasons, self.exclusion = list(cmd.reasons), cmd.exclusion
        self.evidence += [AttachedEvidence(ref=ref, stage=c.EvidenceStage.EXCLUSION) for ref in cmd.exclusion_evidence]
        self._record(
            c.ClaimDecided(
                claim_id=self.claim_id,
                decision=cmd.decision,
                decided_at=cmd.decided_at,
                reasons=cmd.reasons,
                exclusion=cmd.exclusion,
                exclusion_evidence=cmd.exclusion_evidence,
                rejection_notice_due=notice_due.info() if notice_due else None,
            )
        )

    def issue_rejection_notice(self, document: c.EvidenceRef, now: datetime) -> None:
        """The rejection notice (不予赔偿通知书) went out: CLM-04 met."""
        if self.rejection_notice is not None and self._deadline(CLM04_NOTICE, "met") is not None:
            return
        deadline = self._deadline(CLM04_NOTICE, "open")
        if self.decision is not c.Decision.NOT_COVERED or deadline is None:
            raise wrong_state("a rejection notice follows a not-covered decision (CLM-04)")
        self._clock(now).meet(deadline)
        self.rejection_notice = document
        self._record(
            c.RejectionNoticeIssued(
                claim_id=self.claim_id, document=document, issued_at=now, reasons=tuple(self.reasons)
            )
        )

    # -- dispute and appraisal (CLM-08) --------------------------------------------------------

    def open_dispute(self, cmd: c.OpenDispute) -> None:
        if self.dispute_open and self.disputes and self.disputes[-1].statement == cmd.statement:
            return
        self._require({S.COVERED, S.NOT_COVERED}, "only a decision can be disputed, before the agreement (CLM-08)")
        event = c.DisputeOpened(
            claim_id=self.claim_id,
            raised_by=cmd.raised_by,
            opened_on=cmd.opened_on,
            statement=cmd.statement,
            written_request=cmd.written_request,
        )
        self.status, self.dispute_open = S.DISPUTED, True
        self.disputes.append(event)
        self._record(event)

    def record_appraisal(self, cmd: c.RecordAppraisal, rules: ClaimsRules) -> None:
        self._require({S.DISPUTED}, "an appraisal answers an open dispute (CLM-08)")
        conditions = Conditions()
        for field, ok, code, what in (
            ("qualified", cmd.qualified, "APPRAISER_UNQUALIFIED", "hold the qualification for the matter"),
            ("independent", cmd.independent, "APPRAISER_NOT_INDEPENDENT", "have no interest in the dispute"),
            ("jointly_chosen", cmd.jointly_chosen, "APPRAISER_NOT_JOINTLY_CHOSEN", "be chosen jointly by the parties"),
        ):
            conditions.require(ok, "CLM-08", code, f"the appraiser must {what}", field=field)
        conditions.enforce()
        event = c.AppraisalRecorded(
            claim_id=self.claim_id,
            appraiser_id=cmd.appraiser_id,
            appraiser_name=cmd.appraiser_name,
            appraised_on=cmd.appraised_on,
            outcome=cmd.outcome,
            summary=cmd.summary,
            report=cmd.report,
        )
        self.appraisals.append(event)
        self.dispute_open = False
        self._record(event)
        if cmd.report is not None:
            self.evidence.append(AttachedEvidence(ref=cmd.report, stage=c.EvidenceStage.APPRAISAL))
        previous = self.decision
        notice_due: TrackedDeadline | None = None
        clock = self._clock(_noon(cmd.appraised_on))
        if cmd.outcome is c.Decision.COVERED:
            clock.cancel(CLM04_NOTICE)  # the refusal fell; no notice is owed any more
        elif previous is not c.Decision.NOT_COVERED:
            notice_due = clock.open(
                rules.natural_days(cmd.appraised_on, rules.rejection_notice_days, "CLM-04"), CLM04_NOTICE
            )
            self.reasons = [c.Reason(code="APPRAISAL", text=f"第三方鉴定结论：{cmd.summary}")]
            self.rejection_notice = None
        self.status = S.COVERED if cmd.outcome is c.Decision.COVERED else S.NOT_COVERED
        self.decision = cmd.outcome
        self._record(
            c.ClaimDecided(
                claim_id=self.claim_id,
                decision=cmd.outcome,
                decided_at=_noon(cmd.appraised_on),
                reasons=tuple(self.reasons) if cmd.outcome is c.Decision.NOT_COVERED else (),
                rejection_notice_due=notice_due.info() if notice_due else None,
                by_appraisal=True,
            )
        )

    # -- agreement and performance (CLM-03, CLM-05) --------------------------------------------

    def record_agreement(self, cmd: c.RecordAgreement, rules: ClaimsRules) -> None:
        agreement = Agreement(
            mode=cmd.mode,
            amount_fen=cmd.amount_fen,
            agreed_on=cmd.agreed_on,
            money_agreed_by_owner=cmd.money_agreed_by_owner,
        )
        if self.agreement is not None:
            if self.agreement == agreement:
                return  # the same agreement again: still one payment obligation
            raise conflict("a different agreement is already recorded for this claim", field="agreed_on")
        self._require({S.COVERED}, "an agreement follows a covered decision (CLM-03)")
        if cmd.mode is c.CompensationMode.MONEY and not cmd.money_agreed_by_owner:
            raise rule_violation("CLM-05", "repair comes first: money only where agreed", field="money_agreed_by_owner")
        if self.decided_at is not None and cmd.agreed_on < shanghai_day(self.decided_at):
            raise ClaimError(
                ReasonCode.VALIDATION_FAILED, "the agreement cannot precede the decision", field="agreed_on"
            )
        due = self._clock(_noon(cmd.agreed_on)).open(
            rules.natural_days(cmd.agreed_on, rules.performance_days, "CLM-03"), CLM03_PERFORM
        )
        self.status, self.agreement = S.AGREED, agreement
        self._record(
            c.AgreementRecorded(
                claim_id=self.claim_id,
                mode=cmd.mode,
                amount_fen=cmd.amount_fen,
                agreed_on=cmd.agreed_on,
                performance_due=due.info(),
                document=cmd.document,
            )
        )

    def assign_repair(self, cmd: c.AssignRepair) -> None:
        if self.status is S.REPAIR_ASSIGNED and self.repairer_id == cmd.repairer_id:
            return
        self._require({S.AGREED, S.REPAIR_ASSIGNED}, "a repair is assigned after the agreement")
        if self.agreement is None or self.agreement.mode is not c.CompensationMode.REPAIR:
            raise rule_violation("CLM-05", "the agreement is for money, not repair", field="repairer_id")
        self.status, self.repairer_id, self.repairer_name = S.REPAIR_ASSIGNED, cmd.repairer_id, cmd.repairer_name
        self.repair_assigned_on = cmd.assigned_on
        self._record(
            c.RepairAssigned(
                claim_id=self.claim_id,
                repairer_id=cmd.repairer_id,
                repairer_name=cmd.repairer_name,
                qualification=cmd.qualification,
                assigned_on=cmd.assigned_on,
            )
        )

    def complete_repair(self, cmd: c.CompleteRepair, rules: ClaimsRules, now: datetime) -> None:
        if self.status is S.REPAIRED and self.repair_completed_on == cmd.completed_on:
            return
        self._require({S.REPAIR_ASSIGNED}, "a repair completes after it was assigned (CLM-05)")
        if self.repair_assigned_on is not None and cmd.completed_on < self.repair_assigned_on:
            raise ClaimError(ReasonCode.VALIDATION_FAILED, "completion precedes assignment", field="completed_on")
        clock = self._clock(now)
        perform = latest(self.deadlines, CLM03_PERFORM, "open")
        if perform is not None:
            clock.meet(perform, on=cmd.completed_on)
        warranty = clock.open(
            rules.natural_days(cmd.completed_on, rules.repair_warranty_days, "CLM-06"), CLM06_WARRANTY, kind="window"
        )
        self.status, self.repair_completed_on, self.repair_summary = S.REPAIRED, cmd.completed_on, cmd.summary
        self.evidence += [AttachedEvidence(ref=ref, stage=c.EvidenceStage.REPAIR) for ref in cmd.evidence]
        self._record(
            c.RepairCompleted(
                claim_id=self.claim_id,
                unit_id=self.unit_id,
                part=self.part,
                item=self.item,
                location=self.location,
                completed_on=cmd.completed_on,
                summary=cmd.summary,
                evidence=cmd.evidence,
                warranty_end=warranty.info(),
            )
        )

    def issue_warranty_statement(self, document: c.EvidenceRef, now: datetime) -> None:
        """The repair completion and warranty statement went out to the owner (CLM-06)."""
        if self.warranty_statement is not None:
            return
        warranty = self._deadline(CLM06_WARRANTY, None)
        if self.status is not S.REPAIRED or warranty is None:
            raise wrong_state("a warranty statement follows a completed repair (CLM-06)")
        self.warranty_statement = document
        self._record(
            c.RepairWarrantyStatementIssued(
                claim_id=self.claim_id, document=document, issued_at=now, warranty_end=warranty.info()
            )
        )

    def repair_warranty(self) -> RepairWarranty | None:
        """The CLM-06 warranty this claim's repair gives, for linking later reports."""
        warranty = self._deadline(CLM06_WARRANTY, None)
        if warranty is None or not self.reported_within_period:
            return None
        return RepairWarranty(
            claim_id=self.claim_id,
            unit_id=self.unit_id,
            part=self.part,
            item=self.item,
            location=self.location,
            ends_at=warranty.due_at,
        )

    def record_payment(self, cmd: c.RecordPayment, now: datetime) -> None:
        for paid in self.payments:
            if paid.reference == cmd.payment_reference:
                if (paid.amount_fen, paid.paid_on) == (cmd.amount_fen, cmd.paid_on):
                    return
                raise conflict("this payment reference was recorded with other figures", field="payment_reference")
        self._require({S.AGREED}, "a payment follows the agreement (CLM-03)")
        if self.agreement is None or self.agreement.mode is not c.CompensationMode.MONEY:
            raise rule_violation("CLM-05", "the agreement is for repair; money only where agreed", field="amount_fen")
        total = sum(p.amount_fen for p in self.payments) + cmd.amount_fen
        if total > self.agreement.amount_fen:
            raise ClaimError(ReasonCode.VALIDATION_FAILED, "payments exceed the agreed amount", field="amount_fen")
        self.payments.append(Payment(reference=cmd.payment_reference, amount_fen=cmd.amount_fen, paid_on=cmd.paid_on))
        fully_paid = total == self.agreement.amount_fen
        if fully_paid:
            self.status = S.PAID
            perform = latest(self.deadlines, CLM03_PERFORM, "open")
            if perform is not None:
                self._clock(now).meet(perform, on=cmd.paid_on)
        self._record(
            c.PaymentRecorded(
                claim_id=self.claim_id,
                amount_fen=cmd.amount_fen,
                paid_on=cmd.paid_on,
                payment_reference=cmd.payment_reference,
                fully_paid=fully_paid,
            )
        )

    # -- subrogation (CLM-09), withdrawal, evidence ----------------------------------------------

    def record_subrogation(self, cmd: c.RecordSubrogation) -> None:
        if self.status in _FINISHED:
            raise wrong_state(f"the claim is {self.status.value}")
        performed = self.status in _PERFORMED or bool(self.payments)
        if cmd.kind is c.SubrogationKind.RECOVERY and not performed:
            raise rule_violation("CLM-09", "the insurer recovers only after it paid or repaired", field="kind")
        released = cmd.kind is c.SubrogationKind.WAIVER and not performed
        event = c.SubrogationRecorded(
            claim_id=self.claim_id,
            kind=cmd.kind,
            occurred_on=cmd.occurred_on,
            liable_party=cmd.liable_party,
            liable_party_id=cmd.liable_party_id,
            amount_fen=cmd.amount_fen,
            insurer_released=released,
            builder_cooperation_requested=cmd.kind is c.SubrogationKind.RECOVERY,
        )
        if event in self.subrogation:
            return
        if released:
            self.status = S.NOT_LIABLE
            self._clock(_noon(cmd.occurred_on)).cancel(CLM03_PERFORM)
        self.subrogation.append(event)
        self._record(event)

    def withdraw(self, cmd: c.WithdrawClaim, now: datetime) -> None:
        if self.status is S.WITHDRAWN:
            return
        if self.status in _FINISHED or self.status in _PERFORMED:
            raise wrong_state(f"a {self.status.value} claim cannot be withdrawn")
        self.status, self.withdrawn_reason = S.WITHDRAWN, cmd.reason
        self._clock(now).cancel(kind="obligation")  # a window (a past repair's warranty) still holds
        self._record(c.ClaimWithdrawn(claim_id=self.claim_id, reason=cmd.reason, withdrawn_at=now))

    def attach_evidence(self, cmd: c.AttachEvidence) -> None:
        if any(e.ref.key == cmd.evidence.key for e in self.evidence):
            return
        if self.status in _FINISHED:
            raise wrong_state(f"evidence cannot be attached to a {self.status.value} claim")
        self.evidence.append(AttachedEvidence(ref=cmd.evidence, stage=cmd.stage))
        self._record(c.EvidenceAttached(claim_id=self.claim_id, evidence=cmd.evidence, stage=cmd.stage))

    def evidence_keys(self) -> frozenset[str]:
        return frozenset(e.ref.key for e in self.evidence)

    # -- the legal clock (XC-01, XC-02) --------------------------------------------------------

    @property
    def next_due_at(self) -> datetime | None:
        """Earliest open obligation not yet reported overdue: what the due-timer sweeper waits for."""
        return next_due_at(self.deadlines)

    def state_changed(self, version: int) -> c.ClaimStateChanged:
        """The claim as it stands at ``version``: the one event read models fold (event-carried state)."""
        open_obligations = [d for d in self.deadlines if d.kind == "obligation" and d.state == "open"]
        next_due = min(open_obligations, key=lambda d: d.due_at) if open_obligations else None
        return c.ClaimStateChanged(
            claim_id=self.claim_id,
            version=version,
            status=self.status,
            unit_id=self.unit_id,
            owner_id=self.owner_id,
            insurer_id=self.insurer_id,
            policy_id=self.policy_id,
            project_id=self.project_id,
            reported_at=self.reported_at,
            next_due=next_due.info() if next_due else None,
        )

    def fire_overdue(self, now: datetime) -> list[c.DeadlineOverdue]:
        """Record one DeadlineOverdue per obligation that passed unmet; never twice for one deadline."""
        fired = [
            c.DeadlineOverdue(claim_id=self.claim_id, deadline=deadline.info(), detected_at=now)
            for deadline in take_overdue(self.deadlines, now)
        ]
        for event in fired:
            self._record(event)
        return fired

    def _clock(self, at: datetime) -> LegalClock:
        """The claim's deadlines, changed by a step that happens ``at``."""
        return LegalClock(
            self.deadlines, at=at, parties=self._obligation_parties, events=OBLIGATION_EVENTS, record=self._record
        )

    def _obligation_parties(self) -> ObligationParties | None:
        """Who owes the claim's deadlines to whom. Deadlines follow a decision, so the claim's policy
        named its insurer; were it ever missing, the deadlines would still run, unpublished."""
        if self.insurer_id is None:
            return None
        return ObligationParties(
            debtor=PartyRef(role=Role.INSURER, id=self.insurer_id),
            creditor=PartyRef(role=Role.OWNER, id=self.owner_id),
            subject=SubjectRef(kind="claim", id=self.claim_id),
        )

    def _deadline(self, obligation: str, state: str | None) -> TrackedDeadline | None:
        return latest(self.deadlines, obligation, state)

    def _require(self, allowed: set[c.ClaimStatus], detail: str) -> None:
        if self.status not in allowed:
            raise wrong_state(f"{detail} (claim is {self.status.value})")


def _noon(day: date) -> datetime:
    # An appraisal has a day, not an instant; noon Shanghai keeps the day whatever the reader's zone.
    return datetime(day.year, day.month, day.day, 12, tzinfo=SHANGHAI)
