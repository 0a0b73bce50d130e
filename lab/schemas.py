"""Input shapes of the core JSON API. Drafts are validated loosely here; publishing is checked
strictly by the commands.

Shared rules every input model gets by deriving from :class:`Input` (see also ``lab.validation``):
integers anywhere in a field (nested lists/dicts too) must fit a 32-bit column unless the field's
``Field(json_schema_extra={"int64": True})`` says it maps to a 64-bit one; ids are :data:`Id`
(1 … 2³¹−1). A PATCH-style model derives from :class:`Patch` and lists in ``nullable`` the fields
whose column may hold NULL; an explicit ``null`` for any other field is a 422. :data:`Title` must
contain at least one visible character.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from lab.creditcode import problem as credit_code_problem
from lab.domains import DISTRICTS, DOMAINS
from lab.models import OrgKind, Role

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def _visible(value: str) -> str:
    if not any(ch.isprintable() and not ch.isspace() for ch in value):
        raise ValueError("须包含可见字符")
    return value


Id = Annotated[int, Field(ge=1, le=INT32_MAX)]
Title = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_visible)]
Text = Annotated[str, Field(max_length=20000)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Domain = Literal[DOMAINS]  # type: ignore[valid-type]
District = Literal[DISTRICTS]  # type: ignore[valid-type]
OptionalDistrict = Literal[DISTRICTS + ("",)]  # type: ignore[valid-type]
Tag = Annotated[str, Field(min_length=1, max_length=40)]


def _out_of_range(value: Any, high: int) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not -high - 1 <= value <= high
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_out_of_range(v, high) for v in value)
    if isinstance(value, dict):
        return any(_out_of_range(v, high) for v in value.values())
    return False


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _integers_fit_the_column(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        extra = field.json_schema_extra if field is not None and isinstance(field.json_schema_extra, dict) else {}
        if _out_of_range(value, INT64_MAX if extra.get("int64") else INT32_MAX):
            raise ValueError("数值超出允许范围")
        return value


class Patch(Input):
    """A partial update: omitted fields stay as they are; ``null`` only for fields in ``nullable``."""

    nullable: ClassVar[frozenset[str]] = frozenset()


class Versioned(Patch):
    version: Id = Field(description="读取时的版本号；过期则返回 409")


class TokenIn(Input):
    email: Annotated[str, Field(min_length=3, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=200)]
    label: Annotated[str, Field(max_length=100)] = ""


class OrganisationIn(Input):
    kind: OrgKind
    name: Title
    district: OptionalDistrict = ""
    credit_code: Annotated[str, Field(max_length=18)] | None = None

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        value = value.upper()
        message = credit_code_problem(value)
        if message:
            raise ValueError(message)
        return value


class OrganisationUpdate(Patch):
    nullable: ClassVar[frozenset[str]] = frozenset({"credit_code"})
    name: Title | None = None
    district: OptionalDistrict | None = None
    credit_code: Annotated[str, Field(max_length=18)] | None = None
    verified: bool | None = None

    _credit_code = field_validator("credit_code")(OrganisationIn._credit_code.__func__)  # type: ignore[attr-defined]


class UserIn(Input):
    email: Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    display_name: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_visible)]
    password: Annotated[str, Field(min_length=8, max_length=200)]
    role: Role
    organisation_id: Id


class UserUpdate(Patch):
    display_name: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_visible)] | None = None
    password: Annotated[str, Field(min_length=8, max_length=200)] | None = None
    role: Role | None = None
    active: bool | None = None


def _beijing(value: dt.datetime | None) -> dt.datetime | None:
    """A time without a zone is Beijing time (UTC+8), where the departments are."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return value


BeijingTime = Annotated[dt.datetime, AfterValidator(_beijing)]


class DemandIn(Input):
    title: Title
    description: Text = ""
    domain: Domain
    district: OptionalDistrict = ""
    budget_wan: Money | None = None
    deadline: dt.date | None = None
    data_conditions: Text = ""
    questions_close_at: BeijingTime | None = Field(default=None, description="公开答疑截止时间（不带时区按北京时间）")
    organisation_id: Id | None = Field(default=None, description="运营人员代部门发布时指定")


