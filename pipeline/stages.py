"""The one transition table of the scenario lifecycle, and its guards.

For every allowed (from, to) pair the table names the relations that may make the move, the facts its
guard looks at, the guard that must pass, and the effects the move has besides entering the target
stage. Guards are pure functions of :class:`Facts` returning Chinese reasons (an empty list passes).
``pipeline.lifecycle`` only runs the table: it gathers the named facts (``FACTS`` there, locking
inside the transition's transaction, never when a page only previews), checks the guard, and applies
the named effects (``EFFECTS`` there) with the conditional update and the audit record.

Relations of a user to a scenario (``pipeline.permissions.relations``):
``operator`` · ``lead`` (member of the lead department) · ``partner`` (member of a partner
organisation). Reviewers and everyone else move nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lab.permissions import PUBLIC_STATUSES
from pipeline.models import Stage

FORWARD: tuple[Stage, ...] = (
    Stage.REQUIREMENT,
    Stage.DESIGN,
    Stage.TESTING,
    Stage.EVALUATION,
    Stage.LISTING,
    Stage.PROMOTION,
)
LIVE = frozenset(FORWARD)
PUBLIC_STAGES: tuple[Stage, ...] = tuple(Stage(s) for s in PUBLIC_STATUSES["scenario"])
LABELS = {
    Stage.REQUIREMENT: "需求梳理",
    Stage.DESIGN: "方案设计",
    Stage.TESTING: "场景测试",
    Stage.EVALUATION: "评估论证",
    Stage.LISTING: "应用上架",
    Stage.PROMOTION: "宣传推广",
    Stage.REJECTED: "未通过",
    Stage.WITHDRAWN: "已撤回",
}
DEFAULT_MIN_REVIEWS = 3
DEFAULT_THRESHOLD = 70.0


@dataclass(frozen=True)
class Facts:
    """What the guards look at; gathered in the transition's transaction."""

    accepted_proposals: int = 0
    design_plans: int = 0
    passed_test_reports: int = 0
    review_scores: tuple[float, ...] = ()
    min_reviews: int = DEFAULT_MIN_REVIEWS
    threshold: float = DEFAULT_THRESHOLD
    edition_name: str | None = None  # the open reserve-list edition, if any
    edition_used: int = 0
    edition_capacity: int = 0
    showcase_edition: str | None = None  # the edition whose showcase the scenario would join
    showcase_used: int = 0
    showcase_capacity: int = 0


Guard = Callable[[Facts], list[str]]


def needs_accepted_proposal(f: Facts) -> list[str]:
    return [] if f.accepted_proposals > 0 else ["尚无已采纳的揭榜方案"]


def needs_design_plan(f: Facts) -> list[str]:
    return [] if f.design_plans > 0 else ["尚未上传设计方案"]


def needs_passed_test_report(f: Facts) -> list[str]:
    return [] if f.passed_test_reports > 0 else ["尚无结论为“通过”的测试报告"]


def weighted_mean(scores: tuple[float, ...]) -> float | None:
    return round(sum(scores) / len(scores), 2) if scores else None


def needs_reviews_and_room(f: Facts) -> list[str]:
    reasons = []
    if len(f.review_scores) < f.min_reviews:
        reasons.append(f"评审意见不足：需要至少 {f.min_reviews} 份，目前 {len(f.review_scores)} 份")
    mean = weighted_mean(f.review_scores)
    if mean is not None and mean < f.threshold:
        reasons.append(f"评审加权平均分 {mean:g} 低于通过线 {f.threshold:g}")
    if f.edition_name is None:
        reasons.append("没有开放中的场景储备清单批次")
    elif f.edition_used >= f.edition_capacity:
        reasons.append(f"储备清单「{f.edition_name}」已满（{f.edition_used}/{f.edition_capacity}）")
    return reasons


def needs_showcase_room(f: Facts) -> list[str]:
    if f.showcase_edition is None:
        return ["该场景未列入任何储备清单批次，不能进入精选展示"]
    if f.showcase_used >= f.showcase_capacity:
        return [f"「{f.showcase_edition}」精选展示已满（{f.showcase_used}/{f.showcase_capacity}）"]
    return []


