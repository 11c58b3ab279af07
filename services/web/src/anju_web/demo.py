"""``make demo``: a living city for a newcomer, seeded through the services' PUBLIC HTTP APIs only.

Each call carries the acting person's own actor token (signed with the local development secret, like the
development sign-in): the registry admits an agency and its project lead, the insurer quotes and insures,
the builder advances the stages, the agency's lead and the contractor work the risk file, the builder
registers the buyers, an owner reports a claim, and the insurer files a regulator upload in notify. Nothing
is written to a database directly. The projects, for the running region's first product line:

(安责险 alone, shaoxing: projects 1 and 2 stop at insured and in construction — no quality risk file, no
owners' claims; neither risk nor claims starts for 安责险 alone today.)

1. 示范花园 — walked from the quotation letter to an owner's claim in the liability period (RSK-01…07,
   POL-07…10, CLM-01), its POL-07 upload filed in notify (late: the policy was issued years ago);
2. 示范公寓 — insured and in construction, a serious risk issue open (RSK-04);
3. 示范新城 — quoted only (design stage).

The people it used are written to ``<demo dir>/<region>-actors.json``; the web's development sign-in
offers them beside its defaults. ``python -m anju_web.demo --help``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx

from anju_contracts import Actor, Role
from anju_contracts import claims as c
from anju_contracts import registry as reg
from anju_contracts import risk as rk
from anju_contracts import underwriting as u
from anju_contracts.base import ContractModel
from anju_contracts.common import EvidenceRef
from anju_contracts.notify import FileDocument
from anju_contracts.policy import BuildingPart, DeliveryStandard, FloatingComponent, ProjectStage, ResidentialType
from anju_kit.auth import issue_token
from anju_kit.clock import SHANGHAI
from anju_kit.regions import RegionRules, region_for
from anju_kit.settings import DEFAULT_PORTS, ServiceSettings

T = TypeVar("T")
SERVICES = ("registry", "policy", "risk", "claims", "notify")
DEMO_DIR = Path(".artifacts/demo")
LETTER = "%PDF-1.7 报价函 业务负责人签字 公司盖章".encode()
ISSUE_LOCATION = "2号楼 5层 502室 卫生间地面"


class DemoFailed(RuntimeError):
    """A step the services refused or never showed: named with the service's own answer."""


@dataclass
class Cast:
    """The demo's people, ids tagged by run so a second demo never collides with the first."""

    region: str
    tag: str
    insurer_id: str = "ins-demo"  # the development sign-in's insurer desk sees the demo's queue

    def __post_init__(self) -> None:
        t, region = self.tag, self.region
        self.agency_id = f"ag-demo-{t}"
        self.lead_id = f"pr-demo-{t}"
        self.builder_org, self.contractor_org = f"org-bld-demo-{t}", f"org-con-demo-{t}"
        self.insurer = Actor(id="desk-demo", role=Role.INSURER, region=region, insurer_id=self.insurer_id)
        self.regulator = Actor(id="reg-demo", role=Role.REGULATOR, region=region)
        self.agency = Actor(id=f"ag-desk-demo-{t}", role=Role.AGENCY, region=region, agency_id=self.agency_id)
        self.lead = Actor(id=self.lead_id, role=Role.PRACTITIONER, region=region, agency_id=self.agency_id)
        self.builder = Actor(id=f"bld-demo-{t}", role=Role.BUILDER, region=region, organisation_id=self.builder_org)
        self.contractor = Actor(
            id=f"con-demo-{t}", role=Role.CONTRACTOR, region=region, organisation_id=self.contractor_org
        )


