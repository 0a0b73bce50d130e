"""The one policy registry: may this user do this action to this object?

``can(user, action, obj)`` answers from one table of rules, ``require(...)`` raises the right error,
and ``visible_*`` give the read rules as query filters for lists. The core's rules (organisations,
users, demands, capability profiles, proposals, audit, workspaces) are in ``RULES`` below; every other
package keeps its rules in a ``RULES`` dict of its own ``permissions.py`` (action -> rule(user, obj) ->
bool), which the assembly (``lab.runtime``) registers here with :func:`register`. Nothing registers
itself at import time.

``PUBLIC_STATUSES`` is the one definition of what a signed-out visitor may see, per kind: search
filters, the index, matches and pages all read it from here.

Objects a user may not read are reported as missing (404) so that their existence does not leak;
objects a user may read but not change give 403.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tortoise.expressions import Q

from lab.conversation_rules import RULES as CONVERSATION_RULES
from lab.errors import Forbidden, NotFound, Unauthorized
from lab.models import CapabilityProfile, Demand, DemandStatus, Organisation, ProfileStatus, Proposal, Role, User

Rule = Callable[[User | None, Any], bool]

# What a signed-out visitor may see, per kind (stored status / stage values). The only definition.
PUBLIC_STATUSES: dict[str, tuple[str, ...]] = {
    "demand": (DemandStatus.PUBLISHED.value, DemandStatus.CLOSED.value),
    "capability": (ProfileStatus.PUBLISHED.value,),
    "scenario": ("listing", "promotion"),
}
# Demands that still take proposals (a subset of the public ones).
OPEN_DEMAND_STATUSES: tuple[str, ...] = (DemandStatus.PUBLISHED.value,)


def public_statuses(*kinds: str) -> list[str]:
    """The public statuses of ``kinds`` (all kinds when none given), sorted, for search filters."""
    return sorted({s for k in (kinds or tuple(PUBLIC_STATUSES)) for s in PUBLIC_STATUSES[k]})


def is_operator(user: User | None) -> bool:
    return user is not None and user.role == Role.OPERATOR


def has_role(user: User | None, *roles: Role) -> bool:
    return user is not None and user.role in roles


def member_of(user: User | None, organisation_id: int | None) -> bool:
    return user is not None and organisation_id is not None and user.organisation_id == organisation_id


def _department_member(user: User | None) -> bool:
    return has_role(user, Role.DEPARTMENT_MEMBER)


def _supplier_member(user: User | None) -> bool:
    return has_role(user, Role.SUPPLIER_MEMBER)


def _owns(user: User | None, obj: Any) -> bool:
    return is_operator(user) or member_of(user, getattr(obj, "organisation_id", None))


def _demand_public(demand: Demand) -> bool:
    return demand.status.value in PUBLIC_STATUSES["demand"]


def _profile_public(profile: CapabilityProfile) -> bool:
    return profile.status.value in PUBLIC_STATUSES["capability"]


def _department_of(user: User | None, organisation_id: int | None) -> bool:
    return is_operator(user) or (_department_member(user) and member_of(user, organisation_id))


def _supplier_of(user: User | None, organisation_id: int | None) -> bool:
    return is_operator(user) or (_supplier_member(user) and member_of(user, organisation_id))


def _proposal_parties(user: User | None, proposal: Proposal) -> bool:
    if is_operator(user) or member_of(user, proposal.organisation_id):
        return True
    demand = proposal.demand  # must be fetched by the caller
    return member_of(user, demand.organisation_id)


def _signed_in(user: User | None, _obj: Any = None) -> bool:
    return user is not None


def _operator(user: User | None, _obj: Any = None) -> bool:
    return is_operator(user)


RULES: dict[str, Rule] = {
    # organisations: a public directory; operators manage it
    "organisation.read": lambda u, o: True,
    "organisation.list": lambda u, o: True,
    "organisation.create": _operator,
    "organisation.update": _operator,
    "organisation.verify": _operator,
    # users
    "user.list": _operator,
    "user.create": _operator,
    "user.read": lambda u, o: is_operator(u) or (u is not None and u.id == o.id),
    "user.update": lambda u, o: is_operator(u) or (u is not None and u.id == o.id),
    "user.change_role": _operator,
    "user.reset_password": _operator,
    "user.change_password": lambda u, o: u is not None and o is not None and u.id == o.id,
    "organisation.register": lambda u, o: u is None,
    # demands
    "demand.create": lambda u, o: is_operator(u) or _department_member(u),
    "demand.read": lambda u, o: _demand_public(o) or _owns(u, o),
    "demand.update": lambda u, o: _department_of(u, o.organisation_id),
    "demand.publish": lambda u, o: _department_of(u, o.organisation_id),
    "demand.close": lambda u, o: _department_of(u, o.organisation_id),
    "demand.withdraw": lambda u, o: _department_of(u, o.organisation_id),
    "demand.matches": lambda u, o: _demand_public(o) and u is not None or _owns(u, o),
    # acting for any department (operators name the department they act for)
    "demand.act_for_any_department": _operator,
    # capability profiles
    "profile.create": lambda u, o: is_operator(u) or _supplier_member(u),
    "profile.read": lambda u, o: _profile_public(o) or _owns(u, o),
    "profile.update": lambda u, o: _supplier_of(u, o.organisation_id),
    "profile.publish": lambda u, o: _supplier_of(u, o.organisation_id),
    "profile.archive": lambda u, o: _supplier_of(u, o.organisation_id),
    "profile.matches": lambda u, o: _owns(u, o),
    "profile.act_for_any_supplier": _operator,
    # proposals (揭榜方案)
    "demand.propose": lambda u, o: (
        _supplier_member(u) and o.status.value in OPEN_DEMAND_STATUSES and not member_of(u, o.organisation_id)
    ),
    "proposal.read": _proposal_parties,
    "proposal.update": lambda u, o: _supplier_member(u) and member_of(u, o.organisation_id),
    "proposal.withdraw": lambda u, o: _supplier_of(u, o.organisation_id),
    "proposal.shortlist": lambda u, o: _department_of(u, o.demand.organisation_id),
    "proposal.accept": lambda u, o: _department_of(u, o.demand.organisation_id),
    "proposal.decline": lambda u, o: _department_of(u, o.demand.organisation_id),
    # the audit trail; each object's own history: operators and the owning organisation's members
    "audit.list": _operator,
    "demand.history": _owns,
    "profile.history": _owns,
    "organisation.history": lambda u, o: is_operator(u) or member_of(u, o.id),
    # notifications: one's own
    "notification.list": _signed_in,
    # search: who sees items in any status (everyone else gets PUBLIC_STATUSES only)
    "search.any_status": _operator,
    # workspaces (pages and their menus)
    "workspace.enter": _signed_in,
    "workspace.department": lambda u, o: has_role(u, Role.DEPARTMENT_MEMBER, Role.OPERATOR),
    "workspace.supplier": lambda u, o: has_role(u, Role.SUPPLIER_MEMBER),
    "workspace.reviewer": lambda u, o: has_role(u, Role.REVIEWER),
    "workspace.operator": _operator,
    "workspace.scenarios": lambda u, o: has_role(u, Role.DEPARTMENT_MEMBER, Role.SUPPLIER_MEMBER),
    # Q&A on demands, saved searches and follows (lab/conversation_rules.py)
    **CONVERSATION_RULES,
}


class Registry:
    """Rules by action. The core's rules are there from the start; packages add theirs with
    :meth:`register` at assembly time (the same rule twice is fine, a different one is an error)."""

    def __init__(self, rules: Mapping[str, Rule]) -> None:
        self._rules: dict[str, Rule] = dict(rules)

    def register(self, rules: Mapping[str, Rule]) -> None:
        for action, rule in rules.items():
            known = self._rules.get(action)
            if known is not None and known is not rule:
                raise ValueError(f"permission rule {action!r} is already registered")
            self._rules[action] = rule

    def rule(self, action: str) -> Rule:
        rule = self._rules.get(action)
        if rule is None:
            raise KeyError(f"no permission rule for {action!r} (is its package registered?)")
        return rule

    def __contains__(self, action: str) -> bool:
        return action in self._rules

    def actions(self) -> list[str]:
        return sorted(self._rules)


registry = Registry(RULES)


def register(rules: Mapping[str, Rule]) -> None:
    """Add a package's ``RULES`` (called by the assembly, never at import time)."""
    registry.register(rules)


def can(user: User | None, action: str, obj: Any = None) -> bool:
    return bool(registry.rule(action)(user, obj))


def require(user: User | None, action: str, obj: Any = None, message: str | None = None) -> None:
    """Raise the right error when ``user`` may not do ``action``: 404 if it may not even read the
    object, 401 if signing in might help, else 403 (with ``message`` when given)."""
    if can(user, action, obj):
        return
    kind = action.split(".", 1)[0]
    read = f"{kind}.read"
    if obj is not None and read in registry and action != read and not can(user, read, obj):
        raise NotFound()
    if obj is not None and action == read:
        raise NotFound()
    if user is None:
        raise Unauthorized()
    raise Forbidden(message)


def visible_demands(user: User | None) -> Q:
    public = Q(status__in=list(PUBLIC_STATUSES["demand"]))
    if is_operator(user):
        return Q()
    if user is not None:
        return public | Q(organisation_id=user.organisation_id)
    return public


def visible_profiles(user: User | None) -> Q:
    public = Q(status__in=list(PUBLIC_STATUSES["capability"]))
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
