"""Signed one-click unsubscribe links: the link names the user and is signed with the secret key
(itsdangerous), so it works signed out and cannot be forged or pointed at someone else."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from lab.errors import NotFound
from lab.models import User
from lab.settings import Settings

SALT = "lab.unsubscribe.digest-mail"


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=SALT)


def token_for(settings: Settings, user_id: int) -> str:
    return _serializer(settings).dumps({"u": user_id})


def url_for(settings: Settings, user_id: int) -> str:
    return f"{settings.base_url}/unsubscribe/{token_for(settings, user_id)}"


def user_id_of(settings: Settings, token: str) -> int:
    try:
        data = _serializer(settings).loads(token)
    except BadSignature:
        raise NotFound("退订链接无效") from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise NotFound("退订链接无效")
    return data["u"]


async def unsubscribe(settings: Settings, token: str) -> User:
    """Stop mailing digests to the link's user (the inbox still gets them); idempotent."""
    user = await User.get_or_none(id=user_id_of(settings, token))
    if user is None:
        raise NotFound("退订链接无效")
    await User.filter(id=user.id).update(digest_mail=False)
    user.digest_mail = False
    return user
