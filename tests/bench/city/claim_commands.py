"""The claims of the city as the insurers' core systems send them on ``anju.claims.commands.v1``.

Every claim is reported through the insurer's 24-hour line (the insurer's system sends the report, as
CLM-02 allows); the steps after it, up to the claim's planned stage, follow in order under the same key,
so they land on the same partition behind the report. Event ids are derived from the plan, so a re-run
is applied once (the services skip a command whose event id they applied).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from anju_contracts import Actor, Envelope, Role
from anju_contracts import claims as c
from anju_contracts.base import Command
from anju_contracts.policy import BuildingPart
from anju_kit.calendar import shanghai_day
from tests.bench.city.plan import CityPlan, Stage
from tests.bench.city.projects import owner_id

DEFECTS: dict[BuildingPart, tuple[str, str, str]] = {
    BuildingPart.WATERPROOFING: ("卫生间渗漏", "主卧卫生间地面", "主卧卫生间地面渗水至楼下天花板，墙角有水渍。"),
    BuildingPart.INSULATION: ("外墙保温层空鼓", "客厅外墙", "客厅外墙保温层空鼓开裂，冬季墙面结露。"),
    BuildingPart.FOUNDATION_MAIN_STRUCTURE: ("墙体裂缝", "客厅承重墙", "客厅承重墙出现斜向裂缝，宽度约一毫米。"),
    BuildingPart.OTHER: ("门窗密封失效", "次卧窗户", "次卧窗户密封条老化，雨天窗台进水。"),
}
SECOND_DEFECT = ("厨房渗漏", "厨房地面", "厨房地面渗水，橱柜底板受潮。")
REPAIRER = ("city-repairer-01", "上海某防水工程有限公司", "防水防腐保温工程专业承包二级")

# The commands after the report that take a claim to each stage, in order.
_STEPS: dict[Stage, tuple[str, ...]] = {
    Stage.REFUSED: (),
    Stage.REPORTED: (),
    Stage.SURVEY_SCHEDULED: ("schedule",),
    Stage.SURVEYED: ("survey",),
    Stage.COVERED: ("survey", "cover"),
    Stage.NOT_COVERED: ("survey", "refuse"),
    Stage.AGREED: ("survey", "cover", "agree_repair"),
    Stage.REPAIR_ASSIGNED: ("survey", "cover", "agree_repair", "assign"),
    Stage.PAID: ("survey", "cover", "agree_money", "pay"),
    Stage.REPAIRED: ("survey", "cover", "agree_repair", "assign", "complete"),
    Stage.WITHDRAWN: ("withdraw",),
}


def insurer_system(plan: CityPlan, insurer_id: str) -> Actor:
    return Actor(id=f"{insurer_id}-core", role=Role.SYSTEM, region=plan.region, insurer_id=insurer_id)


def claim_commands(plan: CityPlan, i: int) -> list[Envelope]:
    """Claim ``i``'s report and the steps of its stage, as envelopes keyed by the claim id."""
    p, u = plan.claim_unit(i)
    claim_id = plan.claim_id(i)
    actor = insurer_system(plan, plan.insurer_of(p))
    part = plan.claim_part(i)
    item, location, description = SECOND_DEFECT if i % 10 == 9 else DEFECTS[part]
    reported = plan.reported_at(i)
    messages: list[tuple[str, Command]] = [
        (
            "report",
            c.ReportClaim(
                claim_id=claim_id,
                unit_id=plan.unit_id(p, u),
                owner_id=owner_id(p, u),
                part=part,
                item=item,
                location=location,
                description=description,
                reported_at=reported,
                channel=c.ReportChannel.HOTLINE_24H,
                contact_phone_masked="138****" + f"{i % 10_000:04d}",
            ),
        )
    ]
    messages += [(step, _step(step, claim_id, i, reported)) for step in _STEPS[plan.stage_of(i)]]
    return [
        Envelope.wrap(
            command,
            region=plan.region,
            producer="city-seed",
            actor=actor,
            key=claim_id,
            event_id=plan.event_id("claims", claim_id, step),
        )
        for step, command in messages
    ]


def _step(step: str, claim_id: str, i: int, reported: datetime) -> Command:
    surveyed = reported + timedelta(days=1)
    decided = surveyed + timedelta(hours=2)
    agreed = shanghai_day(decided)
    amount = 200_000 + (i % 50) * 10_000  # fen: 2,000 – 6,900 CNY
    match step:
        case "schedule":
            return c.ScheduleSurvey(claim_id=claim_id, scheduled_at=surveyed, surveyor_id=f"city-surveyor-{i % 37:02d}")
        case "survey":
            return c.RecordSurvey(
                claim_id=claim_id,
                surveyed_at=surveyed,
                surveyor_id=f"city-surveyor-{i % 37:02d}",
                findings="现场查勘确认缺陷存在，位置与报案一致。",
            )
        case "cover":
            return c.DecideClaim(claim_id=claim_id, decision=c.Decision.COVERED, decided_at=decided)
        case "refuse":
            return c.DecideClaim(
                claim_id=claim_id,
                decision=c.Decision.NOT_COVERED,
                decided_at=decided,
                reasons=(c.Reason(code="NOT_A_DEFECT", text="经查勘，所报情况属于正常使用损耗，不属于工程质量缺陷。"),),
            )
        case "agree_repair":
            return c.RecordAgreement(
                claim_id=claim_id, mode=c.CompensationMode.REPAIR, amount_fen=amount, agreed_on=agreed
            )
        case "agree_money":
            return c.RecordAgreement(
                claim_id=claim_id,
                mode=c.CompensationMode.MONEY,
                amount_fen=amount,
                agreed_on=agreed,
                money_agreed_by_owner=True,
            )
        case "assign":
            repairer_id, name, qualification = REPAIRER
            return c.AssignRepair(
                claim_id=claim_id,
                repairer_id=repairer_id,
                repairer_name=name,
                qualification=qualification,
                assigned_on=agreed,
            )
        case "pay":
            return c.RecordPayment(
                claim_id=claim_id, amount_fen=amount, paid_on=agreed, payment_reference=f"{claim_id}-pay"
            )
        case "complete":
            return c.CompleteRepair(claim_id=claim_id, completed_on=agreed, summary="已完成防水层修复并闭水试验合格。")
        case "withdraw":
            return c.WithdrawClaim(claim_id=claim_id, reason="业主自行与开发商协商解决，撤回报案。")
    raise ValueError(f"unknown step {step}")
