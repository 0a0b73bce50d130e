"""Who may see and do what with a scenario, its attachments, its reviews and the reserve-list
editions: the pipeline's ``RULES`` for the policy registry (``lab.permissions``), registered by the
assembly.

Scenario rules take a :class:`ScenarioAccess` — the scenario and the user's *relations* to it,
loaded once by :func:`scenario_access` — because a relation needs the database and a rule does not:
``operator`` · ``lead`` (member of the lead department) · ``partner`` (member of a partner
organisation) · ``reviewer`` (assigned to review it). The transition table in ``pipeline.stages`` is
written in the same terms. Scenarios a user may not read are reported as missing (404) so their
existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q, Subquery

from lab.errors import Forbidden, NotFound, Unauthorized
from lab.models import Demand, Role, User
from lab.permissions import can, has_role, is_operator, member_of
from pipeline.event_rules import EVENT_RULES
from pipeline.models import AttachmentKind, Origin, ReviewAssignment, Scenario, Stage
from pipeline.stages import PUBLIC_STAGES

PARTIES = frozenset({"operator", "lead", "partner"})
# which relations may upload which kind of attachment
UPLOADERS = {AttachmentKind.DESIGN_PLAN: PARTIES, AttachmentKind.TEST_REPORT: frozenset({"operator", "lead"})}


@dataclass(frozen=True)
class ScenarioAccess:
    """A scenario together with the relations of one user to it (the object of scenario rules)."""

    scenario: Scenario
    relations: frozenset[str]


@dataclass(frozen=True)
class Upload:
    """The object of ``attachment.upload``: which kind, to which scenario."""

    access: ScenarioAccess
    kind: AttachmentKind


@dataclass(frozen=True)
class Served:
    """The object of ``data.request``: what a data request would serve (a demand or a scenario) and
    the organisations that are its parties."""

    kind: str  # demand | scenario
    id: int
    title: str
    party_org_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Move:
    """The object of ``scenario.move``: the transition rule (from ``pipeline.stages``) and access."""

    access: ScenarioAccess
    roles: frozenset[str]


async def partner_ids(scenario: Scenario, conn=None) -> set[int]:
    rows = await Scenario.filter(id=scenario.id).using_db(conn).values_list("partners__id", flat=True)
    return {r for r in rows if r is not None}


async def relations(user: User | None, scenario: Scenario, conn=None) -> set[str]:
    if user is None:
        return set()
    found: set[str] = set()
    if is_operator(user):
        found.add("operator")
    if has_role(user, Role.DEPARTMENT_MEMBER) and member_of(user, scenario.lead_department_id):
        found.add("lead")
    if has_role(user, Role.SUPPLIER_MEMBER, Role.DEPARTMENT_MEMBER) and user.organisation_id in await partner_ids(
        scenario, conn
    ):
        found.add("partner")
    if has_role(user, Role.REVIEWER) and await ReviewAssignment.exists(
        scenario_id=scenario.id, reviewer_id=user.id, using_db=conn
    ):
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
    if has_role(user, Role.REVIEWER):
        assigned = Subquery(ReviewAssignment.filter(reviewer_id=user.id).values("scenario_id"))
        return public | Q(id__in=assigned)
    org = user.organisation_id
    partnered = Subquery(Scenario.filter(partners__id=org).values("id"))
    return public | Q(lead_department_id=org) | Q(id__in=partnered)


def visible_data_requests(user: User) -> Q:
    """``data_request.read`` as a query filter: the requesting organisation, the holding department, operators."""
    if is_operator(user):
        return Q()
    mine = Q(requester_org_id=user.organisation_id)
    if has_role(user, Role.DEPARTMENT_MEMBER):
        return mine | Q(resource__department_id=user.organisation_id)
    return mine


def sees_review_aggregate(found: set[str] | frozenset[str], scenario: Scenario) -> bool:
    """Parties see the aggregate and comments (never identities) once evaluation has ended."""
    if "operator" in found:
        return True
    return bool(set(found) & {"lead", "partner"}) and scenario.stage != Stage.EVALUATION


def _related(*names: str):
    wanted = frozenset(names)
    return lambda u, a: bool(a.relations & wanted)


def _operator(user: User | None, _obj=None) -> bool:
    return is_operator(user)


def _department_member_of(user: User | None, organisation_id: int | None) -> bool:
    return has_role(user, Role.DEPARTMENT_MEMBER) and member_of(user, organisation_id)


def _data_owner(user: User | None, request) -> bool:
    """A member of the department that holds the requested resource (``request.resource`` fetched)."""
    return _department_member_of(user, request.resource.department_id)


def _data_party(user: User | None, served: Served) -> bool:
    return has_role(user, Role.DEPARTMENT_MEMBER, Role.SUPPLIER_MEMBER) and user.organisation_id in served.party_org_ids  # type: ignore[union-attr]


RULES = {
    # scenarios
    "scenario.read": lambda u, a: bool(a.relations) or is_public(a.scenario),
    "scenario.create": lambda u, demand: (
        is_operator(u)
        or (has_role(u, Role.DEPARTMENT_MEMBER) and isinstance(demand, Demand) and member_of(u, demand.organisation_id))
    ),
    "scenario.create_external": _operator,
    "scenario.move": lambda u, m: bool(m.access.relations & m.roles),
    "scenario.history": _related("operator", "lead", "partner", "reviewer"),
    "scenario.party": _related(*PARTIES),
    "scenario.manage": _related("operator", "lead", "partner", "reviewer"),
    # a supplier partner withdraws its own organisation's participation (before listing: pipeline.participation)
    "scenario.leave": lambda u, a: has_role(u, Role.SUPPLIER_MEMBER) and "partner" in a.relations,
    # attachments
    "attachment.upload": lambda u, up: bool(up.access.relations & UPLOADERS[up.kind]),
    "attachment.read": _related("operator", "lead", "partner", "reviewer"),
    # reviews
    "review.assign": _related("operator"),
    "review.write": _related("reviewer"),
    "review.identities": _related("operator"),
    "review.aggregate": lambda u, a: sees_review_aggregate(a.relations, a.scenario),
    "review.comments": lambda u, a: sees_review_aggregate(a.relations, a.scenario) and bool(a.relations & PARTIES),
    # reserve-list editions and the featured showcase
    "edition.create": _operator,
    "edition.update": _operator,
    "showcase.rank": _operator,
    "showcase.update": _operator,
    # public data: the catalogue is public; departments keep their own entries, operators any.
    # Only a party of the demand or scenario asks (object: Served); only the holding department answers.
    "data_resource.read": lambda u, o: True,
    "data_resource.create": lambda u, r: is_operator(u) or _department_member_of(u, r.department_id),
    "data.request": _data_party,
    "data_request.read": lambda u, r: is_operator(u) or member_of(u, r.requester_org_id) or _data_owner(u, r),
    "data_request.approve": _data_owner,
    "data_request.refuse": _data_owner,
    "data_request.stats": _operator,
    # progress after listing: lead and partners report, operators import in bulk and see stale ones
    "progress.create": _related("lead", "partner"),
    "progress.import": _operator,
    "progress.stale": _operator,
    # workspace pages of public data and progress
    "workspace.data_requests": lambda u, o: has_role(u, Role.DEPARTMENT_MEMBER, Role.SUPPLIER_MEMBER, Role.OPERATOR),
    "workspace.data_ask": lambda u, o: has_role(u, Role.DEPARTMENT_MEMBER, Role.SUPPLIER_MEMBER),
    "workspace.data_answer": lambda u, o: has_role(u, Role.DEPARTMENT_MEMBER),
    "workspace.data_catalogue": lambda u, o: has_role(u, Role.DEPARTMENT_MEMBER, Role.OPERATOR),
    "workspace.progress": lambda u, o: has_role(u, Role.DEPARTMENT_MEMBER, Role.SUPPLIER_MEMBER, Role.OPERATOR),
    # events (供需对接会, 培训, 参观接待) and their 1:1 meetings
    **EVENT_RULES,
}


async def scenario_access(user: User | None, scenario: Scenario, conn=None) -> ScenarioAccess:
    """The scenario with ``user``'s relations, or NotFound when it may not read it."""
    access = ScenarioAccess(scenario, frozenset(await relations(user, scenario, conn)))
    if not can(user, "scenario.read", access):
        raise NotFound("找不到该场景")
    return access


async def require_read(user: User | None, scenario: Scenario) -> set[str]:
    """The user's relations, or NotFound when the scenario is not visible to it."""
    return set((await scenario_access(user, scenario)).relations)


def refuse(user: User | None, message: str | None = None) -> None:
    if user is None:
        raise Unauthorized()
    raise Forbidden(message)


def sees_review_identities(found: set[str]) -> bool:
    return "operator" in found


async def get_scenario(user: User | None, scenario_id: int) -> tuple[Scenario, set[str]]:
    access = await load_access(user, scenario_id)
    return access.scenario, set(access.relations)


async def load_access(user: User | None, scenario_id: int) -> ScenarioAccess:
    """Load a scenario and check it once: its access for ``user``, or NotFound."""
    scenario = await Scenario.get_or_none(id=scenario_id)
    if scenario is None:
        raise NotFound("找不到该场景")
    return await scenario_access(user, scenario)
