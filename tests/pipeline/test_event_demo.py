"""The demo's events: a past matchmaking session with meetings and outcomes, an upcoming one with
registrations (the demo department and supplier among them), seeded once."""

from __future__ import annotations

from lab.demo import seed_core
from lab.models import Proposal, User
from pipeline import demo
from pipeline.event_demo import PAST_TITLE, TRAINING_TITLE, UPCOMING_TITLE
from pipeline.models import Event, EventRegistration, Meeting


async def test_demo_has_a_past_event_with_outcomes_and_an_upcoming_one_with_registrations(client, settings):
    await seed_core(progress=lambda m: None)
    await demo.seed(settings, progress=lambda m: None)
    counts = (await Event.all().count(), await EventRegistration.all().count(), await Meeting.all().count())
    await demo.seed(settings, progress=lambda m: None)
    assert (await Event.all().count(), await EventRegistration.all().count(), await Meeting.all().count()) == counts

    past = await Event.get(title=PAST_TITLE)
    meetings = await Meeting.filter(event_id=past.id)
    registered = set(await EventRegistration.filter(event_id=past.id).values_list("organisation_id", flat=True))
    assert len(meetings) >= len(registered) // 2
    met = {m.department_id for m in meetings} | {m.supplier_id for m in meetings}
    assert met == registered  # everyone got a meeting
    assert len({(m.department_id, m.supplier_id) for m in meetings}) == len(meetings)
    assert len({(m.starts_at, m.table) for m in meetings}) == len(meetings)
    linked = [m for m in meetings if m.proposal_id]
    assert linked and all(m.outcome == "intent" for m in linked)
    for m in linked:
        proposal = await Proposal.get(id=m.proposal_id).select_related("demand")
        assert (proposal.demand.organisation_id, proposal.organisation_id) == (m.department_id, m.supplier_id)
    assert any(m.supplier_answer == "declined" for m in meetings)

    listed = (await client.get("/api/events?when=upcoming")).json()["items"]
    assert {e["title"] for e in listed} == {UPCOMING_TITLE, TRAINING_TITLE}
    upcoming = next(e for e in listed if e["title"] == UPCOMING_TITLE)
    assert upcoming["registered"] >= 10 and not upcoming["scheduled"]
    demo_orgs = set(
        await User.filter(email__in=["department@lab.demo", "supplier@lab.demo"]).values_list(
            "organisation_id", flat=True
        )
    )
    upcoming_orgs = set(
        await EventRegistration.filter(event_id=upcoming["id"]).values_list("organisation_id", flat=True)
    )
    assert demo_orgs <= upcoming_orgs
    past_listed = (await client.get("/api/events?when=past")).json()["items"]
    assert [e["title"] for e in past_listed] == [PAST_TITLE]