class DemandUpdate(Versioned):
    nullable: ClassVar[frozenset[str]] = frozenset({"budget_wan", "deadline"})
    title: Title | None = None
    description: Text | None = None
    domain: Domain | None = None
    district: OptionalDistrict | None = None
    budget_wan: Money | None = None
    deadline: dt.date | None = None
    data_conditions: Text | None = None
    questions_close_at: BeijingTime | None = None


class ProfileIn(Input):
    title: Title
    summary: Text = ""
    domains: Annotated[list[Domain], Field(max_length=5)] = []
    keywords: Annotated[list[Tag], Field(max_length=30)] = []
    cases: Annotated[list[Annotated[str, Field(min_length=1, max_length=500)]], Field(max_length=30)] = []
    maturity: Annotated[int, Field(ge=1, le=9)] | None = None
    attributes: Annotated[list[Tag], Field(max_length=20)] = []
    region: Annotated[str, Field(max_length=60)] = ""
    organisation_id: Id | None = Field(default=None, description="运营人员代供给方维护时指定")


class ProfileUpdate(Versioned):
    nullable: ClassVar[frozenset[str]] = frozenset({"maturity"})
    title: Title | None = None
    summary: Text | None = None
    domains: Annotated[list[Domain], Field(max_length=5)] | None = None
    keywords: Annotated[list[Tag], Field(max_length=30)] | None = None
    cases: Annotated[list[Annotated[str, Field(min_length=1, max_length=500)]], Field(max_length=30)] | None = None
    maturity: Annotated[int, Field(ge=1, le=9)] | None = None
    attributes: Annotated[list[Tag], Field(max_length=20)] | None = None
    region: Annotated[str, Field(max_length=60)] | None = None


class ProposalIn(Input):
    demand_id: Id
    profile_id: Id | None = None
    approach: Annotated[str, Field(min_length=1, max_length=20000)]
    cost_wan: Money
    duration_weeks: Annotated[int, Field(ge=1, le=520)]


class ProposalUpdate(Versioned):
    nullable: ClassVar[frozenset[str]] = frozenset({"profile_id"})
    approach: Annotated[str, Field(min_length=1, max_length=20000)] | None = None
    cost_wan: Money | None = None
    duration_weeks: Annotated[int, Field(ge=1, le=520)] | None = None
    profile_id: Id | None = None


class ActionIn(Input):
    """Body of a lifecycle action; all optional."""

    version: Id | None = None
    reason: Annotated[str, Field(max_length=2000)] = ""


class Page(Input):
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = 0


class OrganisationQuery(Page):
    kind: OrgKind | None = None
    district: District | None = None
    q: Annotated[str, Field(max_length=100)] | None = None


class UserQuery(Page):
    role: Role | None = None
    organisation_id: Id | None = None


class DemandQuery(Page):
    status: Literal["draft", "published", "closed", "withdrawn"] | None = None
    domain: Domain | None = None
    district: District | None = None
    organisation_id: Id | None = None
    order: Literal["-created_at", "created_at", "-updated_at", "title", "-budget_wan", "deadline"] = "-created_at"


class ProfileQuery(Page):
    status: Literal["draft", "published", "archived"] | None = None
    domain: Domain | None = None
    organisation_id: Id | None = None
    org_kind: Literal["enterprise", "university", "institute"] | None = None
    order: Literal["-created_at", "created_at", "-updated_at", "title", "-maturity"] = "-created_at"


class ProposalQuery(Page):
    status: Literal["submitted", "shortlisted", "accepted", "declined", "withdrawn"] | None = None
    demand_id: Id | None = None
    organisation_id: Id | None = None


class AuditQuery(Page):
    object: (
        Annotated[str, Field(min_length=3, max_length=40, description="例如 demand:3、user:7、scenario:12")] | None
    ) = None
    action: Annotated[str, Field(max_length=40)] | None = None
