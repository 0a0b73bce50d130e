"""From submitted HTML forms to the core's input models: empty optional fields become None, and
a refused form comes back as Chinese messages per field with everything typed kept."""

from __future__ import annotations

from typing import Any

from lab.domains import DISTRICTS, DOMAINS
from lab.schemas import DemandIn, DemandUpdate, ProfileIn, ProposalIn
from lab.validation import parse

DEMAND_FIELDS = (
    "title",
    "description",
    "domain",
    "district",
    "budget_wan",
    "deadline",
    "data_conditions",
    "questions_close_at",
)
DEMAND_LABELS = {
    "title": "需求名称",
    "description": "需求描述",
    "domain": "所属领域",
    "district": "所在区（市）县",
    "budget_wan": "预算",
    "deadline": "截止日期",
    "data_conditions": "数据与场地条件",
    "questions_close_at": "答疑截止时间",
    "version": "版本",
    "body": "表单",
}
PROPOSAL_LABELS = {
    "approach": "技术方案",
    "cost_wan": "报价",
    "duration_weeks": "工期",
    "profile_id": "能力档案",
    "demand_id": "需求",
}
DOMAIN_OPTIONS = list(DOMAINS)
DISTRICT_OPTIONS = list(DISTRICTS)


def kept(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """What was typed, to show again (only the named fields; all as strings)."""
    return {name: str(values.get(name, "")) for name in names}


def _blank_to_none(data: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        if isinstance(data.get(name), str) and not data[name].strip():
            data[name] = None
    return data


def demand_in(values: dict[str, Any]) -> DemandIn:
    data = {name: values.get(name, "") for name in DEMAND_FIELDS}
    if not data["domain"]:
        del data["domain"]  # reported as 此项为必填
    return parse(DemandIn, _blank_to_none(data, "budget_wan", "deadline", "questions_close_at"))


def demand_update(values: dict[str, Any]) -> DemandUpdate:
    data = {name: values.get(name, "") for name in (*DEMAND_FIELDS, "version")}
    if not data["domain"]:
        del data["domain"]
    data = _blank_to_none(data, "budget_wan", "deadline", "questions_close_at", "version")
    return parse(DemandUpdate, data)


def proposal_in(demand_id: int, values: dict[str, Any]) -> ProposalIn:
    data = {
        "demand_id": demand_id,
        "profile_id": values.get("profile_id", ""),
        "approach": values.get("approach", ""),
        "cost_wan": values.get("cost_wan", ""),
        "duration_weeks": values.get("duration_weeks", ""),
    }
    data = _blank_to_none(data, "profile_id")
    for name in ("cost_wan", "duration_weeks"):
        if not str(data[name]).strip():
            del data[name]
    return parse(ProposalIn, data)


PROFILE_FIELDS = ("title", "summary", "keywords", "cases", "maturity", "attributes", "region")
PROFILE_LABELS = {
    "title": "能力名称",
    "summary": "能力介绍",
    "domains": "领域",
    "keywords": "关键词",
    "cases": "案例",
    "maturity": "技术成熟度",
    "attributes": "资质",
    "region": "服务区域",
}


def _items(text: str, separators: str = ",，、;；\n") -> list[str]:
    for sep in separators[1:]:
        text = text.replace(sep, separators[0])
    return [part.strip() for part in text.split(separators[0]) if part.strip()]


def profile_in(values: dict[str, Any], domains: list[str]) -> ProfileIn:
    """Keywords and attributes are typed separated by commas or 、; cases one per line."""
    data: dict[str, Any] = {
        "title": values.get("title", ""),
        "summary": values.get("summary", ""),
        "domains": domains,
        "keywords": _items(values.get("keywords", "")),
        "cases": [c.strip() for c in values.get("cases", "").splitlines() if c.strip()],
        "attributes": _items(values.get("attributes", "")),
        "region": values.get("region", ""),
        "maturity": values.get("maturity", ""),
    }
    return parse(ProfileIn, _blank_to_none(data, "maturity"))
