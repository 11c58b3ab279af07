"""A city project's life on the policy service, as its commands (pure: derived from the plan).

The insurer's core system registers the project with its quotation letter (POL-04; the letter is
uploaded over HTTP first, its reference passed in), selects the agency and its team (POL-08: policy
asks the registry to assign it), signs the insurance contract (POL-05), records the full premium paid
and issues the policy (见费出单, POL-06); the builder moves the project into construction and, once
risk has sealed the final report, through completion acceptance and filing (POL-09), which starts the
liability period two years later (shanghai's contractor warranty). Then the builder registers each
unit's buyer (HTTP only, XC-09; policy keeps an opaque owner id and a masked number).

Dates lie in the past so that the plan's ``liability_starts_on`` comes out of policy's own filing rule:
filing two years before it, acceptance a month before filing, the policy issued about 16 months before
that (the e2e test's spacing).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from anju_contracts import Actor, Envelope, Role
from anju_contracts import underwriting as u
from anju_contracts.base import Command
from anju_contracts.common import EvidenceRef
from anju_contracts.policy import DeliveryStandard, FloatingComponent, ProjectStage, ResidentialType
from anju_policy.config import PolicySettings
from anju_policy.domain.owners import protect
from tests.bench.city.plan import TAG, UNITS_PER_PROJECT, CityPlan, add_years, unit_address

CONTRACTOR_WARRANTY_YEARS = 2  # regions/shanghai.yaml: the liability period starts after it (POL-09)
AREA_PER_UNIT_M2 = Decimal("100.00")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def insurer_system(plan: CityPlan, p: int) -> Actor:
    insurer_id = plan.insurer_of(p)
    return Actor(id=f"{insurer_id}-core", role=Role.SYSTEM, region=plan.region, insurer_id=insurer_id)


def builder_org(p: int) -> str:
    return f"{TAG}-dev-{p % 97:02d}"


def contractor_org(p: int) -> str:
    return f"{TAG}-con-{p % 53:02d}"


def builder(plan: CityPlan, p: int) -> Actor:
    return Actor(id=f"{builder_org(p)}-desk", role=Role.BUILDER, region=plan.region, organisation_id=builder_org(p))


def contractor(plan: CityPlan, p: int) -> Actor:
    org = contractor_org(p)
    return Actor(id=f"{org}-desk", role=Role.CONTRACTOR, region=plan.region, organisation_id=org)


def filing_on(plan: CityPlan, p: int) -> date:
    return add_years(plan.liability_starts_on(p), -CONTRACTOR_WARRANTY_YEARS)


def registered_on(plan: CityPlan, p: int) -> date:
    return filing_on(plan, p) - timedelta(days=486)


def letter(plan: CityPlan, p: int) -> bytes:
    return f"%PDF-1.7 报价函 业务负责人签字 公司盖章 {plan.project_id(p)}".encode()


def register(plan: CityPlan, p: int, document: EvidenceRef) -> u.RegisterProject:
    project_id = plan.project_id(p)
    area = AREA_PER_UNIT_M2 * UNITS_PER_PROJECT
    return u.RegisterProject(
        project_id=project_id,
        insurer_id=plan.insurer_of(p),
        product_line="idi",
        name=f"安居城{p + 1}号地块花园",
        location=f"浦东新区示范路{p % 900 + 1}号",
        residential_type=ResidentialType.COMMERCIAL,
        delivery_standard=DeliveryStandard.FITTED if p % 3 else DeliveryStandard.SHELL,
        prefabrication_rate=Decimal("0.40"),
        plot_ratio=Decimal("2.5"),
        true_building_area_m2=area,
        units=tuple(
            u.ProjectUnit(unit_id=plan.unit_id(p, k), address=unit_address(k)) for k in range(UNITS_PER_PROJECT)
        ),
        participants=(
            u.Participant(role=u.ParticipantRole.BUILDER, organisation_id=builder_org(p)),
            u.Participant(role=u.ParticipantRole.CONTRACTOR, organisation_id=contractor_org(p)),
        ),
        stage=ProjectStage.DESIGN,
        stage_on=registered_on(plan, p),
        quotation=u.Quotation(
            quote_id=f"{project_id}-q1",
            channel=u.QuoteChannel.FORMAL_LETTER,
            letter=u.QuotationLetter(document=document, signed_by_business_head=True, sealed=True),
            declared_area_m2=area,
            decoration_cost_included=True,
            factors=dict.fromkeys(FloatingComponent, Decimal("1.00")),
        ),
    )


def select_agency(plan: CityPlan, p: int) -> u.SelectAgency:
    """POL-08: the plan's team for the project; policy sends ``registry.AssignTeam`` with it."""
    lead, technical_lead, members = plan.team(p)
    return u.SelectAgency(
        project_id=plan.project_id(p),
        agency_id=plan.agency_id(plan.agency_of(p)),
        lead_id=lead,
        member_ids=members,
        technical_lead_id=technical_lead,
        first_period_fee_yuan=Decimal("30000.00"),
        signed_on=registered_on(plan, p) + timedelta(days=9),
    )


