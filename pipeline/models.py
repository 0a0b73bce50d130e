"""Records of the scenario lifecycle: scenarios, their attachments, reviewer assignments and reviews,
reserve-list editions and their featured showcase and the in-app inbox (the audit trail is the
core's ``lab.models.AuditRecord``).

Only ``pipeline.lifecycle`` writes a scenario's ``stage``; audit records are append-only.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Stage(StrEnum):
    REQUIREMENT = "requirement"
    DESIGN = "design"
    TESTING = "testing"
    EVALUATION = "evaluation"
    LISTING = "listing"
    PROMOTION = "promotion"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Origin(StrEnum):
    LAB = "lab"
    EXTERNAL = "external"


class EditionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class AttachmentKind(StrEnum):
    DESIGN_PLAN = "design_plan"
    TEST_REPORT = "test_report"


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    RECUSED = "recused"
    SUBMITTED = "submitted"


def open_slot(status: str) -> bool | None:
    return True if status == EditionStatus.OPEN else None


class Edition(Model):
    """A reserve-list edition (场景储备清单批次) with its capacities, review rules and rubric."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    year = fields.IntField()
    status = fields.CharEnumField(EditionStatus, max_length=16, default=EditionStatus.OPEN)
    # True while the edition is open, NULL otherwise: the unique index lets the database refuse a
    # second open edition even when two requests race past the check in code
    open_slot = fields.BooleanField(null=True, unique=True)
    capacity = fields.IntField(default=249)
    featured_capacity = fields.IntField(default=18)
    min_reviews = fields.IntField(default=3)
    pass_threshold = fields.FloatField(default=70.0)
    rubric = fields.JSONField(default=list)  # [{"name": "创新性", "weight": 20}, ...]
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "pipeline_edition"
        ordering = ["-year", "-id"]


class Scenario(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=20, null=True, unique=True)  # CD-2023-001, given on listing
    title = fields.CharField(max_length=200)
    summary = fields.TextField(default="")
    domain = fields.CharField(max_length=20)
    district = fields.CharField(max_length=40, default="")
    origin = fields.CharEnumField(Origin, max_length=16, default=Origin.LAB)
    city = fields.CharField(max_length=40, default="成都")
    source_note = fields.CharField(max_length=200, default="")
    year = fields.IntField(null=True)
    tags = fields.JSONField(default=list)
    investment_wan = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    lead_department: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organisation", related_name="led_scenarios", null=True, on_delete=fields.RESTRICT)
    lead_department_id: int | None
    partners: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.Organisation", related_name="partner_scenarios", through="pipeline_scenario_partner")
    partner_names = fields.JSONField(default=list)  # free text, for external cases
    demand: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Demand", related_name="scenarios", null=True, on_delete=fields.RESTRICT)
    demand_id: int | None
    # the demand id while the scenario is live (not rejected or withdrawn), NULL otherwise: one live
    # scenario per demand, enforced by a unique index
    live_demand_key = fields.IntField(null=True, unique=True)
    proposals: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.Proposal", related_name="scenarios", through="pipeline_scenario_proposal")
    edition: fields.ForeignKeyNullableRelation[Edition] = fields.ForeignKeyField(
        "models.Edition", related_name="scenarios", null=True, on_delete=fields.RESTRICT)
    edition_id: int | None
    stage = fields.CharEnumField(Stage, max_length=16, default=Stage.REQUIREMENT, db_index=True)
    furthest_stage = fields.CharEnumField(Stage, max_length=16, default=Stage.REQUIREMENT)
    version = fields.IntField(default=1)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="created_scenarios", null=True, on_delete=fields.SET_NULL)
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    entered_stage_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pipeline_scenario"
        ordering = ["-id"]


class Attachment(Model):
    id = fields.IntField(primary_key=True)
    scenario: fields.ForeignKeyRelation[Scenario] = fields.ForeignKeyField(
        "models.Scenario", related_name="attachments", on_delete=fields.CASCADE)
    scenario_id: int
    kind = fields.CharEnumField(AttachmentKind, max_length=16)
    verdict = fields.CharEnumField(Verdict, max_length=8, null=True)
    filename = fields.CharField(max_length=200)
    media_type = fields.CharField(max_length=100)
    extension = fields.CharField(max_length=8)
    size = fields.IntField()
    sha256 = fields.CharField(max_length=64, db_index=True)
    stage = fields.CharEnumField(Stage, max_length=16)
    uploaded_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="scenario_attachments", null=True, on_delete=fields.SET_NULL)
    uploaded_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pipeline_attachment"
        ordering = ["-id"]


class ReviewAssignment(Model):
    id = fields.IntField(primary_key=True)
    scenario: fields.ForeignKeyRelation[Scenario] = fields.ForeignKeyField(
        "models.Scenario", related_name="assignments", on_delete=fields.CASCADE)
    scenario_id: int
    reviewer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="review_assignments", on_delete=fields.RESTRICT)
    reviewer_id: int
    status = fields.CharEnumField(AssignmentStatus, max_length=16, default=AssignmentStatus.ASSIGNED)
    recusal_reason = fields.TextField(default="")
    assigned_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="assignments_made", null=True, on_delete=fields.SET_NULL)
    assigned_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "pipeline_review_assignment"
        unique_together = (("scenario", "reviewer"),)
        ordering = ["-id"]


class Review(Model):
    id = fields.IntField(primary_key=True)
    scenario: fields.ForeignKeyRelation[Scenario] = fields.ForeignKeyField(
        "models.Scenario", related_name="reviews", on_delete=fields.CASCADE)
    scenario_id: int
    reviewer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="reviews", on_delete=fields.RESTRICT)
    reviewer_id: int
    scores = fields.JSONField()  # {"创新性": 80, ...}
    rubric = fields.JSONField()  # the rubric the scores were given against
    weighted_score = fields.FloatField()
    comment = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pipeline_review"
        unique_together = (("scenario", "reviewer"),)
        ordering = ["id"]


class FeaturedEntry(Model):
    """A scenario in an edition's featured showcase (精选展示), at a rank set by operators."""

    id = fields.IntField(primary_key=True)
    edition: fields.ForeignKeyRelation[Edition] = fields.ForeignKeyField(
        "models.Edition", related_name="featured", on_delete=fields.CASCADE)
    edition_id: int
    scenario: fields.ForeignKeyRelation[Scenario] = fields.ForeignKeyField(
        "models.Scenario", related_name="featured_entries", on_delete=fields.CASCADE)
    scenario_id: int
    rank = fields.IntField()
    highlight = fields.TextField(default="")
    metrics = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pipeline_featured_entry"
        unique_together = (("edition", "scenario"),)
        ordering = ["rank", "id"]


class Notification(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE)
    user_id: int
    kind = fields.CharField(max_length=30)  # stage_changed | decision | review_assigned | review_submitted | recusal
    message = fields.CharField(max_length=500)
    scenario: fields.ForeignKeyNullableRelation[Scenario] = fields.ForeignKeyField(
        "models.Scenario", related_name="notifications", null=True, on_delete=fields.CASCADE)
    scenario_id: int | None
    read_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pipeline_notification"
        ordering = ["-id"]
