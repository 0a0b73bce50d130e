"""Permission rules of events and meetings (action → rule(user, obj) → bool), part of the pipeline's
``RULES`` (``pipeline.permissions``).

Objects: ``event.*`` rules get the :class:`~pipeline.models.Event` (``event.register`` gets the
organisation being registered), ``meeting.*`` rules get the :class:`~pipeline.models.Meeting`.
"""

from __future__ import annotations

from typing import Any

from lab.models import Role, User
from lab.permissions import has_role, is_operator, member_of


def _participant(user: User | None, organisation_id: int) -> bool:
    """A department or supplier member of that organisation."""
    return member_of(user, organisation_id) and has_role(user, Role.DEPARTMENT_MEMBER, Role.SUPPLIER_MEMBER)


def _meeting_party(user: User | None, meeting: Any) -> bool:
    return (member_of(user, meeting.department_id) and has_role(user, Role.DEPARTMENT_MEMBER)) or (
        member_of(user, meeting.supplier_id) and has_role(user, Role.SUPPLIER_MEMBER)
    )


EVENT_RULES = {
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
