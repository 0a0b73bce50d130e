"""Reserve-list editions (场景储备清单批次) and their featured showcase (精选展示): creating and
changing editions, the open edition and its room, and the ranks of featured scenarios."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import Conflict, Invalid, NotFound
from lab.models import User
from lab.permissions import can
from lab.records import apply_change
from pipeline.permissions import refuse
from pipeline.models import Edition, EditionStatus, FeaturedEntry, Scenario, open_slot
from pipeline.rubric import default_rubric
from pipeline.schemas import EditionIn, EditionUpdate, FeaturedOrderIn, FeaturedUpdate
from pipeline.stages import PUBLIC_STAGES

_FIELDS = ("name", "year", "status", "capacity", "featured_capacity", "min_reviews", "pass_threshold")

# The editions' small transition table: for each allowed status change, the checks it runs inside the
# update's transaction. Every change also moves ``open_slot`` (the database's one-open-edition key).
# Checks: ``only_one_open`` — no other edition is open. Staying in the same status is always allowed.
_O, _C, _P = EditionStatus.OPEN, EditionStatus.CLOSED, EditionStatus.PUBLISHED
EDITION_TRANSITIONS: dict[tuple[EditionStatus, EditionStatus], tuple[str, ...]] = {
    (_O, _C): (),
    (_O, _P): (),
    (_C, _O): ("only_one_open",),
    (_C, _P): (),
    (_P, _C): (),
    (_P, _O): ("only_one_open",),
}


def snapshot(edition: Edition) -> dict:
    return {name: getattr(edition, name).value if name == "status" else getattr(edition, name) for name in _FIELDS}


async def open_edition(conn=None, *, lock: bool = False) -> Edition | None:
    qs = Edition.filter(status=EditionStatus.OPEN).using_db(conn).order_by("-year", "-id")
    if lock:
        qs = qs.select_for_update()
    return await qs.first()


async def locked(edition_id: int, conn) -> Edition | None:
    return await Edition.filter(id=edition_id).select_for_update().using_db(conn).first()


async def listed_count(edition_id: int, conn=None) -> int:
    return await Scenario.filter(edition_id=edition_id, stage__in=list(PUBLIC_STAGES)).using_db(conn).count()


async def featured_count(edition_id: int, conn=None) -> int:
    return await FeaturedEntry.filter(edition_id=edition_id).using_db(conn).count()


async def get_edition(edition_id: int) -> Edition:
    edition = await Edition.get_or_none(id=edition_id)
    if edition is None:
        raise NotFound("找不到该储备清单批次")
    return edition


async def _only_one_open(status: str, conn, exclude: int | None = None) -> None:
    if status != EditionStatus.OPEN:
        return
    others = Edition.filter(status=EditionStatus.OPEN).using_db(conn)
    if exclude is not None:
        others = others.exclude(id=exclude)
    existing = await others.first()
    if existing is not None:
        raise Conflict(f"已有开放中的批次「{existing.name}」，请先关闭", code="edition_open")


async def create_edition(user: User | None, data: EditionIn) -> Edition:
    if not can(user, "edition.create"):
        refuse(user, "只有实验室运营人员可以创建储备清单批次")
    rubric = [c.model_dump() for c in data.rubric] if data.rubric else default_rubric()
    try:
        async with in_transaction() as conn:
            await _only_one_open(data.status, conn)
            edition = await Edition.create(
                **data.model_dump(exclude={"rubric"}), rubric=rubric, open_slot=open_slot(data.status), using_db=conn
            )
            await audit.record(user, "edition.create", "edition", edition.id, after=snapshot(edition), conn=conn)
    except IntegrityError:
        raise Conflict(
            "同名批次已存在，或已有开放中的批次",
            code="duplicate_edition",
            fields={"name": "同名批次已存在，或已有开放中的批次"},
        ) from None
    return edition


async def update_edition(user: User | None, edition_id: int, data: EditionUpdate) -> Edition:
    if not can(user, "edition.update"):
        refuse(user, "只有实验室运营人员可以修改储备清单批次")
    edition = await get_edition(edition_id)
    changes = data.model_dump(exclude={"version", "reason"}, exclude_unset=True)
    if "status" in changes:
        changes["open_slot"] = open_slot(changes["status"])
    try:
        return await _apply_edition_update(user, edition, changes, data)
    except IntegrityError:
        raise Conflict("已有开放中的批次，请先关闭", code="edition_open") from None


async def _apply_edition_update(user: User | None, edition: Edition, changes: dict, data: EditionUpdate) -> Edition:
    target = EditionStatus(changes["status"]) if "status" in changes else edition.status
    checks = () if target == edition.status else EDITION_TRANSITIONS.get((edition.status, target))
    if checks is None:
        raise Invalid({"status": "不允许此状态变更"})
    async with in_transaction() as conn:
        if "only_one_open" in checks:
            await _only_one_open(target, conn, exclude=edition.id)
        if "capacity" in changes and changes["capacity"] < await listed_count(edition.id, conn):
            raise Invalid({"capacity": "容量不能小于已入库的场景数"})
        if "featured_capacity" in changes and changes["featured_capacity"] < await featured_count(edition.id, conn):
            raise Invalid({"featured_capacity": "精选容量不能小于已精选的场景数"})
        return await apply_change(
            edition,
            changes,
            actor=user,
            action="edition.update",
            kind="edition",
            conn=conn,
            version=data.version,
            reason=data.reason,
            audited=_FIELDS,
        )


async def set_featured_order(user: User | None, data: FeaturedOrderIn) -> list[FeaturedEntry]:
    """Operators set the ranks: ``scenario_ids`` must be exactly the edition's featured scenarios."""
    if not can(user, "showcase.rank"):
        refuse(user, "只有实验室运营人员可以调整精选排序")
    edition = await get_edition(data.edition_id)
    async with in_transaction() as conn:
        await locked(edition.id, conn)
        entries = await FeaturedEntry.filter(edition_id=edition.id).using_db(conn)
        current = {e.scenario_id: e for e in entries}
        if len(set(data.scenario_ids)) != len(data.scenario_ids) or set(data.scenario_ids) != set(current):
            raise Invalid({"scenario_ids": "须恰好列出该批次当前全部精选场景，且不重复"})
        before = {str(e.scenario_id): e.rank for e in entries}
        offset = len(entries) + 1000  # move out of the way first, then to the final ranks
        for e in entries:
            await FeaturedEntry.filter(id=e.id).using_db(conn).update(rank=e.rank + offset)
        for rank, scenario_id in enumerate(data.scenario_ids, start=1):
            await FeaturedEntry.filter(id=current[scenario_id].id).using_db(conn).update(rank=rank)
        after = {str(s): r for r, s in enumerate(data.scenario_ids, start=1)}
        await audit.record(user, "showcase.rank", "edition", edition.id, before=before, after=after, conn=conn)
        return await FeaturedEntry.filter(edition_id=edition.id).using_db(conn).order_by("rank")


