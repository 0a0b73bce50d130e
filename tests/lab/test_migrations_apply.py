"""The committed migrations apply, in order, on an empty SQLite file (table comments included: a
model docstring with a semicolon once broke the SQLite schema editor)."""

import sqlite3

from lab import database
from lab.runtime import model_modules
from tests.conftest import make_settings


async def test_migrations_apply_on_an_empty_sqlite_database(tmp_path):
    settings = make_settings(tmp_path, LAB_DATABASE_URL=f"sqlite://{tmp_path / 'fresh.sqlite3'}")
    await database.migrate(settings, model_modules())
    with sqlite3.connect(tmp_path / "fresh.sqlite3") as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "organisation",
        "pipeline_scenario",
        "pipeline_event",
        "pipeline_event_registration",
        "pipeline_meeting",
    } <= tables
