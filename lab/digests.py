"""Daily and weekly digests of alerts: collected per user and period, written to the inbox and to
the mail outbox in one transaction, each alert in exactly one digest.

A digest of a period is built once the period is over (daily: a calendar day, weekly: an ISO week,
both in Beijing time), from every alert of that frequency not yet in a digest. ``(user, frequency,
period)`` is unique and alerts are claimed with a conditional update, so running this twice (or in
two workers) never builds or mails a digest twice."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, UTC

from tortoise.exceptions import IntegrityError
from tortoise.timezone import now as utcnow
from tortoise.transactions import in_transaction

from lab.conversation_models import Alert, Digest, Frequency, MailMessage
from lab.models import User
from lab.notifications import notify
from lab.settings import Settings
from lab.unsubscribe import url_for

BEIJING = timezone(timedelta(hours=8))
LABELS = {Frequency.DAILY: "每日", Frequency.WEEKLY: "每周"}


def period_of(frequency: Frequency, when: datetime) -> str:
    local = when.astimezone(BEIJING)
    if frequency == Frequency.WEEKLY:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.date().isoformat()


def period_start(frequency: Frequency, when: datetime) -> datetime:
    local = when.astimezone(BEIJING)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if frequency == Frequency.WEEKLY:
        start -= timedelta(days=local.weekday())
    return start


def item_link(settings: Settings, alert: Alert) -> str:
    path = {
        "demand": f"/demands/{alert.object_id}",
        "scenario": f"/scenarios/{alert.object_id}",
        "capability": f"/capabilities/{alert.object_id}",
    }.get(alert.object_kind, "/workspace/subscriptions")
    return settings.base_url + path


def compose(settings: Settings, user: User, frequency: Frequency, period: str, alerts: list[Alert]) -> tuple[str, str]:
    label = LABELS[frequency]
    subject = f"场景实验室{label}订阅汇总（{period}）：{len(alerts)} 条新内容"
    lines = [f"{user.display_name}，您好：", "", f"以下是您订阅的{label}汇总，共 {len(alerts)} 条：", ""]
    for n, alert in enumerate(alerts, 1):
        lines += [f"{n}. {alert.title}", f"   {alert.reason}", f"   {item_link(settings, alert)}", ""]
    lines += [
        "管理订阅：" + settings.base_url + "/workspace/subscriptions",
        "不想再收到汇总邮件？一键退订：" + url_for(settings, user.id),
    ]
    return subject, "\n".join(lines)


async def build_due(settings: Settings, now: datetime | None = None) -> int:
    """Build every digest whose period is over; returns how many were built."""
    now = now or utcnow()
    built = 0
    for frequency in (Frequency.DAILY, Frequency.WEEKLY):
        # compared in UTC: SQLite compares the stored timestamps as text, so a Beijing midnight
        # ("...-04 00:00+08:00") would sort after a UTC time of the evening before ("...-03 16:45+00:00")
        cutoff = period_start(frequency, now).astimezone(UTC)
        users = (
            await Alert.filter(frequency=frequency, digest_id=None, created_at__lt=cutoff)
            .order_by("user_id")
            .distinct()
            .values_list("user_id", flat=True)
        )
        for user_id in sorted(set(users)):
            built += await _build_one(settings, user_id, frequency, cutoff)
    return built


async def _build_one(settings: Settings, user_id: int, frequency: Frequency, cutoff: datetime) -> int:
    user = await User.get(id=user_id)
    pending = await Alert.filter(user_id=user_id, frequency=frequency, digest_id=None, created_at__lt=cutoff).order_by(
        "id"
    )
    if not pending:
        return 0
    period = period_of(frequency, pending[-1].created_at)
    try:
        async with in_transaction() as conn:
            digest = await Digest.create(user_id=user_id, frequency=frequency, period=period, using_db=conn)
            claimed = (
                await Alert.filter(id__in=[a.id for a in pending], digest_id=None)
                .using_db(conn)
                .update(digest_id=digest.id)
            )
            if claimed != len(pending):
                raise IntegrityError("alerts were claimed by another worker")
            subject, body = compose(settings, user, frequency, period, pending)
            await notify([user_id], "digest", subject, object=f"digest:{digest.id}", conn=conn)
            if user.active and user.digest_mail:
                await MailMessage.create(
                    to_addr=user.email,
                    subject=subject,
                    body=body,
                    digest_id=digest.id,
                    unsubscribe_url=url_for(settings, user_id),
                    using_db=conn,
                )
    except IntegrityError:
        return 0  # built by someone else (same period) — they have these alerts now or will next time
    return 1
