"""Outgoing mail: the ``MailMessage`` outbox and its delivery.

A message is written in the transaction that decides to send it; ``deliver_due`` (run by the worker)
claims due messages, sends each through SMTP (``LAB_SMTP_URL``, with ``smtplib`` in a worker thread,
never on the event loop) or, when no SMTP server is configured, writes it as an .eml file under
``LAB_DATA_DIR/mail/`` and logs so; then stamps ``sent_at`` so it is never picked again. A failure
counts an attempt and retries later with backoff. Claimed rows are leased (and row-locked with SKIP
LOCKED on PostgreSQL) so two workers never send the same message.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

import anyio
from tortoise import connections
from tortoise.expressions import F, Q
from tortoise.timezone import now as utcnow
from tortoise.transactions import in_transaction

from lab.conversation_models import MailMessage
from lab.settings import Settings

log = logging.getLogger("lab.mail")
LEASE = timedelta(minutes=5)
BACKOFF_BASE, BACKOFF_CAP = 30.0, 6 * 3600.0
SMTP_TIMEOUT = 30


def build_email(settings: Settings, row: MailMessage) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = row.to_addr
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(row.created_at)
    domain = settings.smtp_from.rsplit("@", 1)[-1].rstrip(">") or "scenario-lab.local"
    msg["Message-ID"] = make_msgid(idstring=f"mail-{row.id}", domain=domain)
    if row.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(row.body)
    return msg


def _send_smtp(url: str, msg: EmailMessage) -> None:
    """Blocking: call in a worker thread."""
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port or 465, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, port or 25, timeout=SMTP_TIMEOUT)
    with client:
        if parts.scheme == "smtp" and port == 587:
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(parts.username, parts.password or "")
        client.send_message(msg)


def _write_eml(folder: Path, row_id: int, msg: EmailMessage) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{row_id:08d}.eml"
    path.write_bytes(msg.as_bytes())
    return path


async def _claim(now: datetime, limit: int) -> list[MailMessage]:
    due = Q(sent_at=None) & (Q(next_attempt_at=None) | Q(next_attempt_at__lte=now))
    async with in_transaction() as conn:
        qs = MailMessage.filter(due).order_by("id").limit(limit).using_db(conn)
        if connections.get("default").capabilities.dialect == "postgres":
            qs = qs.select_for_update(skip_locked=True)
        rows = await qs
        if rows:
            await MailMessage.filter(id__in=[r.id for r in rows]).using_db(conn).update(next_attempt_at=now + LEASE)
    return rows


async def deliver_due(settings: Settings, now: datetime | None = None, limit: int = 50) -> int:
    """Send every due message once; returns how many went out."""
    now = now or utcnow()
    sent = 0
    for row in await _claim(now, limit):
        msg = build_email(settings, row)
        try:
            if settings.smtp_url:
                await anyio.to_thread.run_sync(_send_smtp, settings.smtp_url, msg)
            else:
                path = await anyio.to_thread.run_sync(_write_eml, settings.mail_path, row.id, msg)
                log.info("LAB_SMTP_URL is not set: mail %s to %s written to %s", row.id, row.to_addr, path)
        except Exception as exc:  # noqa: BLE001 - any failure is retried later; the row is kept
            delay = min(BACKOFF_CAP, BACKOFF_BASE * 2**row.attempts)
            await MailMessage.filter(id=row.id).update(
                attempts=F("attempts") + 1, last_error=f"{exc}"[:2000], next_attempt_at=now + timedelta(seconds=delay)
            )
            log.warning("mail %s to %s failed (attempt %d): %s", row.id, row.to_addr, row.attempts + 1, exc)
            continue
        await MailMessage.filter(id=row.id).update(sent_at=utcnow(), last_error="")
        sent += 1
    return sent
