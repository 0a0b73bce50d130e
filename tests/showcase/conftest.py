"""Page tests: a signed-in session over the app's real session cookie and CSRF token."""

from __future__ import annotations

import re

import httpx
import pytest

from tests import factories

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, user) -> str:
    """Sign in through the page; returns a CSRF token valid for this session."""
    page = await client.get("/sign-in")
    response = await client.post(
        "/sign-in", data={"email": user.email, "password": factories.PASSWORD, "csrf": csrf_of(page.text)}
    )
    assert response.status_code == 303, response.text
    return csrf_of((await client.get("/workspace", follow_redirects=True)).text)


@pytest.fixture
def signed_in(client):
    async def _sign_in(user):
        return await sign_in(client, user)

    return _sign_in
