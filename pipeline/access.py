"""Who may see and do what with a scenario and its reviews.

A user's *relations* to a scenario: ``operator``, ``lead`` (member of the lead department),
``partner`` (member of a partner organisation), ``reviewer`` (assigned to review it). The transition
table in ``pipeline.stages`` is written in these terms. Scenarios a user may not read are reported
as missing (404) so their existence does not leak.
"""

from __future__ import annotations

from tortoise.expressions import Q, Subquery

from lab.errors import Forbidden, NotFound, Unauthorized
from lab.models import Role, User
from lab.permissions import is_operator
from pipeline.models import Origin, ReviewAssignment, Scenario, Stage
from pipeline.stages import PUBLIC_STAGES


async def partner_ids(scenario: Scenario, conn=None) -> set[int]:
    rows = await Scenario.filter(id=scenario.id).using_db(conn).values_list("partners__id", flat=True)
    return {r for r in rows if r is not None}


async def relations(user: User | None, scenario: Scenario, conn=None) -> set[str]:
    if user is None:
        return set()
    found: set[str] = set()
    if is_operator(user):
        found.add("operator")
    if user.role == Role.DEPARTMENT_MEMBER and user.organisation_id == scenario.lead_department_id:
        found.add("lead")
    if user.role in (Role.SUPPLIER_MEMBER, Role.DEPARTMENT_MEMBER) \
            and user.organisation_id in await partner_ids(scenario, conn):
        found.add("partner")
    if user.role == Role.REVIEWER and await ReviewAssignment.exists(
            scenario_id=scenario.id, reviewer_id=user.id, using_db=conn):
        found.add("reviewer")
    return found


def is_public(scenario: Scenario) -> bool:
    if scenario.origin == Origin.EXTERNAL:
        return scenario.stage != Stage.WITHDRAWN
    return scenario.stage in PUBLIC_STAGES


def visible_scenarios(user: User | None) -> Q:
    """The read rule as a query filter."""
    public = Q(stage__in=list(PUBLIC_STAGES)) | (Q(origin=Origin.EXTERNAL) & ~Q(stage=Stage.WITHDRAWN))
    if is_operator(user):
        return Q()
    if user is None:
        return public
    if user.role == Role.REVIEWER:
        assigned = Subquery(ReviewAssignment.filter(reviewer_id=user.id).values("scenario_id"))
        return public | Q(id__in=assigned)
    org = user.organisation_id
    partnered = Subquery(Scenario.filter(partners__id=org).values("id"))
    return public | Q(lead_department_id=org) | Q(id__in=partnered)


async def require_read(user: User | None, scenario: Scenario) -> set[str]:
    """The user's relations, or NotFound when the scenario is not visible to it."""
    found = await relations(user, scenario)
    if not found and not is_public(scenario):
        raise NotFound("找不到该场景")
    return found


def refuse(user: User | None, message: str | None = None) -> None:
    if user is None:
        raise Unauthorized()
    raise Forbidden(message)


def sees_review_identities(found: set[str]) -> bool:
    return "operator" in found


def sees_review_aggregate(found: set[str], scenario: Scenario) -> bool:
    """Parties see the aggregate and comments (never identities) once evaluation has ended."""
    if "operator" in found:
        return True
    return bool(found & {"lead", "partner"}) and scenario.stage != Stage.EVALUATION


async def get_scenario(user: User | None, scenario_id: int) -> tuple[Scenario, set[str]]:
    scenario = await Scenario.get_or_none(id=scenario_id)
    if scenario is None:
        raise NotFound("找不到该场景")
    return scenario, await require_read(user, scenario)
