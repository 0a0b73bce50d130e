from lab.demo import seed_core
from lab.models import CapabilityProfile, Demand, DemandStatus, Organisation, OutboxEvent, User


async def test_core_demo_seeds_the_bundled_matchbench_once(db):
    accounts = await seed_core(progress=lambda _: None)
    counts = (
        await CapabilityProfile.all().count(),
        await Demand.all().count(),
        await Organisation.all().count(),
        await User.all().count(),
        await OutboxEvent.all().count(),
    )
    assert counts[0] == 224 and counts[1] == 66
    assert await Demand.filter(status=DemandStatus.PUBLISHED).count() == 66
    assert {a.role for a in accounts} == {"operator", "department_member", "supplier_member", "reviewer"}
    await seed_core(progress=lambda _: None)
    again = (
        await CapabilityProfile.all().count(),
        await Demand.all().count(),
        await Organisation.all().count(),
        await User.all().count(),
        await OutboxEvent.all().count(),
    )
    assert again == counts
    for org in await Organisation.filter(kind="enterprise"):
        from lab.creditcode import is_valid

        assert is_valid(org.credit_code), org.name


async def test_seeded_demands_carry_real_publish_dates_and_deadlines_after_them(db):
    await seed_core(progress=lambda _: None)
    demands = await Demand.all()
    assert all(d.published_at is not None and d.deadline is not None for d in demands)
    assert all(d.deadline > d.published_at.date() for d in demands)
    assert len({d.published_at.date() for d in demands}) > 30  # spread out, not one timestamp


def test_a_deadline_already_past_moves_into_the_future():
    from datetime import date

    from lab.demo import demand_dates

    published, deadline = demand_dates(3, today=date(2030, 1, 1))
    assert published.year == 2024 and date(2030, 1, 31) <= deadline <= date(2030, 3, 17)
