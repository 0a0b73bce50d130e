"""The demo seeds a public Q&A (one answered question, one open), a saved search and a follow, once."""

from lab.conversation_models import Follow, Question, SavedSearch
from lab.demo import seed_core


async def test_demo_seeds_the_conversation_once(client):
    await seed_core(progress=lambda _: None)
    await seed_core(progress=lambda _: None)
    assert await Question.all().count() == 2
    assert await SavedSearch.all().count() == 1 and await Follow.all().count() == 1
    demand_id = (await Question.first()).demand_id
    public = (await client.get(f"/api/demands/{demand_id}/questions")).json()["items"]
    assert len(public) == 1 and public[0]["answer"] and "asker" not in public[0]
