"""The practitioner (从业人员) in the talent database (人才数据库): REG-02, REG-10, REG-11.

Identity is real-name (实名制) but stored protected (XC-09): a keyed hash to match a person and the
masked form to show; the full ID number and phone never reach the aggregate.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from anju_contracts.registry import (
    CreditKind,
    CreditSubject,
    FailedCondition,
    MaskedIdentity,
    PractitionerApplied,
    PractitionerApproved,
    PractitionerRefused,
    PractitionerRole,
    PractitionerStatus,
    ReEvaluationRecorded,
    RegisteredLicence,
    TechnicalTitle,
    TrainingRecorded,
)
from anju_kit.regions import LeadCredential
from anju_registry.domain.aggregate import Aggregate
from anju_registry.domain.credentials import CREDENTIAL_NAMES_ZH, holds
from anju_registry.domain.credit import CreditRecord, new_credit_record
from anju_registry.domain.errors import InvalidState, failed
from anju_registry.domain.experience import add_months, full_years
from anju_registry.domain.ranks import TITLE_NAMES_ZH
from anju_registry.domain.rules import RegistryRules


class ProtectedIdentity(BaseModel):
    """What is kept of a real-name identity: keyed hashes to match, masked values to show (XC-09)."""

    name: str
    name_masked: str
    id_number_hash: str
    id_number_masked: str
    phone_hash: str
    phone_masked: str

    def masked(self) -> MaskedIdentity:
        return MaskedIdentity(
            name=self.name_masked, id_number_masked=self.id_number_masked, phone_masked=self.phone_masked
        )


class Training(BaseModel):
    course: str
    completed_on: date


class Practitioner(Aggregate):
    practitioner_id: str
    agency_id: str
    identity: ProtectedIdentity
    title: TechnicalTitle
    registered_licences: list[RegisteredLicence] = Field(default_factory=list)
    career_start: date
    roles: list[PractitionerRole]
    status: PractitionerStatus = PractitionerStatus.APPLIED
    refusals: list[FailedCondition] = Field(default_factory=list)
    evaluation_valid_until: date | None = None
    trainings: list[Training] = Field(default_factory=list)
    credit: list[CreditRecord] = Field(default_factory=list)
    # The ID number matched another practitioner's when this application came in. The applicant is
    # not told (that would reveal whether a person is listed, XC-05); the regulator sees it and its
    # approval refuses the application (REG-02, one person listed once). Stored ones default to False.
    identity_review: bool = False

    @classmethod
    def apply(
        cls,
        *,
        practitioner_id: str,
        agency_id: str,
        identity: ProtectedIdentity,
        title: TechnicalTitle,
        registered_licences: tuple[RegisteredLicence, ...],
        career_start: date,
        roles: tuple[PractitionerRole, ...],
        identity_review: bool = False,
    ) -> Practitioner:
        practitioner = cls(
            practitioner_id=practitioner_id,
            agency_id=agency_id,
            identity=identity,
            title=title,
            registered_licences=list(registered_licences),
            career_start=career_start,
            roles=list(dict.fromkeys(roles)),
            identity_review=identity_review,
        )
        practitioner._applied()
        return practitioner

    def reapply(
        self,
        *,
        agency_id: str,
        identity: ProtectedIdentity,
        title: TechnicalTitle,
        registered_licences: tuple[RegisteredLicence, ...],
        career_start: date,
        roles: tuple[PractitionerRole, ...],
        identity_review: bool = False,
    ) -> None:
        if self.status is not PractitionerStatus.REFUSED:
            raise InvalidState(
                f"practitioner {self.practitioner_id} is {self.status}; only a refused one reapplies", "REG-02"
            )
        self.agency_id, self.identity, self.title = agency_id, identity, title
        self.registered_licences, self.career_start = list(registered_licences), career_start
        self.roles, self.status, self.refusals = list(dict.fromkeys(roles)), PractitionerStatus.APPLIED, []
        self.identity_review = identity_review
        self._applied()

    def _applied(self) -> None:
        self._record(
            PractitionerApplied(
                practitioner_id=self.practitioner_id,
                agency_id=self.agency_id,
                identity=self.identity.masked(),
                title=self.title,
                roles=tuple(self.roles),
            )
        )

    @property
    def is_technical(self) -> bool:
        """Everyone but assistants is technical staff (专业技术人员)."""
        return any(role is not PractitionerRole.ASSISTANT for role in self.roles)

    @property
    def has_registered_licence(self) -> bool:
        return bool(self.registered_licences)

    def years(self, today: date) -> int:
        return full_years(self.career_start, today)

    def holds(self, credential: LeadCredential) -> bool:
        return holds(credential, title=self.title, registered_licence=self.has_registered_licence)

    def approval_failures(self, rules: RegistryRules) -> list[FailedCondition]:
        """REG-02: one person is listed once (实名制); technical staff hold at least the region's
        minimum credential (工程师)."""
        problems: list[FailedCondition] = []
        if self.identity_review:
            problems.append(
                failed(
                    "REG-02",
                    "REAL_NAME_CHECK_FAILED",
                    "the real-name check (实名制) did not pass",
                    self.practitioner_id,
                )
            )
        minimum = rules.technical_staff_min_credential
        if self.is_technical and not self.holds(minimum):
            problems.append(
                failed(
                    "REG-02",
                    "TITLE_BELOW_MINIMUM",
                    f"technical staff hold at least {CREDENTIAL_NAMES_ZH[minimum]}; "
                    f"{self.practitioner_id} holds {TITLE_NAMES_ZH[self.title]}",
                    self.practitioner_id,
                )
            )
        return problems

    def approve(self, *, rules: RegistryRules, today: date) -> None:
        if self.status is not PractitionerStatus.APPLIED:
            raise InvalidState(f"practitioner {self.practitioner_id} is {self.status}, not awaiting approval", "REG-02")
        problems = self.approval_failures(rules)
        if problems:
            self.status, self.refusals = PractitionerStatus.REFUSED, problems
            self._record(PractitionerRefused(practitioner_id=self.practitioner_id, failed=tuple(problems)))
            return
        self.status = PractitionerStatus.APPROVED
        # Approval is the first evaluation; it holds for the region's re-evaluation period (REG-11).
        self.evaluation_valid_until = add_months(today, rules.reevaluation_valid_months)
        self._record(
            PractitionerApproved(
                practitioner_id=self.practitioner_id,
                agency_id=self.agency_id,
                identity=self.identity.masked(),
                evaluation_valid_until=self.evaluation_valid_until,
            )
        )

    @property
    def in_database(self) -> bool:
        return self.status is PractitionerStatus.APPROVED

    def evaluation_current(self, today: date) -> bool:
        return self.evaluation_valid_until is not None and today <= self.evaluation_valid_until

    def record_training(self, *, course: str, completed_on: date) -> None:
        self._require_approved()
        training = Training(course=course, completed_on=completed_on)
        if training in self.trainings:
            return
        self.trainings.append(training)
        self._record(TrainingRecorded(practitioner_id=self.practitioner_id, course=course, completed_on=completed_on))

    def record_reevaluation(self, *, evaluated_on: date, passed: bool, rules: RegistryRules) -> None:
        """REG-11: a pass renews the evaluation period; a fail lapses it at once."""
        self._require_approved()
        self.evaluation_valid_until = add_months(evaluated_on, rules.reevaluation_valid_months) if passed else None
        self._record(
            ReEvaluationRecorded(
                practitioner_id=self.practitioner_id,
                evaluated_on=evaluated_on,
                passed=passed,
                evaluation_valid_until=self.evaluation_valid_until,
            )
        )

    def add_credit(self, *, kind: CreditKind, rule_id: str, summary: str, project_id: str | None, today: date) -> None:
        """REG-10: a credit record of the practitioner (e.g. named in a responsibility finding)."""
        record, event = new_credit_record(
            CreditSubject.PRACTITIONER,
            self.practitioner_id,
            len(self.credit),
            kind=kind,
            rule_id=rule_id,
            summary=summary,
            project_id=project_id,
            today=today,
        )
        self.credit.append(record)
        self._record(event)

    def _require_approved(self) -> None:
        if self.status is not PractitionerStatus.APPROVED:
            raise InvalidState(f"practitioner {self.practitioner_id} is not in the talent database", "REG-11")
