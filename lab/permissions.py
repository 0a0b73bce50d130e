"""One place that answers: may this user do this action to this object?

``can(user, action, obj)`` is the rule; ``visible_*`` give the same rule as a query filter for lists.
Objects a user may not read are reported as missing (404) so that their existence does not leak;
objects a user may read but not change give 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tortoise.expressions import Q

from lab.errors import Forbidden, NotFound, Unauthorized
from lab.models import (CapabilityProfile, Demand, DemandStatus, Organisation, ProfileStatus, Proposal,
                        Role, User)

Rule = Callable[[User | None, Any], bool]


def is_operator(user: User | None) -> bool:
    return user is not None and user.role == Role.OPERATOR


def _member_of(user: User | None, organisation_id: int | None) -> bool:
    return user is not None and organisation_id is not None and user.organisation_id == organisation_id


def _department_member(user: User | None) -> bool:
    return user is not None and user.role == Role.DEPARTMENT_MEMBER


def _supplier_member(user: User | None) -> bool:
    return user is not None and user.role == Role.SUPPLIER_MEMBER


def _owns(user: User | None, obj: Any) -> bool:
    return is_operator(user) or _member_of(user, getattr(obj, "organisation_id", None))


def _demand_public(demand: Demand) -> bool:
    return demand.status in (DemandStatus.PUBLISHED, DemandStatus.CLOSED)


def _proposal_parties(user: User | None, proposal: Proposal) -> bool:
    if is_operator(user) or _member_of(user, proposal.organisation_id):
        return True
    demand = proposal.demand  # must be fetched by the caller
    return _member_of(user, demand.organisation_id)


RULES: dict[str, Rule] = {
    # organisations: a public directory; operators manage it
    "organisation.read": lambda u, o: True,
    "organisation.list": lambda u, o: True,
    "organisation.create": lambda u, o: is_operator(u),
    "organisation.update": lambda u, o: is_operator(u),
    "organisation.verify": lambda u, o: is_operator(u),
    # users
    "user.list": lambda u, o: is_operator(u),
    "user.create": lambda u, o: is_operator(u),
    "user.read": lambda u, o: is_operator(u) or (u is not None and u.id == o.id),
    "user.update": lambda u, o: is_operator(u) or (u is not None and u.id == o.id),
    "user.change_role": lambda u, o: is_operator(u),
    "user.reset_password": lambda u, o: is_operator(u),
    "user.change_password": lambda u, o: u is not None and o is not None and u.id == o.id,
    "organisation.register": lambda u, o: u is None,
    "audit.read": lambda u, o: is_operator(u),
    # demands
    "demand.create": lambda u, o: is_operator(u) or _department_member(u),
    "demand.read": lambda u, o: _demand_public(o) or _owns(u, o),
    "demand.update": lambda u, o: is_operator(u) or (_department_member(u) and _member_of(u, o.organisation_id)),
    "demand.publish": lambda u, o: is_operator(u) or (_department_member(u) and _member_of(u, o.organisation_id)),
    "demand.close": lambda u, o: is_operator(u) or (_department_member(u) and _member_of(u, o.organisation_id)),
    "demand.withdraw": lambda u, o: is_operator(u) or (_department_member(u) and _member_of(u, o.organisation_id)),
    "demand.matches": lambda u, o: _demand_public(o) and u is not None or _owns(u, o),
    # capability profiles
    "profile.create": lambda u, o: is_operator(u) or _supplier_member(u),
    "profile.read": lambda u, o: o.status == ProfileStatus.PUBLISHED or _owns(u, o),
    "profile.update": lambda u, o: is_operator(u) or (_supplier_member(u) and _member_of(u, o.organisation_id)),
    "profile.publish": lambda u, o: is_operator(u) or (_supplier_member(u) and _member_of(u, o.organisation_id)),
    "profile.archive": lambda u, o: is_operator(u) or (_supplier_member(u) and _member_of(u, o.organisation_id)),
    "profile.matches": lambda u, o: _owns(u, o),
    # proposals (揭榜方案)
    "demand.propose": lambda u, o: _supplier_member(u) and _demand_public(o) and o.status == DemandStatus.PUBLISHED
    and not _member_of(u, o.organisation_id),
    "proposal.read": _proposal_parties,
    "proposal.update": lambda u, o: _supplier_member(u) and _member_of(u, o.organisation_id),
    "proposal.withdraw": lambda u, o: is_operator(u) or (_supplier_member(u) and _member_of(u, o.organisation_id)),
    "proposal.shortlist": lambda u, o: is_operator(u) or (_department_member(u) and _member_of(u, o.demand.organisation_id)),
    "proposal.accept": lambda u, o: is_operator(u) or (_department_member(u) and _member_of(u, o.demand.organisation_id)),
    "proposal.decline": lambda u, o: is_operator(u) or (_department_member(u) and _member_of(u, o.demand.organisation_id)),
}


def can(user: User | None, action: str, obj: Any = None) -> bool:
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"no permission rule for {action!r}")
    return bool(rule(user, obj))


def require(user: User | None, action: str, obj: Any = None) -> None:
    """Raise the right error when ``user`` may not do ``action``: 404 if it may not even read the
    object, 401 if signing in might help, else 403."""
    if can(user, action, obj):
        return
    kind = action.split(".", 1)[0]
    read = f"{kind}.read"
    if obj is not None and read in RULES and action != read and not can(user, read, obj):
        raise NotFound()
    if obj is not None and action == read:
        raise NotFound()
    if user is None:
        raise Unauthorized()
    raise Forbidden()


def visible_demands(user: User | None) -> Q:
    public = Q(status__in=[DemandStatus.PUBLISHED, DemandStatus.CLOSED])
    if is_operator(user):
        return Q()
    if user is not None:
        return public | Q(organisation_id=user.organisation_id)
    return public


def visible_profiles(user: User | None) -> Q:
    public = Q(status=ProfileStatus.PUBLISHED)
    if is_operator(user):
        return Q()
    if user is not None:
        return public | Q(organisation_id=user.organisation_id)
    return public


def visible_proposals(user: User | None) -> Q:
    if is_operator(user):
        return Q()
    if user is None:
        return Q(id=-1)
    return Q(organisation_id=user.organisation_id) | Q(demand__organisation_id=user.organisation_id)


def org_is_supplier(org: Organisation) -> bool:
    return org.is_supplier
