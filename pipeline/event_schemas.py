"""Input shapes of events (供需对接会, 培训, 参观接待), registrations and meetings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, HttpUrl, field_validator, model_validator

from lab.schemas import Domain, Input, Page, Title

CHINA = dt.timezone(dt.timedelta(hours=8))
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
MAX_SLOTS = 200


def aware(value: dt.datetime) -> dt.datetime:
    """A time without a zone is Beijing time (where the lab is)."""
    return value.replace(tzinfo=CHINA) if value.tzinfo is None else value


class EventIn(Input):
    title: Title
    kind: Literal["matchmaking", "training", "visit"] = Field(description="供需对接会 | 培训 | 参观接待")
    description: Annotated[str, Field(max_length=5000)] = ""
    starts_at: dt.datetime = Field(description="开始时间（不带时区时按北京时间）")
    ends_at: dt.datetime
    place: Annotated[str, Field(max_length=200)] = ""
    online_url: HttpUrl | None = Field(default=None, description="线上参会链接（与地点至少填一项）")
    domains: Annotated[list[Domain], Field(max_length=20)] = Field(default_factory=list)
    slot_minutes: Annotated[int, Field(ge=5, le=240)] = 20
    tables: Annotated[int, Field(ge=1, le=500)] = 10
    capacity: Annotated[int, Field(ge=1, le=5000)] = 100
    max_wishes: Annotated[int, Field(ge=0, le=20)] = Field(default=5, description="每个单位最多点名几个想见的单位")

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _zone(cls, value: dt.datetime) -> dt.datetime:
        return aware(value)

    @field_validator("online_url")
    @classmethod
    def _url(cls, value: HttpUrl | None) -> HttpUrl | None:
        if value is not None and (value.scheme not in ("http", "https") or len(str(value)) > 500):
            raise ValueError("应为不超过500个字符的 http(s) 链接")
        return value


class Interval(Input):
    from_: dt.datetime = Field(alias="from")
    to: dt.datetime

    @field_validator("from_", "to")
    @classmethod
    def _zone(cls, value: dt.datetime) -> dt.datetime:
        return aware(value)

    @model_validator(mode="after")
    def _ordered(self):
        if self.to <= self.from_:
            raise ValueError("结束时间应晚于开始时间")
        return self


class RegistrationIn(Input):
    organisation_id: Id | None = Field(default=None, description="运营人员代单位报名时指定")
    available: Annotated[list[Interval], Field(max_length=20)] = Field(
        default_factory=list, description='可参会时段 [{"from", "to"}]；缺省为全程'
    )
    wishes: Annotated[list[Id], Field(max_length=20)] = Field(
        default_factory=list, description="希望会面的单位 id（按意愿排序，数量不超过活动规定）"
    )
    note: Annotated[str, Field(max_length=500)] = ""

    @field_validator("wishes")
    @classmethod
    def _unique(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("同一单位不能重复点名")
        return value


class ScheduleIn(Input):
    seconds: Annotated[float, Field(ge=0.5, le=20)] = Field(default=5.0, description="求解时间上限（秒）")


class DeclineIn(Input):
    reason: Annotated[str, Field(max_length=500)] = ""


class OutcomeIn(Input):
    outcome: Literal["intent", "follow_up", "none"] = Field(description="达成合作意向 | 继续接洽 | 暂无合作意向")
    note: Annotated[str, Field(max_length=5000)] = ""
    proposal_id: Id | None = Field(default=None, description="由此形成的揭榜方案")


class EventQuery(Page):
    when: Literal["upcoming", "past", "all"] = "all"
    kind: Literal["matchmaking", "training", "visit"] | None = None


class CalendarQuery(Input):
    organisation_id: Id | None = Field(default=None, description="缺省为当前用户所在单位")
