"""Records of the matchmaking package: the embedding cache."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class EmbeddingCache(Model):
    """One vector per (model, exact text): ``content_hash`` covers both, so changing either re-embeds."""

    content_hash = fields.CharField(max_length=64, primary_key=True)
    model_id = fields.CharField(max_length=200)
    dimension = fields.IntField()
    vector = fields.BinaryField()  # float32, little-endian
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "embedding_cache"
