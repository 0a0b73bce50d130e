"""Records of the scenario lifecycle: scenarios, their attachments, reviewer assignments and reviews,
reserve-list editions and their featured showcase and the in-app inbox (the audit trail is the
core's ``lab.models.AuditRecord``).

Only ``pipeline.lifecycle`` writes a scenario's ``stage``; audit records are append-only.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from lab.conversation_models import Notification  # noqa: F401 - the inbox moved to the core


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
        "models.Organisation", related_name="led_scenarios", null=True, on_delete=fields.RESTRICT
    )
    lead_department_id: int | None
    partners: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.Organisation", related_name="partner_scenarios", through="pipeline_scenario_partner"
    )
    partner_names = fields.JSONField(default=list)  # free text, for external cases
    demand: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Demand", related_name="scenarios", null=True, on_delete=fields.RESTRICT
    )
    demand_id: int | None
    # the demand id while the scenario is live (not rejected or withdrawn), NULL otherwise: one live
    # scenario per demand, enforced by a unique index
    live_demand_key = fields.IntField(null=True, unique=True)
    proposals: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.Proposal", related_name="scenarios", through="pipeline_scenario_proposal"
    )
    edition: fields.ForeignKeyNullableRelation[Edition] = fields.ForeignKeyField(
        "models.Edition", related_name="scenarios", null=True, on_delete=fields.RESTRICT
    )
    edition_id: int | None
    stage = fields.CharEnumField(Stage, max_length=16, default=Stage.REQUIREMENT, db_index=True)
    furthest_stage = fields.CharEnumField(Stage, max_length=16, default=Stage.REQUIREMENT)
    version = fields.IntField(default=1)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="created_scenarios", null=True, on_delete=fields.SET_NULL
    )
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
        "models.Scenario", related_name="attachments", on_delete=fields.CASCADE
    )
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
        "models.User", related_name="scenario_attachments", null=True, on_delete=fields.SET_NULL
    )
    uploaded_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pipeline_attachment"
        ordering = ["-id"]


class ReviewAssignment(Model):
    id = fields.IntField(primary_key=True)
    scenario: fields.ForeignKeyRelation[Scenario] = fields.ForeignKeyField(
        "models.Scenario", related_name="assignments", on_delete=fields.CASCADE
    )
    scenario_id: int
    reviewer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="review_assignments", on_delete=fields.RESTRICT
    )
    reviewer_id: int
    status = fields.CharEnumField(AssignmentStatus, max_length=16, default=AssignmentStatus.ASSIGNED)
    recusal_reason = fields.TextField(default="")
    assigned_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="assignments_made", null=True, on_delete=fields.SET_NULL
    )
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
        "models.Scenario", related_name="reviews", on_delete=fields.CASCADE
    )
    scenario_id: int
    reviewer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="reviews", on_delete=fields.RESTRICT
    )
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
        "models.Edition", related_name="featured", on_delete=fields.CASCADE
    )
    edition_id: int
    scenario: fields.ForeignKeyRelation[Scenario] = fields.ForeignKeyField(
        "models.Scenario", related_name="featured_entries", on_delete=fields.CASCADE
    )
    scenario_id: int
    rank = fields.IntField()
    highlight = fields.TextField(default="")
    metrics = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pipeline_featured_entry"
        unique_together = (("edition", "scenario"),)
        ordering = ["rank", "id"]


class SharingClass(StrEnum):
    """Chengdu's three classes of public data (无条件共享 / 有条件共享 / 不予共享)."""

    UNCONDITIONAL = "unconditional"
    CONDITIONAL = "conditional"
    NOT_SHARED = "not_shared"


class DataRequestStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"


class DataResource(Model):
    """A public-data resource in a department's catalogue (公共数据资源目录)."""

    id = fields.IntField(primary_key=True)
    department: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation", related_name="data_resources", on_delete=fields.RESTRICT
    )
    department_id: int
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    data_fields = fields.JSONField(default=list)  # data items (字段)
    update_frequency = fields.CharField(max_length=20)
    sharing_class = fields.CharEnumField(SharingClass, max_length=16)
    not_shared_reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "pipeline_data_resource"
        ordering = ["department_id", "id"]
        unique_together = (("department", "name"),)


class DataRequest(Model):
    """A request for a resource, serving one demand or one scenario. Conditional requests are due
    10 working days after receipt (``due_on``); the answer is recorded once."""

    id = fields.IntField(primary_key=True)
    resource: fields.ForeignKeyRelation[DataResource] = fields.ForeignKeyField(
        "models.DataResource", related_name="requests", on_delete=fields.RESTRICT
    )
    resource_id: int
    requester: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="data_requests", null=True, on_delete=fields.SET_NULL
    )
    requester_id: int | None
    requester_org: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation", related_name="data_requests", on_delete=fields.RESTRICT
    )
    requester_org_id: int
    demand: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Demand", related_name="data_requests", null=True, on_delete=fields.RESTRICT
    )
    demand_id: int | None
    scenario: fields.ForeignKeyNullableRelation[Scenario] = fields.ForeignKeyField(
        "models.Scenario", related_name="data_requests", null=True, on_delete=fields.RESTRICT
    )
    scenario_id: int | None
    purpose = fields.TextField()
    data_fields = fields.JSONField(default=list)
    period_from = fields.DateField()
    period_to = fields.DateField()
    status = fields.CharEnumField(DataRequestStatus, max_length=16, db_index=True)
    received_on = fields.DateField()
    due_on = fields.DateField(null=True)
    calendar_provisional = fields.BooleanField(default=False)
    answered_on = fields.DateField(null=True)
    answered_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="data_answers", null=True, on_delete=fields.SET_NULL
    )
    answered_by_id: int | None
    refusal_reason = fields.TextField(default="")
    reminded_at = fields.DatetimeField(null=True)
    escalated_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "pipeline_data_request"
        ordering = ["-id"]


