"""Input shapes of the pipeline's JSON API."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator

from lab.schemas import Domain, Id, Input, OptionalDistrict, Page, Patch, Tag, Text, Title
from pipeline.models import Stage
from pipeline.rubric import rubric_problems

Reason = Annotated[str, Field(max_length=2000)]
StageName = Literal[tuple(s.value for s in Stage)]  # type: ignore[valid-type]


class ScenarioIn(Input):
    """A lab scenario from a demand with accepted proposals, or (operators) an external city case."""

    origin: Literal["lab", "external"] = "lab"
    demand_id: Id | None = Field(default=None, description="来源需求（实验室场景必填）")
    proposal_ids: Annotated[list[Id], Field(max_length=20)] | None = Field(
        default=None, description="采纳的方案；缺省为该需求全部已采纳方案"
    )
    title: Title | None = None
    summary: Text | None = None
    domain: Domain | None = None
    district: OptionalDistrict | None = None
    city: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] = []
    investment_wan: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] | None = Field(
        default=None, description="投资额（万元）；实验室场景缺省为采纳方案报价之和"
    )
    partner_names: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=20)] = []
    source_note: Annotated[str, Field(max_length=200)] = ""


class TransitionIn(Input):
    to: StageName  # type: ignore[valid-type]
    reason: Reason = ""
    version: Id = Field(description="读取时的版本号；过期则返回 409")


class LeaveIn(Input):
    """A partner withdraws its own participation (before listing)."""

    version: Id = Field(description="读取时的版本号；过期则返回 409")
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class ScenarioQuery(Page):
    stage: StageName | None = None  # type: ignore[valid-type]
    domain: Domain | None = None
    district: OptionalDistrict | None = None
    edition: Id | None = Field(default=None, description="储备清单批次 id")
    origin: Literal["lab", "external"] | None = None
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    q: Annotated[str, Field(max_length=100)] | None = None


class AssignIn(Input):
    reviewer_id: Id


class RecusalIn(Input):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class ReviewIn(Input):
    scores: dict[Annotated[str, Field(max_length=20)], int] = Field(
        description='指标名 → 0–100 分，例如 {"创新性": 80, ...}'
    )
    comment: Annotated[str, Field(min_length=1, max_length=5000)]


class Criterion(Input):
    name: Annotated[str, Field(min_length=1, max_length=20)]
    weight: Annotated[int, Field(ge=1, le=100)]


class EditionIn(Input):
    name: Title
    year: Annotated[int, Field(ge=2000, le=2100)]
    status: Literal["open", "closed", "published"] = "open"
    capacity: Annotated[int, Field(ge=1, le=100000)] = 249
    featured_capacity: Annotated[int, Field(ge=0, le=1000)] = 18
    min_reviews: Annotated[int, Field(ge=1, le=50)] = 3
    pass_threshold: Annotated[float, Field(ge=0, le=100)] = 70.0
    rubric: Annotated[list[Criterion], Field(min_length=1, max_length=20)] | None = None

    @field_validator("rubric")
    @classmethod
    def _rubric(cls, value):
        if value is not None:
            problem = rubric_problems([c.model_dump() for c in value])
            if problem:
                raise ValueError(problem)
        return value


class EditionUpdate(Patch):
    version: Id
    name: Title | None = None
    status: Literal["open", "closed", "published"] | None = None
    capacity: Annotated[int, Field(ge=1, le=100000)] | None = None
    featured_capacity: Annotated[int, Field(ge=0, le=1000)] | None = None
    min_reviews: Annotated[int, Field(ge=1, le=50)] | None = None
    pass_threshold: Annotated[float, Field(ge=0, le=100)] | None = None
    reason: Reason = ""


class FeaturedOrderIn(Input):
    edition_id: Id
    scenario_ids: Annotated[list[Id], Field(max_length=1000)] = Field(
        description="该批次精选场景的完整新顺序（第一个为第 1 名）"
    )


class FeaturedUpdate(Patch):
    nullable: ClassVar[frozenset[str]] = frozenset({"highlight", "metrics"})  # null: leave as is
    highlight: Annotated[str, Field(max_length=5000)] | None = Field(default=None, description="精选故事")
    metrics: (
        Annotated[
            dict[Annotated[str, Field(min_length=1, max_length=20)], Annotated[str, Field(max_length=40)]],
            Field(max_length=10),
        ]
        | None
    ) = Field(default=None, description='指标名 → 带单位的数值，例如 {"覆盖小区": "56个"}')


class FeaturedQuery(Input):
    edition: Id | None = None


class EditionScenarioQuery(Page):
    domain: Domain | None = None
    district: OptionalDistrict | None = None
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None


class NotificationQuery(Page):
    unread: bool | None = None
    kind: Literal["proposal", "question", "alert", "scenario"] | None = Field(
        default=None, description="按类别筛选：揭榜方案、公开答疑、订阅提醒、场景与评审"
    )


class SimilarQuery(Input):
    limit: Annotated[int, Field(ge=1, le=20)] = 6
