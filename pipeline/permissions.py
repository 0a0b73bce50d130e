"""Permission rules of the pipeline package for public-data requests and progress after listing.

Each rule answers ``rule(user, obj) -> bool``. Rules that need more than the object itself get a
small context object built by the command (who the parties are), so the rules stay synchronous.
``can``/``require`` follow ``lab.permissions``: objects a user may not read are reported missing
(404), signing in is asked for (401), else 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lab.errors import Forbidden, NotFound, Unauthorized
from lab.models import Role, User
from lab.permissions import is_operator

Rule = Callable[[User | None, Any], bool]


@dataclass(frozen=True)
class Served:
    """What a data request serves (a demand or a scenario) and the organisations that are its parties."""

    kind: str  # demand | scenario
    id: int
    title: str
    party_org_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class ScenarioAccess:
    """A scenario with the user's relations to it (see ``pipeline.access.relations``)."""

    scenario: Any
    relations: frozenset[str]


def _member(user: User | None, organisation_id: int | None) -> bool:
    return user is not None and organisation_id is not None and user.organisation_id == organisation_id


def _department_member_of(user: User | None, organisation_id: int | None) -> bool:
    return _member(user, organisation_id) and user.role == Role.DEPARTMENT_MEMBER  # type: ignore[union-attr]


def _resource_owner(user: User | None, request: Any) -> bool:
    return _department_member_of(user, request.resource.department_id)


def _party(user: User | None, served: Served) -> bool:
    return user is not None and user.role in (Role.DEPARTMENT_MEMBER, Role.SUPPLIER_MEMBER) \
        and user.organisation_id in served.party_org_ids


RULES: dict[str, Rule] = {
    # the catalogue is public; departments keep their own entries, operators any
    "data_resource.read": lambda u, o: True,
    "data_resource.create": lambda u, o: is_operator(u) or _department_member_of(u, o.department_id),
    # requests: only a party of the demand or scenario asks; only the owning department answers
    "data_request.create": _party,
    "data_request.read": lambda u, o: is_operator(u) or _member(u, o.requester_org_id) or _resource_owner(u, o),
    "data_request.approve": _resource_owner,
    "data_request.refuse": _resource_owner,
    "data_request.stats": lambda u, o: is_operator(u),
    # progress after listing: scenario parties report, operators import in bulk
    "progress.create": lambda u, o: bool(o.relations & {"lead", "partner"}),
    "progress.import": lambda u, o: is_operator(u),
    "scenario.stale_list": lambda u, o: is_operator(u),
}


def can(user: User | None, action: str, obj: Any = None) -> bool:
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"no permission rule for {action!r}")
    return bool(rule(user, obj))


def require(user: User | None, action: str, obj: Any = None, *, message: str | None = None) -> None:
    if can(user, action, obj):
        return
    kind, verb = action.split(".", 1)
    read = f"{kind}.read"
    # creating: the object is what the new record would serve, not a record of this kind
    if obj is not None and verb != "create" and read in RULES and action != read and not can(user, read, obj):
        raise NotFound()
    if obj is not None and action == read:
        raise NotFound()
    if user is None:
        raise Unauthorized()
    raise Forbidden(message)
