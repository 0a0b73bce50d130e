"""Review rubrics: criteria with weights, and the weighted score of one review (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

DEFAULT_RUBRIC: tuple[dict, ...] = (
    {"name": "创新性", "weight": 20},
    {"name": "可行性", "weight": 25},
    {"name": "应用成效", "weight": 25},
    {"name": "推广价值", "weight": 20},
    {"name": "安全合规", "weight": 10},
)


def default_rubric() -> list[dict]:
    return [dict(c) for c in DEFAULT_RUBRIC]


def score_problems(rubric: Sequence[Mapping], scores: Mapping[str, object]) -> dict[str, str]:
    """Per-field messages when ``scores`` do not cover the rubric exactly with integers 0–100."""
    names = [c["name"] for c in rubric]
    problems: dict[str, str] = {}
    for name in names:
        value = scores.get(name)
        if value is None:
            problems[f"scores.{name}"] = "此项为必填"
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            problems[f"scores.{name}"] = "应为 0–100 的整数"
    for name in scores:
        if name not in names:
            problems[f"scores.{name}"] = f"不是评审标准中的指标（应为：{'、'.join(names)}）"
    return problems


def weighted_score(rubric: Sequence[Mapping], scores: Mapping[str, int]) -> float:
    total = sum(c["weight"] for c in rubric)
    return round(sum(scores[c["name"]] * c["weight"] for c in rubric) / total, 2)


def rubric_problems(rubric: Sequence[Mapping]) -> str | None:
    names = [c["name"] for c in rubric]
    if not rubric:
        return "至少需要一项评审指标"
    if len(set(names)) != len(names):
        return "评审指标名称不能重复"
    if sum(c["weight"] for c in rubric) <= 0:
        return "权重之和必须大于 0"
    return None