@dataclass
class Api:
    urls: dict[str, str]
    secret: str
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))

    def _auth(self, actor: Actor) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(actor, self.secret)}"}

    def post(self, service: str, path: str, body: ContractModel, actor: Actor) -> httpx.Response:
        headers = {**self._auth(actor), "Content-Type": "application/json"}
        return self.client.post(f"{self.urls[service]}{path}", content=body.model_dump_json(), headers=headers)

    def get(self, service: str, path: str, actor: Actor) -> httpx.Response:
        return self.client.get(f"{self.urls[service]}{path}", headers=self._auth(actor))

    def ok(self, service: str, path: str, body: ContractModel, actor: Actor) -> dict[str, Any]:
        return _ok(self.post(service, path, body, actor), f"{service} {path}")

    def read(self, service: str, path: str, actor: Actor) -> dict[str, Any]:
        return _ok(self.get(service, path, actor), f"{service} {path}")

    def upload(self, service: str, path: str, ask: ContractModel, data: bytes, actor: Actor) -> dict[str, Any]:
        """Through the service's presigned PUT (pinned type, size and SHA-256), straight to the object store."""
        ticket = self.ok(service, path, ask, actor)
        put = self.client.put(ticket["url"], content=data, headers=ticket["headers"])
        if put.status_code != 200:
            raise DemoFailed(f"upload to {ticket['url']}: {put.status_code} {put.text}")
        return ticket


def _ok(answer: httpx.Response, what: str) -> dict[str, Any]:
    if answer.status_code not in (200, 201):
        raise DemoFailed(f"{what}: {answer.status_code} {answer.text[:400]}")
    body: dict[str, Any] = answer.json()
    return body


def until(probe: Callable[[], T | None], what: str, timeout_s: float = 120) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    raise DemoFailed(f"timed out waiting for {what}")


