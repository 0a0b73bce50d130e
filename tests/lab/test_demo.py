from lab.demo import seed_core
from lab.models import CapabilityProfile, Demand, DemandStatus, Organisation, OutboxEvent, User


async def test_core_demo_seeds_the_bundled_matchbench_once(db):
    accounts = await seed_core(progress=lambda _: None)
    counts = (await CapabilityProfile.all().count(), await Demand.all().count(), await Organisation.all().count(),
              await User.all().count(), await OutboxEvent.all().count())
    assert counts[0] == 224 and counts[1] == 66
    assert await Demand.filter(status=DemandStatus.PUBLISHED).count() == 66
    assert {a.role for a in accounts} == {"operator", "department_member", "supplier_member", "reviewer"}
    await seed_core(progress=lambda _: None)
    again = (await CapabilityProfile.all().count(), await Demand.all().count(), await Organisation.all().count(),
             await User.all().count(), await OutboxEvent.all().count())
    assert again == counts
    for org in await Organisation.filter(kind="enterprise"):
        from lab.creditcode import is_valid
        assert is_valid(org.credit_code), org.name
