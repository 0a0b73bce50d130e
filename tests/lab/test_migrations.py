"""The committed migrations describe exactly the current models, and apply on an empty database."""

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from lab import database
from lab.runtime import model_modules


async def test_models_have_no_changes_missing_from_migrations(settings):
    config = database.tortoise_config(settings.with_(database_url="sqlite://:memory:"), model_modules())
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
        pending = [op for w in writers for op in w.operations]
        assert not pending, f"run `scenario-lab makemigrations`: {pending}"
