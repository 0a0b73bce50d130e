from lab.models import ApiToken, SignInThrottle
from tests import factories


async def test_token_is_issued_stored_hashed_and_revocable(client):
    u = await factories.user("supplier_member")
    response = await client.post("/api/tokens", json={"email": u.email, "password": factories.PASSWORD})
    assert response.status_code == 201
    token = response.json()["token"]
    stored = await ApiToken.get(id=response.json()["token_id"])
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    headers = factories.auth(token)
    assert (await client.get("/api/me", headers=headers)).json()["email"] == u.email
    # its use is recorded, to the minute: a second request within the minute writes nothing
    first_use = (await ApiToken.get(id=stored.id)).last_used_at
    assert first_use is not None
    assert (await client.get("/api/me", headers=headers)).status_code == 200
    assert (await ApiToken.get(id=stored.id)).last_used_at == first_use
    assert (await client.delete(f"/api/tokens/{stored.id}", headers=headers)).status_code == 200
    assert (await client.get("/api/me", headers=headers)).status_code == 401


async def test_wrong_password_is_401_without_saying_which_part(client):
    u = await factories.user()
    wrong = await client.post("/api/tokens", json={"email": u.email, "password": "nope-nope"})
    unknown = await client.post("/api/tokens", json={"email": "ghost@example.cn", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


async def test_repeated_failures_are_slowed_down(client):
    u = await factories.user()
    statuses = [
        (await client.post("/api/tokens", json={"email": u.email, "password": "bad-password"})).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    # even the right password must wait now
    blocked = await client.post("/api/tokens", json={"email": u.email, "password": factories.PASSWORD})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    # every attempt was counted, the refused ones too
    assert (await SignInThrottle.get(bucket=f"c:127.0.0.1|{u.email}")).attempts == 7


async def test_inactive_user_cannot_get_a_token(client):
    u = await factories.user()
    u.active = False
    await u.save()
    assert (
        await client.post("/api/tokens", json={"email": u.email, "password": factories.PASSWORD})
    ).status_code == 401


async def test_user_edits_itself_but_not_its_role(client):
    a = await factories.actor("supplier_member")
    ok = await client.patch(f"/api/users/{a.user.id}", json={"display_name": "新名字"}, headers=a.headers)
    assert ok.status_code == 200 and ok.json()["display_name"] == "新名字"
    promote = await client.patch(f"/api/users/{a.user.id}", json={"role": "operator"}, headers=a.headers)
    assert promote.status_code == 403
