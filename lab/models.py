"""Core records of the marketplace: organisations, users, tokens, demands, capability profiles,
proposals, the outbox that feeds the search index and the audit trail."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class OrgKind(StrEnum):
    DEPARTMENT = "department"
    ENTERPRISE = "enterprise"
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    OPERATOR = "operator"


class Role(StrEnum):
    DEPARTMENT_MEMBER = "department_member"
    SUPPLIER_MEMBER = "supplier_member"
    REVIEWER = "reviewer"
    OPERATOR = "operator"


class DemandStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class ProfileStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ProposalStatus(StrEnum):
    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Organisation(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(OrgKind, max_length=16)
    name = fields.CharField(max_length=200, unique=True)
    district = fields.CharField(max_length=40, default="")
    credit_code = fields.CharField(max_length=18, null=True, unique=True)
    verified = fields.BooleanField(default=False)
    # self-registration: waiting for an operator's verification; a rejection keeps its reason
    pending = fields.BooleanField(default=False, db_default=False, db_index=True)
    rejection_reason = fields.CharField(max_length=500, default="", db_default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "organisation"
        ordering = ["id"]

    @property
    def is_supplier(self) -> bool:
        return self.kind in (OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE)


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    display_name = fields.CharField(max_length=100)
    password_hash = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=24)
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name="users", on_delete=fields.RESTRICT
    )
    organisation_id: int
    active = fields.BooleanField(default=True)
    # suppliers: alert me to new demands that fit my organisation's published profiles (opt-out)
    fit_alerts = fields.BooleanField(default=True)
    # digests are also mailed unless the user unsubscribed (the inbox always gets them)
    digest_mail = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "user"
        ordering = ["id"]


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tokens", on_delete=fields.CASCADE
    )
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    label = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class SignInThrottle(Model):
    """Sign-in attempts per bucket in the current window, counted by one atomic upsert."""

    # a bucket is an email with a client address, or an address alone (see lab.signin)

    bucket = fields.CharField(max_length=300, primary_key=True)
    window_start = fields.BigIntField()  # epoch seconds
    attempts = fields.IntField(default=0)

    class Meta:
        table = "sign_in_throttle"


class Demand(Model):
    id = fields.IntField(primary_key=True)
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name="demands", on_delete=fields.RESTRICT
    )
    organisation_id: int
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    domain = fields.CharField(max_length=20)
    district = fields.CharField(max_length=40, default="")
    budget_wan = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    deadline = fields.DateField(null=True)
    data_conditions = fields.TextField(default="")
    status = fields.CharEnumField(DemandStatus, max_length=16, default=DemandStatus.DRAFT)
    external_ref = fields.CharField(max_length=40, null=True, unique=True)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    published_at = fields.DatetimeField(null=True)
    # public Q&A (公开答疑) takes questions until this moment (no limit when empty)
    questions_close_at = fields.DatetimeField(null=True)

    class Meta:
        table = "demand"
        ordering = ["-id"]


class CapabilityProfile(Model):
    id = fields.IntField(primary_key=True)
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name="profiles", on_delete=fields.RESTRICT
    )
    organisation_id: int
    title = fields.CharField(max_length=200)
    summary = fields.TextField(default="")
    domains = fields.JSONField(default=list)
    keywords = fields.JSONField(default=list)
    cases = fields.JSONField(default=list)
    maturity = fields.IntField(null=True)  # TRL 1-9
    attributes = fields.JSONField(default=list)  # e.g. ["等保三级", "信创适配"]
    region = fields.CharField(max_length=60, default="")
    status = fields.CharEnumField(ProfileStatus, max_length=16, default=ProfileStatus.DRAFT)
    external_ref = fields.CharField(max_length=40, null=True, unique=True)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "capability_profile"
        ordering = ["-id"]


class Proposal(Model):
    id = fields.IntField(primary_key=True)
    demand: fields.ForeignKeyRelation[Demand] = fields.ForeignKeyField(
        "models.Demand", related_name="proposals", on_delete=fields.RESTRICT
    )
    demand_id: int
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name="proposals", on_delete=fields.RESTRICT
    )
    organisation_id: int
    profile: fields.ForeignKeyNullableRelation[CapabilityProfile] = fields.ForeignKeyField(
        "models.CapabilityProfile", related_name="proposals", null=True, on_delete=fields.SET_NULL
    )
    profile_id: int | None
    approach = fields.TextField()
    cost_wan = fields.DecimalField(max_digits=12, decimal_places=2)
    duration_weeks = fields.IntField()
    status = fields.CharEnumField(ProposalStatus, max_length=16, default=ProposalStatus.SUBMITTED)
    # why the department declined it (or closed it when accepting another), shown to the supplier
    decision_reason = fields.TextField(default="")
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "proposal"
        ordering = ["-id"]
        unique_together = (("demand", "organisation"),)


class OutboxEvent(Model):
    """A change to index, appended in the same transaction as the write it describes."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=20)  # demand | capability | proposal | scenario
    object_id = fields.IntField()
    op = fields.CharField(max_length=10)  # upsert | delete
    created_at = fields.DatetimeField(auto_now_add=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    processed_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "outbox_event"
        ordering = ["id"]


class AuditRecord(Model):
    """Append-only audit trail of the core: who did what to which object, before and after, why, when.

    Written by ``lab.audit.record`` in the transaction of the change it describes. Its table keeps the
    name it had when it belonged to the pipeline, so no data moved.
    """

    id = fields.BigIntField(primary_key=True)
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="audit_records", null=True, on_delete=fields.RESTRICT
    )
    actor_id: int | None
    action = fields.CharField(max_length=40)
    object_kind = fields.CharField(max_length=20)
    object_id = fields.IntField()
    before = fields.JSONField(default=dict)
    after = fields.JSONField(default=dict)
    reason = fields.TextField(default="")
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pipeline_audit_record"
        ordering = ["id"]
        indexes = (("object_kind", "object_id"),)

    async def save(self, *args, **kwargs) -> None:
        if self._saved_in_db:
            raise PermissionError("audit records are immutable")
        await super().save(*args, **kwargs)

    async def delete(self, *args, **kwargs) -> None:
        raise PermissionError("audit records are immutable")