async def update_featured(user: User | None, scenario_id: int, data: FeaturedUpdate) -> FeaturedEntry:
    """Operators write the showcase story and metrics of a featured scenario."""
    if not can(user, "showcase.update"):
        refuse(user, "只有实验室运营人员可以编辑精选内容")
    entry = await FeaturedEntry.get_or_none(scenario_id=scenario_id)
    if entry is None:
        raise NotFound("该场景不在精选展示中")
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    async with in_transaction() as conn:
        before = {k: getattr(entry, k) for k in changes}
        await FeaturedEntry.filter(id=entry.id).using_db(conn).update(**changes)
        await audit.record(user, "showcase.update", "scenario", scenario_id, before=before, after=changes, conn=conn)
        return await FeaturedEntry.get(id=entry.id).using_db(conn)


async def add_featured(scenario: Scenario, edition_id: int, conn) -> FeaturedEntry:
    last = await FeaturedEntry.filter(edition_id=edition_id).using_db(conn).order_by("-rank").first()
    return await FeaturedEntry.create(
        edition_id=edition_id, scenario_id=scenario.id, rank=(last.rank + 1) if last else 1, using_db=conn
    )


async def remove_featured(scenario: Scenario, conn) -> None:
    """Leaving the showcase: drop the entry and close the gap in the ranks."""
    entries = await FeaturedEntry.filter(scenario_id=scenario.id).using_db(conn)
    for entry in entries:
        await FeaturedEntry.filter(id=entry.id).using_db(conn).delete()
        later = (
            await FeaturedEntry.filter(edition_id=entry.edition_id, rank__gt=entry.rank).using_db(conn).order_by("rank")
        )
        for other in later:
            await FeaturedEntry.filter(id=other.id).using_db(conn).update(rank=other.rank - 1)