class ProgressUpdate(Model):
    """A progress report on a listed scenario (跟踪问效): a period, a milestone, indicator values."""

    id = fields.IntField(primary_key=True)
    scenario: fields.ForeignKeyRelation[Scenario] = fields.ForeignKeyField(
        "models.Scenario", related_name="progress_updates", on_delete=fields.CASCADE
    )
    scenario_id: int
    period = fields.CharField(max_length=7)  # 2025-09 or 2025-Q3
    period_start = fields.DateField()
    milestone = fields.CharField(max_length=200)
    indicators = fields.JSONField(default=dict)  # {"覆盖小区": {"value": 56, "unit": "个"}}
    note = fields.TextField(default="")
    attachments = fields.JSONField(default=list)  # [{"name": ..., "url": ...}]
    source = fields.CharField(max_length=10, default="api")  # api | import | demo
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="progress_updates", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pipeline_progress_update"
        ordering = ["period_start", "id"]


class EventKind(StrEnum):
    MATCHMAKING = "matchmaking"  # 供需对接会
    TRAINING = "training"  # 培训
    VISIT = "visit"  # 参观接待


class Side(StrEnum):
    DEPARTMENT = "department"
    SUPPLIER = "supplier"


class Answer(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class Outcome(StrEnum):
    INTENT = "intent"  # 达成合作意向
    FOLLOW_UP = "follow_up"  # 继续接洽
    NONE = "none"  # 暂无合作意向


class Event(Model):
    """A matchmaking session, training or visit held by the lab, with one-to-one meetings at matchmaking sessions."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    kind = fields.CharEnumField(EventKind, max_length=16)
    description = fields.TextField(default="")
    starts_at = fields.DatetimeField(db_index=True)
    ends_at = fields.DatetimeField()
    place = fields.CharField(max_length=200, default="")
    online_url = fields.CharField(max_length=500, default="")
    domains = fields.JSONField(default=list)
    slot_minutes = fields.IntField(default=20)
    tables = fields.IntField(default=10)
    capacity = fields.IntField(default=100)  # registered organisations, at most
    max_wishes = fields.IntField(default=5)
    scheduled_at = fields.DatetimeField(null=True)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="created_events", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "pipeline_event"
        ordering = ["-starts_at", "-id"]


class EventRegistration(Model):
    """An organisation registered for an event, with the hours it is there and whom it wants to meet."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="registrations", on_delete=fields.CASCADE
    )
    event_id: int
    organisation: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation", related_name="event_registrations", on_delete=fields.RESTRICT
    )
    organisation_id: int
    side = fields.CharEnumField(Side, max_length=16)
    available = fields.JSONField(default=list)  # [[from ISO, to ISO], ...]; empty: the whole event
    wishes = fields.JSONField(default=list)  # organisation ids it wants to meet, best first
    note = fields.CharField(max_length=500, default="")
    registered_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="event_registrations", null=True, on_delete=fields.SET_NULL
    )
    registered_by_id: int | None
    checked_in_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pipeline_event_registration"
        unique_together = (("event", "organisation"),)
        ordering = ["id"]


class Meeting(Model):
    """One one-to-one meeting of a department and a supplier at an event, at a table in a time slot."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="meetings", on_delete=fields.CASCADE
    )
    event_id: int
    department: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation", related_name="department_meetings", on_delete=fields.RESTRICT
    )
    department_id: int
    supplier: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation", related_name="supplier_meetings", on_delete=fields.RESTRICT
    )
    supplier_id: int
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    table = fields.IntField()
    score = fields.FloatField()
    reasons = fields.JSONField(default=list)
    department_answer = fields.CharEnumField(Answer, max_length=16, default=Answer.PENDING)
    supplier_answer = fields.CharEnumField(Answer, max_length=16, default=Answer.PENDING)
    decline_reason = fields.CharField(max_length=500, default="")
    outcome = fields.CharEnumField(Outcome, max_length=16, null=True)
    outcome_note = fields.TextField(default="")
    proposal: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Proposal", related_name="event_meetings", null=True, on_delete=fields.SET_NULL
    )
    proposal_id: int | None
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "pipeline_meeting"
        ordering = ["starts_at", "table", "id"]
        # the hard rules, held by the database too: never the same pair twice, one meeting per
        # table per slot, no organisation in two meetings at once
        unique_together = (
            ("event", "department", "supplier"),
            ("event", "starts_at", "table"),
            ("event", "department", "starts_at"),
            ("event", "supplier", "starts_at"),
        )
