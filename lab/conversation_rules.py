"""Who may ask, answer, moderate and read public Q&A on demands, and keep saved searches and follows.
Merged into the registry of ``lab.permissions``; checked through ``can``/``require`` only.

A question is public once answered; before that only its asker, the demand's department and the
operators see it; a hidden one only its asker and the operators. The asker's identity (user,
organisation, email) is shown to the asker and the operators, never to the department or visitors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lab.conversation_models import QuestionStatus
from lab.models import DemandStatus, Role, User

Rule = Callable[[User | None, Any], bool]


def _operator(u: User | None) -> bool:
    return u is not None and u.role == Role.OPERATOR


def _in(u: User | None, organisation_id: int | None) -> bool:
    return u is not None and organisation_id is not None and u.organisation_id == organisation_id


def _department_of(u: User | None, demand) -> bool:
    return u is not None and u.role == Role.DEPARTMENT_MEMBER and _in(u, demand.organisation_id)


def _asker(u: User | None, q) -> bool:
    return u is not None and q.asker_id == u.id


def _ask(u: User | None, demand) -> bool:
    return (
        u is not None
        and u.role == Role.SUPPLIER_MEMBER
        and demand.status == DemandStatus.PUBLISHED
        and not _in(u, demand.organisation_id)
    )


def _read_question(u: User | None, q) -> bool:
    if _operator(u) or _asker(u, q):
        return True
    if q.status == QuestionStatus.ANSWERED:
        return True  # the caller has already checked that the demand itself is readable
    return q.status == QuestionStatus.OPEN and _department_of(u, q.demand)


RULES: dict[str, Rule] = {
    "demand.ask": _ask,
    "question.read": _read_question,
    "question.answer": lambda u, q: q.status != QuestionStatus.HIDDEN and (_operator(u) or _department_of(u, q.demand)),
    "question.hide": lambda u, q: _operator(u),
    "question.see_asker": lambda u, q: _operator(u) or _asker(u, q),
    # saved searches and follows belong to the signed-in user who made them
    "subscription.create": lambda u, o: u is not None,
    "subscription.read": lambda u, o: u is not None and (o is None or o.user_id == u.id),
    "subscription.delete": lambda u, o: u is not None and o.user_id == u.id,
}
