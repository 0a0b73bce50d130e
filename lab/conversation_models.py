"""Records of the marketplace conversation: the inbox, public Q&A on demands, saved searches,
follows, the alerts they produce, digests and the mail outbox.

The inbox (``Notification``) moved here from the pipeline so that core decisions (proposals,
questions) can notify; it keeps its table name, and a notification may link to any object
(``object_kind``/``object_id``) besides the scenario it always could.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class QuestionStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    HIDDEN = "hidden"


class Frequency(StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"


class Notification(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE
    )
    user_id: int
    kind = fields.CharField(max_length=30)  # stage_changed | decision | proposal_* | question_* | alert | digest ...
    message = fields.CharField(max_length=500)
    scenario: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Scenario", related_name="notifications", null=True, on_delete=fields.CASCADE
    )
    scenario_id: int | None
    # the object the notification is about (demand, proposal, question, scenario, organisation, digest)
    object_kind = fields.CharField(max_length=20, default="")
    object_id = fields.IntField(null=True)
    read_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pipeline_notification"
        ordering = ["-id"]


class Question(Model):
    """A supplier's public clarification question on a published demand (公开答疑)."""

    id = fields.IntField(primary_key=True)
    demand: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Demand", related_name="questions", on_delete=fields.CASCADE
    )
    demand_id: int
    asker: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="questions", on_delete=fields.RESTRICT
    )
    asker_id: int
    organisation: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation", related_name="questions", on_delete=fields.RESTRICT
    )
    organisation_id: int
    text = fields.TextField()
    status = fields.CharEnumField(QuestionStatus, max_length=16, default=QuestionStatus.OPEN)
    answer = fields.TextField(default="")
    answered_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="answers", null=True, on_delete=fields.SET_NULL
    )
    answered_by_id: int | None
    answered_at = fields.DatetimeField(null=True)
    hidden_reason = fields.TextField(default="")
    hidden_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "question"
        ordering = ["id"]


class SavedSearch(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="saved_searches", on_delete=fields.CASCADE
    )
    user_id: int
    q = fields.CharField(max_length=200, default="")
    kind = fields.CharField(max_length=20, null=True)  # demand | capability | scenario | None (all)
    filters = fields.JSONField(default=dict)  # {"domain": "...", "district": "...", "org_kind": "..."}
    frequency = fields.CharEnumField(Frequency, max_length=10, default=Frequency.INSTANT)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "saved_search"
        ordering = ["-id"]


class Follow(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="follows", on_delete=fields.CASCADE
    )
    user_id: int
    object_kind = fields.CharField(max_length=20)  # demand | scenario | organisation
    object_id = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "follow"
        ordering = ["-id"]
        unique_together = (("user", "object_kind", "object_id"),)


class Alert(Model):
    """One thing a user asked to hear about, found once: ``key`` says which subscription and which
    change (unique per user, so a retried batch never alerts twice). Instant alerts go straight to
    the inbox; daily/weekly ones wait for their digest."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="alerts", on_delete=fields.CASCADE
    )
    user_id: int
    key = fields.CharField(max_length=160)
    frequency = fields.CharEnumField(Frequency, max_length=10)
    object_kind = fields.CharField(max_length=20)
    object_id = fields.IntField()
    title = fields.CharField(max_length=200)
    reason = fields.CharField(max_length=300)
    digest: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Digest", related_name="alerts", null=True, on_delete=fields.SET_NULL
    )
    digest_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "alert"
        ordering = ["id"]
        unique_together = (("user", "key"),)


class Digest(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="digests", on_delete=fields.CASCADE
    )
    user_id: int
    frequency = fields.CharEnumField(Frequency, max_length=10)
    period = fields.CharField(max_length=16)  # 2026-12-03 | 2026-W49
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "digest"
        ordering = ["-id"]
        unique_together = (("user", "frequency", "period"),)


class MailMessage(Model):
    """The mail outbox: written in the transaction that decides to send, delivered by the worker,
    retried with backoff, stamped ``sent_at`` once (and never picked again)."""

    id = fields.IntField(primary_key=True)
    to_addr = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=200)
    body = fields.TextField()
    unsubscribe_url = fields.CharField(max_length=500, default="")
    digest: fields.OneToOneNullableRelation = fields.OneToOneField(
        "models.Digest", related_name="mail", null=True, on_delete=fields.SET_NULL
    )
    digest_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    sent_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "mail_message"
        ordering = ["id"]
