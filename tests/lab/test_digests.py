"""Digests: daily/weekly alerts are collected once per period, written to the inbox and mailed
through a real SMTP server (aiosmtpd, started here) with each item once; sending is retried and
never repeated; without an SMTP server mail lands as .eml files; unsubscribe works signed out."""

from __future__ import annotations

import email
import logging
from datetime import timedelta, UTC
from email import policy

import pytest
from aiosmtpd.controller import Controller
from tortoise.timezone import now

from lab import digests, mail, subscriptions, unsubscribe
from lab.conversation_models import Alert, Digest, Frequency, MailMessage, Notification
from lab.conversation_schemas import SavedSearchIn
from lab.models import User
from matchmaking.alerts import record_alerts
from matchmaking.indexing import load_documents
from tests import factories
from tests.conftest import make_settings

SMTP_PORT = 8241  # this engineer's port range: 8240-8249


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def settings(tmp_path):
    return make_settings(
        tmp_path,
        LAB_SMTP_URL=f"smtp://127.0.0.1:{SMTP_PORT}",
        LAB_SMTP_FROM="场景实验室 <lab@example.cn>",
        LAB_BASE_URL="https://lab.example.cn",
    )


@pytest.fixture
def smtp():
    sink = Inbox()
    controller = Controller(sink, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield sink
    controller.stop()


async def _daily_alerts(titles: list[str]) -> tuple[User, list[int]]:
    dept = await factories.organisation("department")
    watcher = await factories.user("supplier_member")
    await subscriptions.save_search(watcher, SavedSearchIn(q="积水", frequency="daily"))
    ids = []
    for title in titles:
        d = await factories.demand(dept, title=title, description="汛期易涝点积水实时监测与预警。", domain="水务与防汛")
        ids.append(d.id)
    docs = await load_documents("demand", ids)
    assert await record_alerts(docs) == len(titles)
    assert await record_alerts(docs) == 0  # the same items again (a retried batch): nothing new
    return watcher, ids


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


async def test_daily_digest_goes_to_the_inbox_and_by_smtp_once_with_each_item_once(db, settings, smtp):
    titles = ["下穿隧道积水监测", "老城区积水点预警", "校园周边积水治理"]
    watcher, _ = await _daily_alerts(titles)
    assert await Notification.filter(user_id=watcher.id).count() == 0  # daily: nothing until the digest
    assert await digests.build_due(settings) == 0  # the day is not over yet
    tomorrow = now() + timedelta(days=1)
    assert await digests.build_due(settings, tomorrow) == 1
    assert await digests.build_due(settings, tomorrow) == 0
    inbox = await Notification.filter(user_id=watcher.id, kind="digest")
    assert len(inbox) == 1 and inbox[0].object_kind == "digest"
    assert await mail.deliver_due(settings) == 1
    assert await mail.deliver_due(settings, tomorrow + timedelta(hours=1)) == 0
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == watcher.email and "每日订阅汇总" in message["Subject"]
    body = _body(message)
    for title in titles:
        assert body.count(title) == 1
    link = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert link.startswith("https://lab.example.cn/unsubscribe/") and link in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert await Alert.filter(user_id=watcher.id, digest_id=None).count() == 0


async def test_a_failed_send_is_retried_later_and_sent_once(db, settings):
    watcher, _ = await _daily_alerts(["积水监测一期"])
    await digests.build_due(settings, now() + timedelta(days=1))
    assert await mail.deliver_due(settings) == 0  # no server listening yet
    row = await MailMessage.get(digest__user_id=watcher.id)
    assert row.attempts == 1 and row.sent_at is None and row.last_error
    assert await mail.deliver_due(settings) == 0  # not due again before its backoff
    sink = Inbox()
    controller = Controller(sink, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    try:
        later = now() + timedelta(hours=1)
        assert await mail.deliver_due(settings, later) == 1
        assert await mail.deliver_due(settings, later + timedelta(hours=1)) == 0
    finally:
        controller.stop()
    assert len(sink.messages) == 1 and "积水监测一期" in _body(sink.messages[0])


async def test_weekly_digest_waits_for_the_week_to_end(db, settings):
    dept = await factories.organisation("department")
    watcher = await factories.user("supplier_member")
    await subscriptions.save_search(watcher, SavedSearchIn(q="积水", frequency="weekly"))
    d = await factories.demand(dept, title="积水周报测试", domain="水务与防汛")
    await record_alerts(await load_documents("demand", [d.id]))
    next_week = digests.period_start(Frequency.WEEKLY, now()) + timedelta(days=7)
    assert await digests.build_due(settings, next_week - timedelta(minutes=1)) == 0
    assert await digests.build_due(settings, next_week + timedelta(minutes=1)) == 1
    digest = await Digest.get(user_id=watcher.id)
    assert digest.frequency == "weekly" and "-W" in digest.period


async def test_without_smtp_mail_is_written_as_eml_and_logged(db, tmp_path, caplog):
    local = make_settings(tmp_path)
    watcher, _ = await _daily_alerts(["积水本地邮件"])
    await digests.build_due(local, now() + timedelta(days=1))
    with caplog.at_level(logging.INFO, logger="lab.mail"):
        assert await mail.deliver_due(local) == 1
    files = list(local.mail_path.glob("*.eml"))
    assert len(files) == 1 and "LAB_SMTP_URL is not set" in caplog.text
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["To"] == watcher.email and "积水本地邮件" in _body(parsed)


async def test_unsubscribe_works_signed_out_and_stops_mail_but_not_the_inbox(client, settings):
    watcher, _ = await _daily_alerts(["积水退订测试"])
    token = unsubscribe.token_for(settings, watcher.id)
    assert (await client.get("/unsubscribe/" + token[:-2] + "xx")).status_code == 404
    other = await factories.user("supplier_member")
    assert (
        await client.get("/unsubscribe/" + unsubscribe.token_for(make_settings_other(), other.id))
    ).status_code == 404  # signed with another secret
    page = await client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "已退订" in page.text
    assert not (await User.get(id=watcher.id)).digest_mail
    assert (await User.get(id=other.id)).digest_mail
    # one-click POST (RFC 8058) from a mail client: also signed out, no CSRF token
    assert (await client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})).status_code == 200
    await digests.build_due(settings, now() + timedelta(days=1))
    assert await Notification.filter(user_id=watcher.id, kind="digest").count() == 1
    assert await MailMessage.all().count() == 0


def make_settings_other():
    from lab.settings import load_settings

    return load_settings({"LAB_DATA_DIR": "/tmp/other-secret", "LAB_SECRET_KEY": "another-secret-" + "x" * 30})


async def test_an_alert_of_the_beijing_day_just_begun_waits_for_its_day_to_end(db, settings):
    """16:45 UTC is 00:45 the next day in Beijing: the day of that alert has only begun (on SQLite the
    timestamps compare as text, so the cutoff must be in UTC like the stored values)."""
    from datetime import datetime

    watcher, _ = await _daily_alerts(["积水点夜间巡查"])
    evening_utc = datetime(2026, 12, 3, 16, 45, tzinfo=UTC)
    await Alert.filter(user_id=watcher.id).update(created_at=evening_utc)
    assert await digests.build_due(settings, evening_utc + timedelta(minutes=5)) == 0
    assert await digests.build_due(settings, evening_utc + timedelta(hours=23, minutes=10)) == 0  # 23:55 in Beijing
    assert await digests.build_due(settings, evening_utc + timedelta(hours=23, minutes=20)) == 1  # its day is over