class Demo:
    def __init__(self, api: Api, cast: Cast, rules: RegionRules, say: Callable[[str], None] = print) -> None:
        self.api, self.cast, self.rules, self.say = api, cast, rules, say
        product = rules.products[0].value  # the region's first product line (XC-06)
        self.product = product
        dedicated = rules.registry.project_lead.dedicated_technical_lead_required
        self.technical_lead_id = f"pr-tech-demo-{cast.tag}" if dedicated else None
        self.left: dict[str, Any] = {"region": cast.region, "product_line": product, "projects": {}}

    # -- registry: an admitted agency with an approved project lead (REG-01/02/03) --------------------
    def pool(self) -> None:
        cast, base = self.cast, "/v1/registry"
        rules = self.rules.registry.agency_paths
        if rules.supervision_licence.available:
            evidence = reg.QualificationEvidence(
                path=reg.QualificationPath.SUPERVISION_LICENCE,
                supervision_grade=reg.SupervisionGrade.COMPREHENSIVE,
                licence_number="E131000001",
                document_keys=(f"evidence/{cast.agency_id}/licence.pdf",),
            )
        else:
            evidence = reg.QualificationEvidence(
                path=reg.QualificationPath.OTHER,
                description="承保机构委托的第三方风控服务机构，具备建筑施工安全管理经验",
                registered_engineers=3,
                document_keys=(f"evidence/{cast.agency_id}/other.pdf",),
            )
        credit = f"91330000MA{int(cast.tag, 16) % 10**8:08d}"
        name = "示范风险管理有限公司"
        nominate = reg.NominateAgency(
            agency_id=cast.agency_id, name=name, credit_code=credit, insurer_id=cast.insurer_id, evidence=evidence
        )
        self.api.ok("registry", f"{base}/agencies", nominate, cast.insurer)
        admit = reg.AdmitAgency(agency_id=cast.agency_id)
        self.api.ok("registry", f"{base}/agencies/{cast.agency_id}/admission", admit, cast.regulator)
        people = [(cast.lead_id, "张工", reg.PractitionerRole.PROJECT_LEAD, "1978")]
        if self.technical_lead_id:  # REG-03 where the region asks a dedicated technical lead (shaoxing)
            people.append((self.technical_lead_id, "陈工", reg.PractitionerRole.TECHNICAL_LEAD, "1975"))
        for practitioner_id, person, role, born in people:
            apply = reg.ApplyPractitioner(
                practitioner_id=practitioner_id,
                agency_id=cast.agency_id,
                name=person,
                id_number=f"310101{born}{int(cast.tag, 16) % 10**8:08d}",
                phone="13812345678",
                title=reg.TechnicalTitle.SENIOR_ENGINEER,
                registered_licences=(
                    reg.RegisteredLicence(
                        kind="registered_structural_engineer", level=1, number=f"S-{practitioner_id}"
                    ),
                ),
                career_start=date(2000, 3, 1),
                roles=(role,),
            )
            self.api.ok("registry", f"{base}/practitioners", apply, cast.agency)
            approve = reg.ApprovePractitioner(practitioner_id=practitioner_id)
            self.api.ok("registry", f"{base}/practitioners/{practitioner_id}/approval", approve, cast.regulator)
        self.say(f"机构库：{name}（{cast.agency_id}）已准入，项目负责人 张工（{cast.lead_id}）")

    # -- policy: quoted, agency and team, contract, paid, issued (POL-04…08) ---------------------------
    def quoted(self, project_id: str, name: str, units: int) -> None:
        cast, base = self.cast, "/v1/policy/projects"
        digest = hashlib.sha256(LETTER).hexdigest()
        ask = u.RequestDocumentUpload(
            project_id=project_id, file_name="报价函.pdf", content_type="application/pdf", size=len(LETTER),
            sha256=digest,
        )  # fmt: skip
        ticket = self.api.upload("policy", f"{base}/{project_id}/document-uploads", ask, LETTER, cast.insurer)
        letter = u.QuotationLetter(
            document=EvidenceRef(key=ticket["key"], sha256=digest, size=len(LETTER), content_type="application/pdf"),
            signed_by_business_head=True,
            sealed=True,
        )
        register = u.RegisterProject(
            project_id=project_id,
            insurer_id=cast.insurer_id,
            product_line=self.product,
            name=name,
            location="示范区安居路88号",
            residential_type=ResidentialType.COMMERCIAL,
            delivery_standard=DeliveryStandard.FITTED,
            prefabrication_rate=Decimal("0.40"),
            plot_ratio=Decimal("2.5"),
            true_building_area_m2=Decimal("12000.00"),
            units=tuple(
                u.ProjectUnit(unit_id=f"{project_id}-u-{i}", address=f"1号楼{100 + i}室") for i in range(1, units + 1)
            ),
            participants=(
                u.Participant(role=u.ParticipantRole.BUILDER, organisation_id=cast.builder_org),
                u.Participant(role=u.ParticipantRole.CONTRACTOR, organisation_id=cast.contractor_org),
            ),
            stage=ProjectStage.DESIGN,
            stage_on=date(2021, 3, 1),
            quotation=u.Quotation(
                quote_id=f"q-{project_id}",
                channel=u.QuoteChannel.FORMAL_LETTER,
                letter=letter,
                declared_area_m2=Decimal("12000.00"),
                decoration_cost_included=True,
                factors=dict.fromkeys(FloatingComponent, Decimal("1.00")),
            ),
        )
        self.api.ok("policy", base, register, cast.insurer)
        self.left["projects"][project_id] = {"name": name, "stage": "design"}
        self.say(f"{name}（{project_id}）：报价函已上传，已报价")

    def insured(self, project_id: str, policy_id: str) -> None:
        cast, base = self.cast, f"/v1/policy/projects/{project_id}"
        select = u.SelectAgency(
            project_id=project_id, agency_id=cast.agency_id, lead_id=cast.lead_id,
            technical_lead_id=self.technical_lead_id, first_period_fee_yuan=Decimal("30000.00"),
            signed_on=date(2021, 3, 10),
        )  # fmt: skip
        self.api.ok("policy", f"{base}/agency", select, cast.insurer)

        def team() -> bool:
            shown = self.api.read("policy", base, cast.insurer)
            failed = (shown.get("assignment") or {}).get("failed")
            if failed:  # the registry refused the team (POL-08): its rule ids and reasons, as policy kept them
                raise DemoFailed(f"the registry refused the team: {failed}")
            return bool(shown.get("risk_contract"))

        until(team, "the registry's team")
        sign = u.SignInsuranceContract(
            project_id=project_id, contract_id=f"ctr-{project_id}", signed_on=date(2021, 3, 12)
        )
        self.api.ok("policy", f"{base}/insurance-contract", sign, cast.insurer)
        premium = Decimal(self.api.read("policy", base, cast.insurer)["premium_yuan"])
        pay = u.RecordPremiumPayment(
            project_id=project_id, payment_id=f"pay-{project_id}", amount_yuan=premium, paid_on=date(2021, 3, 20)
        )
        self.api.ok("policy", f"{base}/payments", pay, cast.insurer)
        issue = u.IssuePolicy(project_id=project_id, policy_id=policy_id, issued_on=date(2021, 3, 25))
        self.api.ok("policy", f"{base}/policy", issue, cast.insurer)
        self.stage(project_id, ProjectStage.CONSTRUCTION, date(2021, 4, 1))
        self.left["projects"][project_id] |= {"policy_id": policy_id, "premium_yuan": str(premium)}
        self.say(f"  已选定风险管理机构、签约、缴费 {premium} 元、出单 {policy_id}（见费出单），进入施工")

    def stage(self, project_id: str, stage: ProjectStage, on: date) -> None:
        advance = u.AdvanceStage(project_id=project_id, stage=stage, on=on)
        self.api.ok("policy", f"/v1/policy/projects/{project_id}/stage", advance, self.cast.builder)
        self.left["projects"][project_id]["stage"] = stage.value

    # -- risk: plan, kick-off, an issue with its photo; closed and sealed or left open (RSK-01…07) --------
    def risk_file(self, project_id: str, *, close: bool) -> None:
        cast, base = self.cast, f"/v1/risk/projects/{project_id}"
        today = datetime.now(SHANGHAI).date()
        until(
            lambda: (
                self.api.get("risk", f"{base}/issues", cast.lead).status_code == 200
                and self.api.get("risk", f"{base}/issues", cast.contractor).status_code == 200
            ),
            "risk to know the project, its team and units",
        )
        process_id = "proc-wp"
        plan = rk.SubmitRiskPlan(
            project_id=project_id, lead_id=cast.lead_id, staff_ids=(cast.lead_id,),
            scope="主体结构、防水工程的质量风险管理", objects=("1号楼", "2号楼"),
            schedule=(rk.ScheduleItem(name="主体施工阶段", starts_on=date(2021, 4, 1), ends_on=date(2022, 5, 31)),),
            key_nodes=("主体封顶", "竣工验收"),
            critical_processes=(rk.CriticalProcess(process_id=process_id, name="卫生间防水施工", part="防水工程"),),
        )  # fmt: skip
        self.api.ok("risk", f"{base}/plan", plan, cast.lead)
        minutes = self._evidence(
            base, "交底会纪要.pdf", "%PDF-1.7 交底会纪要".encode(), cast.insurer, "application/pdf"
        )
        kickoff = rk.RecordKickoffBriefing(project_id=project_id, held_on=today, minutes=minutes)
        self.api.ok("risk", f"{base}/kickoff", kickoff, cast.insurer)
        photo = self._evidence(base, "渗漏.jpg", b"\xff\xd8 photo of the leak", cast.lead)
        issue = rk.RaiseRiskIssue(
            project_id=project_id, issue_id="iss-1", severity=rk.IssueSeverity.SERIOUS, location=ISSUE_LOCATION,
            part="防水工程", process_id=process_id, responsible_unit_id=cast.contractor_org,
            description="卫生间地面防水层破损，楼下顶板渗水", rectify_by=today + timedelta(days=7), evidence=(photo,),
        )  # fmt: skip
        self.api.ok("risk", f"{base}/issues", issue, cast.lead)
        if not close:
            self.say(f"  风险检查：严重问题 iss-1（{ISSUE_LOCATION}）待整改（RSK-04）")
            return
        before = self._evidence(base, "整改前.jpg", b"\xff\xd8 before", cast.contractor)
        after = self._evidence(base, "整改后.jpg", b"\xff\xd8 after", cast.contractor)
        fix = rk.SubmitRectification(
            project_id=project_id, issue_id="iss-1", note="凿除破损防水层后重做并闭水试验",
            before=(before,), after=(after,),
        )  # fmt: skip
        self.api.ok("risk", f"{base}/issues/iss-1/rectifications", fix, cast.contractor)
        review = rk.ReviewRectification(
            project_id=project_id, issue_id="iss-1", decision=rk.ReviewDecision.CLOSE, comment="复查合格，销项"
        )
        self.api.ok("risk", f"{base}/issues/iss-1/review", review, cast.lead)
        self.api.ok(
            "risk", f"{base}/processes/{process_id}/close",
            rk.CloseProcess(project_id=project_id, process_id=process_id, closed_on=today), cast.lead,
        )  # fmt: skip
        seal = rk.SealFinalReport(project_id=project_id, conclusion="风险问题均已整改销项，关键工序均已闭合。")
        self.api.ok("risk", f"{base}/final-report", seal, cast.insurer)
        self.say("  风险检查：严重问题已整改销项，最终风险评估报告已出具（RSK-07）")

    def _evidence(self, base: str, name: str, data: bytes, actor: Actor, kind: str = "image/jpeg") -> EvidenceRef:
        digest = hashlib.sha256(data).hexdigest()
        project_id = base.rsplit("/", 1)[-1]
        ask = rk.RequestEvidenceUpload(
            project_id=project_id, file_name=name, content_type=kind, size=len(data), sha256=digest
        )
        ticket = self.api.upload("risk", f"{base}/evidence-uploads", ask, data, actor)
        return EvidenceRef(key=ticket["key"], sha256=digest, size=len(data), content_type=kind)

    # -- completion, owners, a claim (POL-09/10/13, CLM-01) ---------------------------------------------
    def completed_with_owners(self, project_id: str) -> list[Actor]:
        cast, base = self.cast, f"/v1/policy/projects/{project_id}"
        accept = u.AdvanceStage(project_id=project_id, stage=ProjectStage.COMPLETION_ACCEPTANCE, on=date(2022, 6, 1))

        def accepted() -> bool:
            answer = self.api.post("policy", f"{base}/stage", accept, cast.builder)
            if answer.status_code == 422 and "NO_SEALED_FINAL_REPORT" in answer.text:
                return False  # policy has not folded risk's seal yet
            _ok(answer, "completion acceptance")
            return True

        until(accepted, "completion acceptance after risk's seal")
        self.stage(project_id, ProjectStage.COMPLETION_FILING, date(2022, 6, 30))
        owners = []
        buyers = (("王先生", "310101198001011234"), ("李女士", "310101198502022345"))
        for i, (name, id_number) in enumerate(buyers, start=1):
            unit_id = f"{project_id}-u-{i}"
            register = u.RegisterUnitOwners(
                project_id=project_id, unit_id=unit_id, sale_contract_no=f"HT-2022-{i:04d}",
                buyers=(u.UnitBuyer(name=name, id_number=id_number),), on=date(2022, 7, 1),
            )  # fmt: skip
            self.api.ok("policy", f"{base}/units/{unit_id}/owners", register, cast.builder)
            owner_id = self.api.read("policy", base, cast.insurer)["owners"][unit_id][0]["owner_id"]
            owners.append(Actor(id=owner_id, role=Role.OWNER, region=cast.region, unit_ids=(unit_id,)))
        shown = self.api.read("policy", base, cast.insurer)
        self.left["projects"][project_id] |= {"stage": shown["stage"], "owners": [o.id for o in owners]}
        self.say(f"  竣工验收、备案；业主 {len(owners)} 户已登记，阶段 {shown['stage']}")
        return owners

    def claim(self, owner: Actor) -> str:
        unit_id = owner.unit_ids[0]
        claim_id = f"clm-demo-{self.cast.tag}"

        def reported() -> str | None:
            report = c.ReportClaim(
                claim_id=claim_id, unit_id=unit_id, owner_id=owner.id, part=BuildingPart.WATERPROOFING,
                item="卫生间渗漏", location="主卧卫生间地面", description="楼下天花板出现水渍，面积约一平方米",
            )  # fmt: skip
            answer = self.api.post("claims", "/v1/claims", report, owner)
            return claim_id if answer.status_code in (200, 201) else None  # until claims has the policy's period

        until(reported, "claims to accept the owner's report (CLM-01, POL-13)")
        self.left["claims"] = [claim_id]
        self.say(f"  业主报案 {claim_id}（{unit_id}，防水工程），理赔法定期限开始计算（CLM-02/03）")
        return claim_id

    def filed(self, policy_id: str) -> None:
        """The insurer's POL-07 upload (监管平台) in notify: late, the policy being issued years ago."""
        obligation_id = f"policy.{policy_id}.upload_contract_to_regulator.1"
        path = f"/v1/notify/obligations/{obligation_id}"
        until(lambda: self.api.get("notify", path, self.cast.regulator).status_code == 200, "notify to track POL-07")
        document = EvidenceRef(
            key=f"{self.cast.region}/filings/{policy_id}.pdf",
            sha256="d" * 64,
            size=2048,
            content_type="application/pdf",
        )
        filing = FileDocument(filing_id=f"flg-{policy_id}", obligation_id=obligation_id, document=document)
        state = self.api.ok("notify", "/v1/notify/filings", filing, self.cast.insurer).get("state")
        self.left["filings"] = [obligation_id]
        self.say(f"  保险合同已上传监管平台（POL-07，{state}）")

    def run(self) -> dict[str, Any]:
        t = self.cast.tag
        self.pool()
        lived, building, quoted = f"prj-demo-{t}-1", f"prj-demo-{t}-2", f"prj-demo-{t}-3"
        # Quality risk files, completion on a sealed final report, owners and their claims exist only where a
        # product covers quality (IDI, 质安保); 安责险 alone (shaoxing) stops at insured and in construction
        quality = self.rules.covers_quality
        owners: list[Actor] = []
        self.quoted(lived, "示范花园", units=2)
        self.insured(lived, f"pol-demo-{t}-1")
        if quality:
            self.risk_file(lived, close=True)
            owners = self.completed_with_owners(lived)
            self.claim(owners[0])
        self.filed(f"pol-demo-{t}-1")
        self.quoted(building, "示范公寓", units=2)
        self.insured(building, f"pol-demo-{t}-2")
        if quality:
            self.risk_file(building, close=False)
        else:
            self.say("  本地区产品线为安责险：无质量风险检查、竣工后业主理赔（风险服务的施工安全部分另行交付）")
        self.quoted(quoted, "示范新城", units=1)
        self.left["actors"] = actors_of(self.cast, owners)
        return self.left