# Facts a guard may name (each gathered by ``pipeline.lifecycle.FACTS[name]``):
#   accepted_proposals · design_plans · passed_test_reports · reviews (scores and the open edition's
#   bar) · open_edition_room (the open reserve-list edition and how full it is; locked in a transition)
#   · showcase_room (the scenario's edition's showcase and how full it is; locked in a transition)
# Effects a move may name besides entering the stage (each applied by ``pipeline.lifecycle.EFFECTS``):
#   join_open_edition (listed in the open edition, given a code) · leave_edition · free_demand (the
#   demand may start a new scenario) · join_showcase · leave_showcase (ranks closed up)


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    action: str  # advance | return | reject | withdraw
    guard: Guard | None = None
    needs_reason: bool = False
    label: str = ""
    facts: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()


def _rule(roles: str, action: str, guard: Guard | None = None, *, facts: str = "", effects: str = "") -> Rule:
    return Rule(
        frozenset(roles.split()),
        action,
        guard,
        needs_reason=action != "advance",
        facts=tuple(facts.split()),
        effects=tuple(effects.split()),
    )


OWNERS = "operator lead partner"
LEAVE = {Stage.LISTING: "leave_edition", Stage.PROMOTION: "leave_showcase"}

TRANSITIONS: dict[tuple[Stage, Stage], Rule] = {
    # forward
    (Stage.REQUIREMENT, Stage.DESIGN): _rule(
        "operator lead", "advance", needs_accepted_proposal, facts="accepted_proposals"
    ),
    (Stage.DESIGN, Stage.TESTING): _rule("operator lead", "advance", needs_design_plan, facts="design_plans"),
    (Stage.TESTING, Stage.EVALUATION): _rule(
        "operator lead", "advance", needs_passed_test_report, facts="passed_test_reports"
    ),
    (Stage.EVALUATION, Stage.LISTING): _rule(
        "operator", "advance", needs_reviews_and_room, facts="open_edition_room reviews", effects="join_open_edition"
    ),
    (Stage.LISTING, Stage.PROMOTION): _rule(
        "operator", "advance", needs_showcase_room, facts="showcase_room", effects="join_showcase"
    ),
    # returned one stage back, with a reason
    (Stage.DESIGN, Stage.REQUIREMENT): _rule("operator lead", "return"),
    (Stage.TESTING, Stage.DESIGN): _rule("operator lead", "return"),
    (Stage.EVALUATION, Stage.TESTING): _rule("operator", "return"),
    (Stage.LISTING, Stage.EVALUATION): _rule("operator", "return", effects="leave_edition"),
    (Stage.PROMOTION, Stage.LISTING): _rule("operator", "return", effects="leave_showcase"),
    # rejected at evaluation
    (Stage.EVALUATION, Stage.REJECTED): _rule("operator", "reject", effects="free_demand"),
    # withdrawn by its owners (the lab's operators may act for them) before listing; once listed, a
    # scenario is public and in a reserve-list edition, so only an operator withdraws it (with a reason);
    # a promoted scenario leaves the showcase (a listed one keeps its place in the edition's history)
    **{
        (stage, Stage.WITHDRAWN): _rule(
            OWNERS if stage not in (Stage.LISTING, Stage.PROMOTION) else "operator",
            "withdraw",
            effects=" ".join(e for e in ("free_demand", LEAVE.get(stage) if stage == Stage.PROMOTION else None) if e),
        )
        for stage in FORWARD
    },
}

ACTION_LABELS = {"advance": "推进", "return": "退回", "reject": "不予通过", "withdraw": "撤回"}


def rule_for(source: Stage, target: Stage) -> Rule | None:
    return TRANSITIONS.get((Stage(source), Stage(target)))


def allowed(source: Stage, target: Stage, relations: set[str] | frozenset[str]) -> bool:
    """Pure answer of the table: may someone with these relations move source → target?"""
    rule = rule_for(source, target)
    return rule is not None and bool(rule.roles & set(relations))


def next_moves(source: Stage, relations: set[str] | frozenset[str]) -> list[tuple[Stage, Rule]]:
    """Targets reachable from ``source`` for these relations (for buttons on a page)."""
    return [(to, rule) for (frm, to), rule in TRANSITIONS.items() if frm == source and rule.roles & set(relations)]


def stage_index(stage: Stage) -> int:
    return FORWARD.index(stage) if stage in LIVE else -1
