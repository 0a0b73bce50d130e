"""Permission rules of the pipeline's events (action → rule(user, obj) → bool).

Objects: ``event.*`` rules get the :class:`~pipeline.models.Event` (``event.register`` gets the
organisation being registered), ``meeting.*`` rules get the :class:`~pipeline.models.Meeting`.
"""

from __future__ import annotations

from typing import Any

from lab.models import Role, User
from lab.permissions import is_operator


def _member(user: User | None, organisation_id: int | None) -> bool:
    return user is not None and organisation_id is not None and user.organisation_id == organisation_id


def _participant(user: User | None, organisation_id: int) -> bool:
    """A department or supplier member of that organisation."""
    return _member(user, organisation_id) and user.role in (Role.DEPARTMENT_MEMBER, Role.SUPPLIER_MEMBER)


def _meeting_party(user: User | None, meeting: Any) -> bool:
    return (_member(user, meeting.department_id) and user.role == Role.DEPARTMENT_MEMBER) or \
        (_member(user, meeting.supplier_id) and user.role == Role.SUPPLIER_MEMBER)


RULES = {
    "event.read": lambda u, o: True,
    "event.create": lambda u, o: is_operator(u),
    "event.schedule": lambda u, o: is_operator(u),
    "event.check_in": lambda u, o: is_operator(u),
    "event.registrations": lambda u, o: is_operator(u),
    "event.register": lambda u, o: is_operator(u) or _participant(u, o.id),
    "event.calendar": lambda u, o: is_operator(u) or _participant(u, o.id),
    "meeting.read": lambda u, o: is_operator(u) or _meeting_party(u, o),
    "meeting.answer": _meeting_party,
    "meeting.outcome": lambda u, o: is_operator(u) or _meeting_party(u, o),
}
