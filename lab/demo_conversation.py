"""Demo data for the marketplace conversation: a public Q&A on the demo department's first published
demand (one answered, one awaiting an answer), a saved search and a follow for the demo supplier.
Written through the project's own commands; running it again changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from lab import questions, subscriptions
from lab.conversation_models import Frequency, Question
from lab.conversation_schemas import SavedSearchIn
from lab.models import Demand, DemandStatus, User


async def seed_conversation(progress: Callable[[str], None] = print) -> None:
    department = await User.get_or_none(email="department@lab.demo")
    supplier = await User.get_or_none(email="supplier@lab.demo")
    if department is None or supplier is None or await Question.exists(asker_id=supplier.id):
        return
    demand = (
        await Demand.filter(organisation_id=department.organisation_id, status=DemandStatus.PUBLISHED)
        .order_by("id")
        .first()
    )
    if demand is None:
        return
    answered = await questions.ask(
        supplier, demand.id, "现有的视频监控点位和物联感知数据能否开放接入？接口形式是什么？"
    )
    await questions.answer(
        department, answered.id, "可以开放只读接口，按数据共享协议申请，支持 HTTPS 接口和每日批量文件两种方式。"
    )
    await questions.ask(supplier, demand.id, "试点范围是否限定在一个街道？验收以哪些指标为准？")
    await subscriptions.save_search(
        supplier, SavedSearchIn(q="", kind="demand", filters={"domain": demand.domain}, frequency=Frequency.DAILY)
    )
    await subscriptions.follow(supplier, f"demand:{demand.id}")
    progress(f"公开答疑：需求「{demand.title}」2 个问题（1 个已答复）；演示供给方已保存 1 个搜索、关注 1 条需求")
