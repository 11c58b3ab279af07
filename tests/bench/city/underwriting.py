"""The city's projects through policy's and risk's own write paths, chunk by chunk, each step checkpointed.

Per chunk of projects (``--policy-chunk``):

1. ``projects:registered`` — each quotation letter uploaded (HTTP: a presigned PUT), then
   ``RegisterProject`` and ``SelectAgency`` on ``anju.policy.commands.v1`` signed as the insurer's core
   system; done when policy's command group has committed past them *and* each project shows the team
   the registry assigned from policy's own ``registry.AssignTeam`` (a refusal stops the seed with it);
2. ``projects:issued`` — insurance contract, the full premium (as policy priced it), the policy issued,
   construction (the builder): on Kafka, checked back by reading each project;
3. ``risk:files`` — once risk knows the project and its team: four uploads (HTTP), then the plan,
   kick-off, an inspection, every issue with its rectification and review, the processes closed, on
   ``anju.risk.commands.v1`` signed as the lead, the insurer and the contractor;
4. ``risk:sealed`` — the final report sealed by the insurer (one PDF each, rendered by risk);
5. ``projects:completed`` — once policy has folded risk's ``FinalReportSealed``: completion acceptance
   and filing (the liability period), checked back;
6. ``owners`` — each unit's buyer registered by the builder from the sales roster, in batches of at
   most 100 units, one commit each (HTTP only, XC-09).

A re-run skips finished steps and re-sends an unfinished one: event ids and idempotency keys come from
the plan, so the services apply each command once (a new letter upload is harmless: ``RegisterProject``
is then a replay, answered duplicate).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from anju_contracts import Envelope, topics
from anju_contracts import risk as r
from anju_contracts import underwriting as u
from anju_contracts.base import ContractModel
from anju_contracts.common import EvidenceRef
from anju_contracts.policy import ProjectStage
from anju_kit.clock import SHANGHAI
from tests.bench.city import projects as pj
from tests.bench.city import risk_work as rw
from tests.bench.city.desks import Desk, json_of, until_all
from tests.bench.city.kafka_io import Sender, wait_caught_up, wait_drained
from tests.bench.city.plan import UNITS_PER_PROJECT, CityPlan
from tests.bench.city.registry_seed import Answers

if TYPE_CHECKING:
    from tests.bench.city.seed import Run

Doc = dict[str, Any]
_STAGES = {stage.value: stage.order for stage in ProjectStage}
CONSTRUCTION = ProjectStage.CONSTRUCTION.order


class Underwriting:
    def __init__(self, run: Run, sender: Sender, desk: Desk) -> None:
        self.run, self.sender, self.desk = run, sender, desk
        self.policy = f"{run.services['policy'].url}/v1/policy/projects"
        self.risk = f"{run.services['risk'].url}/v1/risk/projects"

    @property
    def plan(self) -> CityPlan:
        return self.run.plan

    async def seed(self) -> None:
        plan, size = self.plan, self.run.options.policy_chunk
        for k, start in enumerate(range(0, plan.projects, size)):
            chunk = range(start, min(plan.projects, start + size))
            n = len(chunk)
            steps: tuple[tuple[str, int, Callable[[range], Awaitable[None]]], ...] = (
                (f"projects:{k:04d}:registered", n, self.registered),
                (f"projects:{k:04d}:issued", n, self.issued),
                (f"risk:{k:04d}:files", n * plan.issues_per_project, self.files),
                (f"risk:{k:04d}:sealed", n, self.sealed),
                (f"projects:{k:04d}:completed", n, self.completed),
                (f"owners:{k:04d}", n * UNITS_PER_PROJECT, self.owners),
            )
            for name, items, work in steps:
                await self.run.step(name, items, partial(work, chunk))
        # claims judge reports by the owners and periods they folded from policy's events
        waited = await wait_caught_up(self.run.settings.kafka_bootstrap, [self.run.names.claims_policy_group])
        print(f"  claims folded policy's events {waited:.0f} s after the last owner", flush=True)

    # -- policy ------------------------------------------------------------------------------------

    async def registered(self, chunk: range) -> None:
        plan = self.plan

        async def letter(p: int) -> EvidenceRef:
            project_id = plan.project_id(p)

            def ask(size: int, sha256: str) -> ContractModel:
                return u.RequestDocumentUpload(
                    project_id=project_id, file_name="报价函.pdf", content_type="application/pdf", size=size,
                    sha256=sha256,
                )  # fmt: skip

            url = f"{self.policy}/{project_id}/document-uploads"
            return await self.desk.upload(url, ask, pj.letter(plan, p), pj.insurer_system(plan, p), "application/pdf")

        letters = await asyncio.gather(*(letter(p) for p in chunk))
        envelopes = [
            e
            for p, document in zip(chunk, letters, strict=True)
            for e in pj.envelopes(plan, p, "registered", [(pj.register(plan, p, document), pj.insurer_system(plan, p)),
                                                          (pj.select_agency(plan, p), pj.insurer_system(plan, p))])
        ]  # fmt: skip
        await self._send("policy", envelopes)

        async def assigned(p: int) -> bool:
            shown = await self._project(p)
            failed = (shown.get("assignment") or {}).get("failed")
            if failed:
                raise RuntimeError(f"the registry refused the team of {plan.project_id(p)}: {failed}")
            return bool(shown.get("risk_contract"))

        await self._until(chunk, assigned, "the registry's teams, as policy recorded them")

    async def issued(self, chunk: range) -> None:
        plan = self.plan
        shown = await asyncio.gather(*(self._project(p) for p in chunk))
        envelopes = [
            e
            for p, project in zip(chunk, shown, strict=True)
            for e in pj.envelopes(plan, p, "issued", pj.issued(plan, p, Decimal(project["premium_yuan"])))
        ]
        await self._send("policy", envelopes)

        async def insured(p: int) -> bool:
            """Issued and in construction or later (a re-run finds the project further on)."""
            shown = await self._project(p)
            stage = shown.get("stage")
            return bool(shown.get("policy_id")) and stage in _STAGES and _STAGES[stage] >= CONSTRUCTION

        await self._until(chunk, insured, "the policies issued and construction (a refusal is on the rejections topic)")

    async def completed(self, chunk: range) -> None:
        plan = self.plan

        async def sealed(p: int) -> bool:
            return bool(((await self._project(p)).get("milestones") or {}).get("final_report"))

        await self._until(chunk, sealed, "policy to fold risk's FinalReportSealed")
        await self._send(
            "policy", [e for p in chunk for e in pj.envelopes(plan, p, "completed", pj.completed(plan, p))]
        )

        async def liable(p: int) -> bool:
            starts = ((await self._project(p)).get("milestones") or {}).get("liability_starts_on")
            return starts == plan.liability_starts_on(p).isoformat()

        await self._until(chunk, liable, "completion filing and the liability period as the plan dates it")

    async def owners(self, chunk: range) -> None:
        plan, answers = self.plan, self.run.answers.setdefault("owners", Answers())
        # A resumed step sends only the owners not recorded yet: policy answers a replay by walking the
        # project's commit log back to the entry that applied it. A batch's key is its units, so a re-run
        # that finds the same units unrecorded replays it, and one that finds fewer sends a new batch.
        shown = await asyncio.gather(*(self._project(p) for p in chunk))
        recorded = {unit for project in shown for unit, owners in (project.get("owners") or {}).items() if owners}
        per_project = [
            [
                (
                    f"{self.policy}/{plan.project_id(p)}/owners",
                    batch,
                    pj.builder(plan, p),
                    plan.event_id("policy", plan.project_id(p), "owners", *(e.unit_id for e in batch.entries)),
                )
                for batch in pj.owners(
                    plan, p, [k for k in range(UNITS_PER_PROJECT) if plan.unit_id(p, k) not in recorded]
                )
            ]
            for p in chunk
        ]
        await self.desk.post_all(per_project, answers)  # one project's batches in order: one aggregate

    # -- risk --------------------------------------------------------------------------------------

    async def files(self, chunk: range) -> None:
        plan = self.plan

        async def known(p: int) -> bool:
            """Risk folded policy's ProjectRegistered and the registry's TeamAssigned (its facts)."""
            base = f"{self.risk}/{plan.project_id(p)}/issues"
            for actor in (rw.lead(plan, p), pj.contractor(plan, p)):
                if (await self.desk.get(base, actor)).status_code != 200:
                    return False
            return True

        await self._until(chunk, known, "risk to know the projects, their teams and units")
        evidence = await asyncio.gather(*(self._evidence(p) for p in chunk))
        today = datetime.now(SHANGHAI).date()  # risk's legal clock runs on today's dates
        envelopes = [
            e
            for p, found in zip(chunk, evidence, strict=True)
            for e in rw.envelopes(plan, p, "files", rw.file_commands(plan, p, found, today))
        ]
        await self._send("risk", envelopes)

    async def sealed(self, chunk: range) -> None:
        plan = self.plan
        await self._send("risk", [e for p in chunk for e in rw.envelopes(plan, p, "sealed", [rw.seal(plan, p)])])

        async def has_report(p: int) -> bool:
            shown = json_of(await self.desk.get(f"{self.risk}/{plan.project_id(p)}", pj.insurer_system(plan, p)))
            return bool(shown.get("final_report"))

        await self._until(chunk, has_report, "the final reports sealed (a refusal is on the rejections topic)")

    async def _evidence(self, p: int) -> rw.Evidence:
        plan, project_id = self.plan, self.plan.project_id(p)
        who = {"minutes": pj.insurer_system(plan, p), "photo": rw.lead(plan, p)}
        url = f"{self.risk}/{project_id}/evidence-uploads"
        refs: dict[str, EvidenceRef] = {}
        for name, (file_name, data, content_type) in rw.uploads(p).items():

            def ask(
                size: int, sha256: str, file_name: str = file_name, content_type: str = content_type
            ) -> ContractModel:
                return r.RequestEvidenceUpload(
                    project_id=project_id, file_name=file_name, content_type=content_type, size=size, sha256=sha256
                )

            actor = who.get(name, pj.contractor(plan, p))
            refs[name] = await self.desk.upload(url, ask, data, actor, content_type)
        return rw.Evidence(**refs)

    # -- common ------------------------------------------------------------------------------------

    async def _send(self, service: str, envelopes: list[Envelope]) -> None:
        run = self.run
        topic = topics.POLICY.commands if service == "policy" else topics.RISK.commands
        targets = await self.sender.send(topic, envelopes)
        process = run.services[service]
        await wait_drained(
            run.settings.kafka_bootstrap,
            run.names.commands_group(service),
            targets,
            alive=lambda: process.alive,
            what=f"{service} commands",
        )

    async def _project(self, p: int) -> Doc:
        plan = self.plan
        return json_of(await self.desk.get(f"{self.policy}/{plan.project_id(p)}", pj.insurer_system(plan, p)))

    async def _until(self, chunk: range, probe: Callable[[int], Awaitable[bool]], what: str) -> None:
        await until_all({self.plan.project_id(p): partial(probe, p) for p in chunk}, what)
