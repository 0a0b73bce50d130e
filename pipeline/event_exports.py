"""What an event gives people to take away: an iCalendar file of an organisation's meetings, and
the front desk's check-in sheet (XLSX).

Check-in sheet columns, one row per registered organisation (ordered by side, then name):
序号 · 单位 · 类型（需求方/供给方） · 洽谈场次 · 首场时间 · 桌号 · 已签到 · 签字
"""

from __future__ import annotations

import io

import anyio.to_thread
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from openpyxl import Workbook
from openpyxl.styles import Font
from tortoise.timezone import now

from pipeline.event_presenters import SIDE_LABELS, local
from pipeline.meetings import organisation_names, status
from pipeline.models import Event, EventRegistration, Meeting

CHECKIN_COLUMNS = ("序号", "单位", "类型", "洽谈场次", "首场时间", "桌号", "已签到", "签字")


def calendar(event: Event, organisation_id: int, meetings: list[Meeting], names: dict[int, str]) -> bytes:
    """The organisation's meetings at the event that nobody declined, one VEVENT each."""
    cal = Calendar()
    cal.add("prodid", "-//Scenario Lab//智慧蓉城应用场景实验室//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{event.title} · 洽谈安排")
    stamp = now()
    for m in meetings:
        if status(m) == "declined":
            continue
        other = m.supplier_id if m.department_id == organisation_id else m.department_id
        item = CalendarEvent()
        item.add("uid", f"meeting-{m.id}@scenario-lab")
        item.add("dtstamp", stamp)
        item.add("dtstart", m.starts_at)
        item.add("dtend", m.ends_at)
        item.add("summary", f"洽谈：{names.get(other, '')}（第{m.table}桌）")
        place = event.place or event.online_url
        item.add("location", f"{place} 第{m.table}桌" if event.place else place)
        item.add("description", f"{event.title}\n" + "\n".join(m.reasons))
        item.add("status", "CONFIRMED" if status(m) == "confirmed" else "TENTATIVE")
        cal.add_component(item)
    return cal.to_ical()


async def checkin_rows(event: Event) -> list[list]:
    registrations = await EventRegistration.filter(event_id=event.id)
    meetings = await Meeting.filter(event_id=event.id).order_by("starts_at", "table")
    names = await organisation_names(r.organisation_id for r in registrations)
    per_org: dict[int, list[Meeting]] = {}
    for m in meetings:
        if status(m) == "declined":
            continue
        per_org.setdefault(m.department_id, []).append(m)
        per_org.setdefault(m.supplier_id, []).append(m)
    ordered = sorted(registrations, key=lambda r: (r.side.value, names.get(r.organisation_id, "")))
    rows = []
    for n, r in enumerate(ordered, start=1):
        mine = per_org.get(r.organisation_id, [])
        tables = sorted({m.table for m in mine})
        rows.append(
            [
                n,
                names.get(r.organisation_id, ""),
                SIDE_LABELS[r.side.value],
                len(mine),
                local(mine[0].starts_at) if mine else "",
                "、".join(map(str, tables)),
                "是" if r.checked_in_at else "",
                "",
            ]
        )
    return rows


def _xlsx(title: str, rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "签到表"
    ws.append(list(CHECKIN_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for letter, width in zip("ABCDEFGH", (6, 40, 10, 10, 18, 16, 8, 16)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    wb.properties.title = title
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


async def checkin_xlsx(event: Event) -> bytes:
    rows = await checkin_rows(event)
    return await anyio.to_thread.run_sync(_xlsx, f"{event.title} 签到表", rows)