def issued(plan: CityPlan, p: int, premium_yuan: Decimal) -> list[tuple[Command, Actor]]:
    """Contract (before the construction-drawing design, POL-05), the full premium, the policy, construction."""
    project_id, day, insurer = plan.project_id(p), registered_on(plan, p), insurer_system(plan, p)
    return [
        (u.SignInsuranceContract(project_id=project_id, contract_id=f"{project_id}-ctr", signed_on=day + timedelta(11)),
         insurer),
        (u.RecordPremiumPayment(project_id=project_id, payment_id=f"{project_id}-pay", amount_yuan=premium_yuan,
                                paid_on=day + timedelta(19)), insurer),
        (u.IssuePolicy(project_id=project_id, policy_id=plan.policy_id(p), issued_on=day + timedelta(24)), insurer),
        (u.AdvanceStage(project_id=project_id, stage=ProjectStage.CONSTRUCTION, on=day + timedelta(31)),
         builder(plan, p)),
    ]  # fmt: skip


def completed(plan: CityPlan, p: int) -> list[tuple[Command, Actor]]:
    """Completion acceptance (needs risk's sealed final report, POL-09) and filing: the liability period."""
    project_id, filed = plan.project_id(p), filing_on(plan, p)
    return [
        (u.AdvanceStage(project_id=project_id, stage=ProjectStage.COMPLETION_ACCEPTANCE, on=filed - timedelta(29)),
         builder(plan, p)),
        (u.AdvanceStage(project_id=project_id, stage=ProjectStage.COMPLETION_FILING, on=filed), builder(plan, p)),
    ]  # fmt: skip


def envelopes(plan: CityPlan, p: int, step: str, commands: list[tuple[Command, Actor]]) -> list[Envelope]:
    """Keyed by project id (one partition: in order); event ids from the plan (a re-send applies once)."""
    project_id = plan.project_id(p)
    return [
        Envelope.wrap(
            command,
            region=plan.region,
            producer="city-seed",
            actor=actor,
            key=project_id,
            event_id=plan.event_id("policy", project_id, step, k, command.TYPE),
        )
        for k, (command, actor) in enumerate(commands)
    ]


# -- unit owners (XC-09) ---------------------------------------------------------------------------


def buyer(p: int, k: int) -> u.UnitBuyer:
    """One buyer per unit with a valid resident ID number (GB 11643 check digit)."""
    n = p * UNITS_PER_PROJECT + k
    born = date(1960, 1, 1) + timedelta(days=(n * 37) % 14_000)
    body = f"310101{born:%Y%m%d}{n % 1000:03d}"
    name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]
    return u.UnitBuyer(name=name, id_number=body + _check_digit(body))


def sale(plan: CityPlan, p: int, k: int) -> u.UnitSale:
    return u.UnitSale(
        unit_id=plan.unit_id(p, k),
        sale_contract_no=f"HT-{p:05d}-{k:03d}",
        buyers=(buyer(p, k),),
        on=filing_on(plan, p) + timedelta(days=1 + k % 60),
    )


def owners(plan: CityPlan, p: int, units: Sequence[int]) -> list[u.RegisterUnitOwnersBatch]:
    """The sales roster of project ``p``'s ``units`` (批量导入), in batches of at most the contract's bound:
    one commit each instead of one per unit."""
    size = u.MAX_UNIT_SALES_PER_BATCH
    return [
        u.RegisterUnitOwnersBatch(
            project_id=plan.project_id(p), entries=tuple(sale(plan, p, k) for k in units[i : i + size])
        )
        for i in range(0, len(units), size)
    ]


def owner_id(p: int, k: int) -> str:
    """The owner id policy derives from the buyer (a keyed hash of the ID number; claims know only it)."""
    b = buyer(p, k)
    return protect(b.name, b.id_number, _identity_secret()).owner_id


@cache
def _identity_secret() -> str:
    # the services run with this process's environment (processes.CityNames.env), hence the same secret
    return PolicySettings.load().policy_identity_secret.get_secret_value()


def _check_digit(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
