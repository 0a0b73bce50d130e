"""Public Q&A on published demands (公开答疑): ask, answer, hide; list what a user may see.

Asking notifies the demand's department; answering notifies the asker, every supplier that proposed
to the demand and everyone following it. The asker stays anonymous to the department and to
visitors (see ``lab.conversation_rules``)."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from lab.audit import record
from lab.conversation_models import Follow, Question, QuestionStatus
from lab.demands import get_demand
from lab.errors import IllegalTransition, Invalid, NotFound
from lab.models import Demand, Proposal, Role, User
from lab.notifications import notify
from lab.permissions import can, require


def _blank(text: str) -> bool:
    return not text or not text.strip()


async def department_users(demand: Demand, conn=None) -> list[int]:
    return list(
        await User.filter(organisation_id=demand.organisation_id, active=True, role=Role.DEPARTMENT_MEMBER)
        .using_db(conn)
        .values_list("id", flat=True)
    )


async def org_users(organisation_ids, conn=None) -> list[int]:
    ids = list(set(organisation_ids))
    if not ids:
        return []
    return list(
        await User.filter(organisation_id__in=ids, active=True, role=Role.SUPPLIER_MEMBER)
        .using_db(conn)
        .values_list("id", flat=True)
    )


async def followers(kind: str, object_id: int, conn=None) -> list[int]:
    return list(
        await Follow.filter(object_kind=kind, object_id=object_id, user__active=True)
        .using_db(conn)
        .values_list("user_id", flat=True)
    )


async def ask(user: User, demand_id: int, text: str) -> Question:
    demand = await get_demand(user, demand_id)
    require(user, "demand.ask", demand)
    if _blank(text):
        raise Invalid({"text": "请填写问题"})
    if demand.questions_close_at is not None and now() >= demand.questions_close_at:
        raise Invalid({"text": "该需求的答疑已截止"}, "答疑已截止，不再接受提问", code="questions_closed")
    async with in_transaction() as conn:
        question = await Question.create(
            demand_id=demand.id,
            asker_id=user.id,
            organisation_id=user.organisation_id,
            text=text.strip(),
            using_db=conn,
        )
        await notify(
            await department_users(demand, conn),
            "question_asked",
            f"需求「{demand.title}」收到一个新的答疑问题",
            object=f"demand:{demand.id}",
            conn=conn,
        )
    return await get_question(user, question.id)


async def get_question(user: User | None, question_id: int) -> Question:
    question = await Question.get_or_none(id=question_id).select_related("demand", "asker", "organisation")
    if question is None:
        raise NotFound("找不到该问题")
    require(user, "demand.read", question.demand)
    if not can(user, "question.read", question):
        raise NotFound("找不到该问题")
    return question


async def answer(user: User, question_id: int, text: str) -> Question:
    question = await get_question(user, question_id)
    require(user, "question.answer", question)
    if _blank(text):
        raise Invalid({"answer": "请填写答复"})
    demand = question.demand
    async with in_transaction() as conn:
        updated = (
            await Question.filter(id=question.id, status__in=[QuestionStatus.OPEN, QuestionStatus.ANSWERED])
            .using_db(conn)
            .update(answer=text.strip(), status=QuestionStatus.ANSWERED, answered_by_id=user.id, answered_at=now())
        )
        if not updated:
            raise IllegalTransition("该问题已被隐藏，不能答复")
        await record(
            user,
            "question.answer",
            "demand",
            demand.id,
            conn=conn,
            before={"question": question.id, "status": question.status.value},
            after={"question": question.id, "status": "answered"},
        )
        proposers = await Proposal.filter(demand_id=demand.id).using_db(conn).values_list("organisation_id", flat=True)
        audience = {question.asker_id, *await org_users(proposers, conn), *await followers("demand", demand.id, conn)}
        await notify(
            audience,
            "question_answered",
            f"需求「{demand.title}」的答疑有了新答复",
            object=f"demand:{demand.id}",
            skip=user,
            conn=conn,
        )
    return await get_question(user, question.id)


async def hide(user: User, question_id: int, reason: str) -> Question:
    question = await get_question(user, question_id)
    require(user, "question.hide", question)
    if _blank(reason):
        raise Invalid({"reason": "请填写隐藏理由"})
    if question.status == QuestionStatus.HIDDEN:
        raise IllegalTransition("该问题已隐藏")
    async with in_transaction() as conn:
        await (
            Question.filter(id=question.id)
            .using_db(conn)
            .update(status=QuestionStatus.HIDDEN, hidden_reason=reason.strip(), hidden_at=now())
        )
        await record(
            user,
            "question.hide",
            "demand",
            question.demand_id,
            conn=conn,
            reason=reason.strip(),
            before={"question": question.id, "status": question.status.value},
            after={"question": question.id, "status": "hidden"},
        )
        await notify(
            [question.asker_id],
            "question_hidden",
            f"您在需求「{question.demand.title}」下的提问已被运营隐藏：{reason.strip()}",
            object=f"demand:{question.demand_id}",
            conn=conn,
        )
    return await get_question(user, question.id)


def visible_questions(user: User | None, demand: Demand) -> Q:
    """The questions of ``demand`` that ``user`` may see (the same rule as ``question.read``)."""
    if user is not None and user.role == Role.OPERATOR:
        return Q(demand_id=demand.id)
    shown = Q(status=QuestionStatus.ANSWERED)
    if user is not None:
        shown |= Q(asker_id=user.id)
        if user.role == Role.DEPARTMENT_MEMBER and user.organisation_id == demand.organisation_id:
            shown |= Q(status=QuestionStatus.OPEN)
    return Q(demand_id=demand.id) & shown


async def list_questions(user: User | None, demand_id: int) -> list[Question]:
    demand = await get_demand(user, demand_id)
    rows = (
        await Question.filter(visible_questions(user, demand))
        .select_related("demand", "asker", "organisation")
        .order_by("id")
    )
    return [q for q in rows if can(user, "question.read", q)]


def present(user: User | None, q: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": q.id,
        "demand_id": q.demand_id,
        "text": q.text,
        "status": q.status.value,
        "answer": q.answer or None,
        "answered_at": q.answered_at.isoformat() if q.answered_at else None,
        "created_at": q.created_at.isoformat(),
        "mine": user is not None and q.asker_id == user.id,
    }
    if can(user, "question.see_asker", q):
        data["asker"] = {
            "user_id": q.asker_id,
            "display_name": q.asker.display_name,
            "email": q.asker.email,
            "organisation_id": q.organisation_id,
            "organisation": q.organisation.name,
        }
    if q.status == QuestionStatus.HIDDEN and can(user, "question.see_asker", q):
        data["hidden_reason"] = q.hidden_reason
    return data