def actors_of(cast: Cast, owners: list[Actor]) -> list[dict[str, Any]]:
    """The development sign-in's entries for the demo's people (region filled in by the web)."""
    people: list[tuple[str, Actor]] = [
        *((f"示范业主 {i}（{o.unit_ids[0]}）", o) for i, o in enumerate(owners, start=1)),
        (f"示范风控工程师 张工（{cast.agency_id}）", cast.lead),
        (f"示范风险管理机构（{cast.agency_id}）", cast.agency),
        (f"示范建设单位（{cast.builder_org}）", cast.builder),
    ]
    return [{"label": label, **a.model_dump(mode="json", exclude={"region"})} for label, a in people]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Seed demo projects through the services' public APIs.")
    parser.add_argument("--tag", default=uuid.uuid4().hex[:6], help="suffix of every id (default random)")
    parser.add_argument("--region", default=None, help="the running services' region (default ANJU_REGION)")
    parser.add_argument("--out", type=Path, default=DEMO_DIR, help="where the demo's actors file goes")
    for service in SERVICES:
        parser.add_argument(f"--{service}", default=f"http://127.0.0.1:{DEFAULT_PORTS[service]}")
    args = parser.parse_args(argv)
    settings = ServiceSettings(**({"region": args.region} if args.region else {}))
    rules = region_for("web", settings.region, settings.regions_dir)
    api = Api({s: str(getattr(args, s)).rstrip("/") for s in SERVICES}, settings.token_secret.get_secret_value())
    print(f"安居示范数据：{settings.region}，产品线 {rules.products[0].value}，标记 {args.tag}")
    try:
        left = Demo(api, Cast(settings.region, args.tag), rules).run()
    except DemoFailed as failed:
        print(f"示范数据未完成：{failed}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    actors_file = args.out / f"{settings.region}-actors.json"
    actors_file.write_text(json.dumps(left["actors"], ensure_ascii=False, indent=2), encoding="utf-8")
    (args.out / f"{settings.region}-{args.tag}.json").write_text(json.dumps(left, ensure_ascii=False, indent=2))
    print(f"完成：{len(left['projects'])} 个项目；登录页可选示范人员（{actors_file}）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
