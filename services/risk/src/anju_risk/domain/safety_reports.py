"""Periodic safety outputs (SAF-04): each month's, quarter's and year's hazard list and risk report, owed by
the agency to the insurer and to the local authority ``report_delivery_working_days`` after the period
ends. Pure; the handler renders the PDF and stores it before the one write that issues it.

Each period of the region's ``report_periods`` is on the legal clock from the first safety step in it
(or the sweep that finds the previous one overdue): two obligations, one per recipient, met when the
report is issued (the platform delivers it: the event reaches both).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import ReasonCode, Role
from anju_contracts import safety as s
from anju_contracts.common import EvidenceRef, PartyRef, SubjectRef
from anju_kit.calendar import shanghai_day
from anju_kit.deadlines import LegalClock, ObligationParties, TrackedDeadline, latest
from anju_kit.regions import SafetyRules
from anju_risk.domain.coverage import quarter_last_day, quarter_of
from anju_risk.domain.errors import RiskError, invalid_state
from anju_risk.domain.rules import Calendar

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile

DELIVERY = {s.Recipient.INSURER: "safety_report_insurer", s.Recipient.AUTHORITY: "safety_report_authority"}
PERIOD_ZH = {s.ReportPeriod.MONTHLY: "月度", s.ReportPeriod.QUARTERLY: "季度", s.ReportPeriod.YEARLY: "年度"}


class PeriodReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: s.ReportPeriod
    period_key: str
    report_id: str | None = None
    document: EvidenceRef | None = None
    issued_at: datetime | None = None
    deadlines: list[TrackedDeadline] = Field(default_factory=list)


def key_of(period: s.ReportPeriod, day: date) -> str:
    if period is s.ReportPeriod.MONTHLY:
        return f"{day.year}-{day.month:02d}"
    if period is s.ReportPeriod.QUARTERLY:
        return quarter_of(day)
    return str(day.year)


def period_of(key: str) -> s.ReportPeriod:
    if "Q" in key:
        return s.ReportPeriod.QUARTERLY
    return s.ReportPeriod.MONTHLY if "-" in key else s.ReportPeriod.YEARLY


def days_of(key: str) -> tuple[date, date]:
    """The first and last day of a period key (2026-07, 2026Q3, 2026)."""
    period = period_of(key)
    if period is s.ReportPeriod.QUARTERLY:
        last = quarter_last_day(key)
        return date(last.year, last.month - 2, 1), last
    if period is s.ReportPeriod.MONTHLY:
        year, month = int(key[:4]), int(key[5:])
        first = date(year, month, 1)
        following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return first, following - timedelta(days=1)
    year = int(key)
    return date(year, 1, 1), date(year, 12, 31)


def ensure_periods(risk_file: RiskFile, rules: SafetyRules, calendar: Calendar, at: datetime) -> None:
    """The current period of each kind the region asks for is on the legal clock once there is a plan."""
    work = risk_file.safety
    if work.plan is None or work.destroyed_at is not None or risk_file.agency_id is None:
        return
    today = shanghai_day(at)
    for kind in rules.report_periods:
        period = s.ReportPeriod(kind.value)
        key = key_of(period, today)
        if key in work.reports:
            continue
        report = work.reports[key] = PeriodReport(period=period, period_key=key)
        due = calendar.add_working_days(days_of(key)[1], rules.report_delivery_working_days, rule_id="SAF-04")
        for recipient, obligation in DELIVERY.items():
            delivery_clock(risk_file, report, at, recipient).open(due, obligation)


def check_can_issue(risk_file: RiskFile, cmd: s.IssueSafetyReport, rules: SafetyRules, *, at: datetime) -> bool:
    """False for the same report again (nothing to render); refusals before anything is rendered."""
    work = risk_file.safety
    if work.plan is None:
        raise invalid_state("no safety service plan yet (SAF-01)", rule_id="SAF-01", field="project_id")
    if cmd.period.value not in {p.value for p in rules.report_periods}:
        raise RiskError(
            ReasonCode.VALIDATION_FAILED, "the region asks no such period", rule_id="SAF-04", field="period"
        )
    if period_of(cmd.period_key) is not cmd.period:
        raise RiskError(
            ReasonCode.VALIDATION_FAILED, "the key is not of the period", rule_id="SAF-04", field="period_key"
        )
    existing = work.reports.get(cmd.period_key)
    if existing is not None and existing.report_id is not None:
        if existing.report_id == cmd.report_id:
            return False
        raise RiskError(ReasonCode.CONFLICT, "the period's report is issued", rule_id="SAF-04", field="period_key")
    if days_of(cmd.period_key)[1] >= shanghai_day(at):
        raise invalid_state("the period has not ended", rule_id="SAF-04", field="period_key")
    return True


def hazards_in(risk_file: RiskFile, key: str) -> list[str]:
    first, last = days_of(key)
    return [h.hazard_id for h in risk_file.safety.hazards.values() if first <= shanghai_day(h.found_at) <= last]


def issue(
    risk_file: RiskFile,
    cmd: s.IssueSafetyReport,
    document: EvidenceRef,
    calendar: Calendar,
    rules: SafetyRules,
    *,
    at: datetime,
) -> None:
    work = risk_file.safety
    report = work.reports.setdefault(cmd.period_key, PeriodReport(period=cmd.period, period_key=cmd.period_key))
    if not report.deadlines and risk_file.agency_id is not None:  # a period before the plan: owed all the same
        due = calendar.add_working_days(
            days_of(cmd.period_key)[1], rules.report_delivery_working_days, rule_id="SAF-04"
        )
        for recipient, obligation in DELIVERY.items():
            delivery_clock(risk_file, report, at, recipient).open(due, obligation)
    report.report_id, report.document, report.issued_at = cmd.report_id, document, at
    on_time = True
    for recipient, obligation in DELIVERY.items():
        deadline = latest(report.deadlines, obligation, "open")
        if deadline is not None:
            on_time = on_time and at <= deadline.due_at
            delivery_clock(risk_file, report, at, recipient).meet(deadline, on=shanghai_day(at))
    risk_file.record(
        s.SafetyReportIssued(
            project_id=risk_file.project_id,
            report_id=cmd.report_id,
            period=cmd.period,
            period_key=cmd.period_key,
            document=document,
            hazards=len(hazards_in(risk_file, cmd.period_key)),
            recipients=tuple(DELIVERY),
            on_time=on_time,
        )
    )


def delivery_clock(risk_file: RiskFile, report: PeriodReport, at: datetime, recipient: s.Recipient) -> LegalClock:
    creditor = (
        PartyRef(role=Role.INSURER, id=risk_file.insurer_id)
        if recipient is s.Recipient.INSURER
        else PartyRef(role=Role.REGULATOR, id=risk_file.region)
    )
    parties = (
        ObligationParties(
            debtor=PartyRef(role=Role.AGENCY, id=risk_file.agency_id),
            creditor=creditor,
            subject=SubjectRef(kind="safety_report", id=f"{risk_file.project_id}.{report.period_key}"),
        )
        if risk_file.agency_id
        else None
    )
    return risk_file.clock_of(report.deadlines, at, parties)
