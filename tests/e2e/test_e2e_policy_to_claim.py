"""End to end, issues #11 and #12: from a quote to an owner's accepted claim, across real registry, policy,
risk and claims processes on the real Kafka, FerretDB and MinIO (shanghai, IDI).

quote (报价函 through a presigned PUT) → agency selected, the team assigned by the registry process from
policy's own ``registry.AssignTeam`` (and a refusal with its rule ids reaching the insurer) → contract →
paid → issued (见费出单) → the risk process, which learnt the project from policy's ``ProjectRegistered``
and the team from the registry's ``TeamAssigned``: plan, kick-off, a serious issue with a presigned
photo, the final report refused at the gate naming its location, rectified, closed (销项), the final
report sealed and its PDF read back (``risk_steps``) → completion acceptance, accepted once policy has
folded risk's own ``risk.FinalReportSealed``, and filing → liability period (contractor warranty two
years) → the builder registers the buyer → the owner's claim accepted by claims from the policy
service's own events.

Policy's dates lie in the past so that the liability period has started by today (claims judge a report
by the day it is received); risk's legal clock runs on today's dates.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from anju_contracts import Actor, Role, topics
from anju_contracts import claims as c
from anju_contracts import registry as r
from anju_contracts import underwriting as u
from anju_contracts.base import ContractModel
from anju_contracts.policy import BuildingPart, DeliveryStandard, FloatingComponent, ProjectStage, ResidentialType
from anju_kit.auth import issue_token
from anju_kit.kafka import ensure_topics
from anju_kit.settings import ServiceSettings, settings_for
from anju_kit.testing import group_at_end
from tests.composition import built_views, view_group_topics
from tests.e2e.processes import wait_ready
from tests.e2e.risk_steps import LOCATION, RiskDesk, sealed_through_risk

pytestmark = pytest.mark.e2e

BASE_PORT = int(os.environ.get("ANJU_E2E_POLICY_BASE_PORT", "18200"))
SERVICES = ("registry", "policy", "risk", "claims")
REGION = "shanghai"
RUN = uuid.uuid4().hex[:8]
INSURER_ID = f"ins-e2e-{RUN}"
BUILDER_ORG = f"org-bld-{RUN}"
CONTRACTOR_ORG = f"org-con-{RUN}"
RISK_BUCKET = f"hpol2-e2e-risk-{RUN}"  # this run's own (dropped afterwards with every object version)
INSURER = Actor(id="desk-e2e", role=Role.INSURER, region=REGION, insurer_id=INSURER_ID)
REGULATOR = Actor(id="reg-e2e", role=Role.REGULATOR, region=REGION)
BUILDER = Actor(id="bld-e2e", role=Role.BUILDER, region=REGION, organisation_id=BUILDER_ORG)
AGENCY_ID = f"ag-e2e-{RUN}"
AGENCY = Actor(id="ag-desk", role=Role.AGENCY, region=REGION, agency_id=AGENCY_ID)
LEAD_ID = f"pr-lead-{RUN}"
LEAD = Actor(id=LEAD_ID, role=Role.PRACTITIONER, region=REGION, agency_id=AGENCY_ID)  # on the team: acts for it
CONTRACTOR = Actor(id="con-e2e", role=Role.CONTRACTOR, region=REGION, organisation_id=CONTRACTOR_ORG)
LETTER = "%PDF-1.7 报价函 业务负责人签字 公司盖章".encode()


def _groups(suffix: str) -> dict[str, list[str]]:
    """Each consumer group of the four services with the topics it reads: the command and event groups
    each bootstrap.py subscribes, and the read models' router and writer as each composition root names
    them (``tests.composition``, as the city seed asks them)."""
    groups: dict[str, list[str]] = {
        f"anju-registry{suffix}": [topics.REGISTRY.commands],
        f"anju-policy{suffix}": [topics.POLICY.commands],
        f"anju-policy-registry{suffix}": [topics.REGISTRY.events],
        f"anju-policy-risk{suffix}": [topics.RISK.events],
        f"anju-risk{suffix}": [topics.RISK.commands],
        f"anju-claims{suffix}": [topics.CLAIMS.commands],
        f"anju-claims-policy{suffix}": [topics.POLICY.events],
    }
    for service in SERVICES:
        settings = settings_for(service, region=REGION, kafka_group_suffix=suffix)
        groups |= view_group_topics(settings, built_views(service, REGION))
    return groups


async def _position_groups_at_end(suffix: str) -> None:
    settings = ServiceSettings()
    groups = _groups(suffix)
    await ensure_topics(settings, sorted({t for names in groups.values() for t in names}))
    for group, names in groups.items():
        await group_at_end(settings.kafka_bootstrap, group, names)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    logs = tmp_path_factory.mktemp("services")
    suffix = f"-e2e-hpol2-{RUN}"
    asyncio.run(_position_groups_at_end(suffix))
    procs: dict[str, subprocess.Popen[bytes]] = {}
    urls: dict[str, str] = {}
    for offset, service in enumerate(SERVICES, start=1):
        port = BASE_PORT + offset
        env = os.environ | {
            "ANJU_REGION": REGION,
            "ANJU_HTTP_PORT": str(port),
            "ANJU_MONGO_DB": f"hpol2_e2e_{service}_{RUN}",
            "ANJU_INSTANCE_ID": f"e2e-{RUN}",
            "ANJU_KAFKA_GROUP_SUFFIX": suffix,
            "ANJU_RISK_BUCKET": RISK_BUCKET,
        }
        log = open(logs / f"{service}.log", "wb")  # noqa: SIM115 - closed with the process below
        procs[service] = subprocess.Popen(
            [sys.executable, "-m", f"anju_{service}"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        urls[service] = f"http://127.0.0.1:{port}"
    try:
        for service, url in urls.items():
            wait_ready(service, url, procs[service], logs / f"{service}.log")
        yield urls
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        _drop_databases()
        _drop_risk_bucket()


def _drop_databases() -> None:
    from pymongo import MongoClient

    with MongoClient[dict[str, Any]](ServiceSettings().mongo_url, serverSelectionTimeoutMS=5000) as client:
        for service in SERVICES:
            client.drop_database(f"hpol2_e2e_{service}_{RUN}")  # this run's own databases only


def _drop_risk_bucket() -> None:
    from minio import Minio

    settings = ServiceSettings()
    client = Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=settings.s3_secure,
    )
    if not client.bucket_exists(RISK_BUCKET):
        return
    for item in client.list_objects(RISK_BUCKET, recursive=True, include_version=True):
        client.remove_object(RISK_BUCKET, item.object_name or "", version_id=item.version_id)
    client.remove_bucket(RISK_BUCKET)  # this run's own bucket only


def _auth(actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(actor, ServiceSettings().token_secret.get_secret_value())}"}


def post(url: str, body: ContractModel, actor: Actor) -> httpx.Response:
    headers = {**_auth(actor), "Content-Type": "application/json"}
    return httpx.post(url, content=body.model_dump_json(), headers=headers, timeout=30)


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def until(probe: Any, what: str, timeout_s: float = 90) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def _project(policy: str, project_id: str) -> dict[str, Any]:
    return ok(httpx.get(f"{policy}/v1/policy/projects/{project_id}", headers=_auth(INSURER), timeout=30))


def _registry_pool(registry: str) -> None:
    """An admitted agency with an approved project lead (REG-01, REG-02, REG-03 shanghai)."""
    base = f"{registry}/v1/registry"
    evidence = r.QualificationEvidence(
        path=r.QualificationPath.SUPERVISION_LICENCE,
        supervision_grade=r.SupervisionGrade.COMPREHENSIVE,
        licence_number="E131000001",
        document_keys=(f"evidence/{AGENCY_ID}/licence.pdf",),
    )
    nominate = r.NominateAgency(
        agency_id=AGENCY_ID, name="上海某风险管理有限公司", credit_code="91310000MA1K000001", insurer_id=INSURER_ID,
        evidence=evidence,
    )  # fmt: skip
    ok(post(f"{base}/agencies", nominate, INSURER))
    ok(post(f"{base}/agencies/{AGENCY_ID}/admission", r.AdmitAgency(agency_id=AGENCY_ID), REGULATOR))
    lead = r.ApplyPractitioner(
        practitioner_id=LEAD_ID,
        agency_id=AGENCY_ID,
        name="李四",
        id_number=f"3101011975{int(RUN[:6], 16) % 10**8:08d}",
        phone="13812345678",
        title=r.TechnicalTitle.SENIOR_ENGINEER,
        registered_licences=(r.RegisteredLicence(kind="registered_structural_engineer", level=1, number=f"S-{RUN}"),),
        career_start=date(2000, 3, 1),
        roles=(r.PractitionerRole.PROJECT_LEAD,),
    )
    ok(post(f"{base}/practitioners", lead, AGENCY))
    ok(post(f"{base}/practitioners/{LEAD_ID}/approval", r.ApprovePractitioner(practitioner_id=LEAD_ID), REGULATOR))


def _registered(policy: str, project_id: str) -> None:
    base = f"{policy}/v1/policy/projects"
    digest = hashlib.sha256(LETTER).hexdigest()
    ask = u.RequestDocumentUpload(
        project_id=project_id, file_name="报价函.pdf", content_type="application/pdf", size=len(LETTER), sha256=digest
    )
    ticket = ok(post(f"{base}/{project_id}/document-uploads", ask, INSURER))
    assert httpx.put(ticket["url"], content=LETTER, headers=ticket["headers"], timeout=30).status_code == 200
    letter = u.QuotationLetter(
        document=c.EvidenceRef(key=ticket["key"], sha256=digest, size=len(LETTER), content_type="application/pdf"),
        signed_by_business_head=True,
        sealed=True,
    )
    register = u.RegisterProject(
        project_id=project_id,
        insurer_id=INSURER_ID,
        product_line="idi",
        name="某某花园",
        location="浦东新区某路88号",
        residential_type=ResidentialType.COMMERCIAL,
        delivery_standard=DeliveryStandard.FITTED,
        prefabrication_rate=Decimal("0.40"),
        plot_ratio=Decimal("2.5"),
        true_building_area_m2=Decimal("10000.00"),
        units=(u.ProjectUnit(unit_id=f"{project_id}-u-1", address="1号楼101室"),),
        participants=(
            u.Participant(role=u.ParticipantRole.BUILDER, organisation_id=BUILDER_ORG),
            u.Participant(role=u.ParticipantRole.CONTRACTOR, organisation_id=CONTRACTOR_ORG),
        ),
        stage=ProjectStage.DESIGN,
        stage_on=date(2021, 3, 1),
        quotation=u.Quotation(
            quote_id="q-1",
            channel=u.QuoteChannel.FORMAL_LETTER,
            letter=letter,
            declared_area_m2=Decimal("10000.00"),
            decoration_cost_included=True,
            factors=dict.fromkeys(FloatingComponent, Decimal("1.00")),
        ),
    )
    ok(post(base, register, INSURER))


def select(project_id: str, agency_id: str) -> u.SelectAgency:
    return u.SelectAgency(
        project_id=project_id,
        agency_id=agency_id,
        lead_id=LEAD_ID,
        first_period_fee_yuan=Decimal("30000.00"),
        signed_on=date(2021, 3, 10),
    )


def test_e2e_quote_to_an_owners_accepted_claim(platform: dict[str, str]) -> None:
    registry, policy, claims = platform["registry"], platform["policy"], platform["claims"]
    project_id, refused_id = f"prj-e2e-{RUN}", f"prj-e2e-ref-{RUN}"
    base = f"{policy}/v1/policy/projects/{project_id}"
    _registry_pool(registry)
    _registered(policy, project_id)
    _registered(policy, refused_id)

    # POL-08: a refusal by the registry reaches the insurer as is, with its rule ids
    ok(post(f"{policy}/v1/policy/projects/{refused_id}/agency", select(refused_id, f"ag-none-{RUN}"), INSURER))
    refusal = until(
        lambda: (_project(policy, refused_id).get("assignment") or {}).get("failed"), "the registry's refusal"
    )
    assert {f["rule_id"] for f in refusal} >= {"REG-01"}

    # POL-08: the registry process assigns the team from policy's own AssignTeam; the contract follows
    selected = ok(post(f"{base}/agency", select(project_id, AGENCY_ID), INSURER))
    assert selected["events"] == ["policy.AgencySelected", "registry.AssignTeam"]
    until(lambda: _project(policy, project_id).get("risk_contract"), "the team assigned by the registry")
    ok(post(f"{base}/insurance-contract", u.SignInsuranceContract(project_id=project_id, contract_id="ctr-1",
                                                                   signed_on=date(2021, 3, 12)), INSURER))  # fmt: skip
    premium = Decimal(_project(policy, project_id)["premium_yuan"])
    pay = u.RecordPremiumPayment(
        project_id=project_id, payment_id="pay-1", amount_yuan=premium, paid_on=date(2021, 3, 20)
    )
    ok(post(f"{base}/payments", pay, INSURER))
    issued = ok(post(f"{base}/policy", u.IssuePolicy(project_id=project_id, policy_id=f"pol-{RUN}",
                                                     issued_on=date(2021, 3, 25)), INSURER))  # fmt: skip
    assert "policy.PolicyIssued" in issued["events"]
    ok(post(f"{base}/stage", u.AdvanceStage(project_id=project_id, stage=ProjectStage.CONSTRUCTION,
                                            on=date(2021, 4, 1)), BUILDER))  # fmt: skip

    # RSK-01 … RSK-07 on the real risk process; POL-09: policy folds risk's own FinalReportSealed
    desk = RiskDesk(platform["risk"], project_id)
    report = sealed_through_risk(desk, insurer=INSURER, lead=LEAD, contractor=CONTRACTOR)
    assert "竣工最终风险评估报告" in report.text and "已销项" in report.text, report.text
    assert "".join(LOCATION.split()) in report.text and INSURER_ID in report.text, report.text
    accept = u.AdvanceStage(project_id=project_id, stage=ProjectStage.COMPLETION_ACCEPTANCE, on=date(2022, 6, 1))
    until(lambda: _accepted(post(f"{base}/stage", accept, BUILDER)), "completion acceptance after risk's seal")
    final = _project(policy, project_id)["milestones"]["final_report"]
    assert (final["key"], final["sha256"]) == (report.key, report.sha256)  # risk's event, as policy recorded it
    filing = u.AdvanceStage(project_id=project_id, stage=ProjectStage.COMPLETION_FILING, on=date(2022, 6, 30))
    ok(post(f"{base}/stage", filing, BUILDER))
    shown = _project(policy, project_id)
    assert shown["milestones"]["liability_starts_on"] == "2024-06-30"  # two years' contractor warranty
    assert shown["stage"] == ProjectStage.CONTRACTOR_WARRANTY.value

    # The builder registers the buyer; claims learn the owner only as an opaque id and a masked number
    unit_id = f"{project_id}-u-1"
    buyers = u.RegisterUnitOwners(
        project_id=project_id,
        unit_id=unit_id,
        sale_contract_no="HT-2022-0001",
        buyers=(u.UnitBuyer(name="王五", id_number="310101199001011234"),),
        on=date(2022, 7, 1),
    )
    ok(post(f"{base}/units/{unit_id}/owners", buyers, BUILDER))
    owner_id = _project(policy, project_id)["owners"][unit_id][0]["owner_id"]
    owner = Actor(id=owner_id, role=Role.OWNER, region=REGION, unit_ids=(unit_id,))

    def accepted() -> dict[str, Any] | None:
        claim = c.ReportClaim(
            claim_id=f"clm-{uuid.uuid4().hex[:10]}",
            unit_id=unit_id,
            owner_id=owner_id,
            part=BuildingPart.WATERPROOFING,
            item="卫生间渗漏",
            location="主卧卫生间地面",
            description="楼下天花板出现水渍",
        )
        answer = post(f"{claims}/v1/claims", claim, owner)
        body: dict[str, Any] = answer.json()
        return body if answer.status_code == 201 and body.get("status") == c.ClaimStatus.REPORTED.value else None

    claim = until(accepted, "the owner's claim accepted by claims (CLM-01, POL-13)")
    assert claim["policy_id"] == f"pol-{RUN}" and claim["owner_id"] == owner_id


def _accepted(answer: httpx.Response) -> bool:
    """True once accepted; until policy has folded risk's seal, only the RSK-07 refusal is expected."""
    if answer.status_code == 200:
        return True
    assert answer.status_code == 422 and "NO_SEALED_FINAL_REPORT" in answer.text, answer.text
    return False
