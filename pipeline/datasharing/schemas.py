"""Input shapes of the data catalogue and data requests."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from lab.schemas import Input, Page, Text, Title

FREQUENCIES = ("实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期")
SHARING_CLASSES = ("unconditional", "conditional", "not_shared")
FieldName = Annotated[str, Field(min_length=1, max_length=60)]
FieldList = Annotated[list[FieldName], Field(min_length=1, max_length=100)]


class DataResourceIn(Input):
    department_id: int | None = Field(default=None, ge=1, description="提供部门（运营人员必填；部门用户缺省为本部门）")
    name: Title
    description: Text = ""
    fields: FieldList = Field(description="数据项（字段）名称")
    update_frequency: Literal[FREQUENCIES]  # type: ignore[valid-type]
    sharing_class: Literal[SHARING_CLASSES]  # type: ignore[valid-type]
    not_shared_reason: Annotated[str, Field(max_length=2000)] = Field(default="", description="不予共享时必填的理由")


class DataResourceQuery(Page):
    department_id: int | None = Field(default=None, ge=1)
    sharing_class: Literal[SHARING_CLASSES] | None = None  # type: ignore[valid-type]
    q: Annotated[str, Field(max_length=100)] | None = None


class Period(Input):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    start: dt.date = Field(alias="from", description="数据期间起（YYYY-MM-DD）")
    end: dt.date = Field(alias="to", description="数据期间止（YYYY-MM-DD）")


class DataRequestIn(Input):
    resource_id: int = Field(ge=1)
    demand_id: int | None = Field(default=None, ge=1, description="所服务的需求（与 scenario_id 二选一）")
    scenario_id: int | None = Field(default=None, ge=1, description="所服务的场景（与 demand_id 二选一）")
    purpose: Annotated[str, Field(min_length=1, max_length=2000)]
    fields: FieldList = Field(description="申请的数据项，须在资源目录的字段之内")
    period: Period


class AnswerIn(Input):
    version: int | None = Field(default=None, ge=1, description="读取时的版本号；过期则返回 409")
    note: Annotated[str, Field(max_length=2000)] = ""


class RefusalIn(Input):
    version: int | None = Field(default=None, ge=1, description="读取时的版本号；过期则返回 409")
    reason: Annotated[str, Field(max_length=2000)] = Field(default="", description="拒绝理由（必填）")


class DataRequestQuery(Page):
    status: Literal["pending", "granted", "refused"] | None = None
    side: Literal["mine", "incoming"] | None = Field(
        default=None, description="mine：本单位提出的；incoming：向本部门提出的"
    )


class WorkingDaysQuery(Input):
    start: dt.date = Field(alias="from", description="起算日（YYYY-MM-DD），当日不计")
    days: int = Field(ge=0, le=366, description="工作日数")
