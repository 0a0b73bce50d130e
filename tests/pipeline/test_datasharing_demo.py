"""The demo seeds a data catalogue, requests in every state and progress that flags some scenarios;
the sweep command runs from the command line with a fixed date and acts once."""

from __future__ import annotations

import pytest
from tortoise.timezone import now

from lab.demo import seed_core
from pipeline import demo, progress
from pipeline.models import (
    DataRequest,
    DataResource,
    ProgressUpdate,
    Scenario,
    SharingClass,
)
from pipeline.stages import PUBLIC_STAGES
from tests.pipeline.test_cli import cli


async def test_demo_seeds_catalogue_requests_in_every_state_and_progress(db, settings):
    await seed_core(progress=lambda m: None)
    await demo.seed(settings, progress=lambda m: None)
    counts = (await DataResource.all().count(), await DataRequest.all().count(), await ProgressUpdate.all().count())
    await demo.seed(settings, progress=lambda m: None)
    assert (
        await DataResource.all().count(),
        await DataRequest.all().count(),
        await ProgressUpdate.all().count(),
    ) == counts

    classes = set(await DataResource.all().values_list("sharing_class", flat=True))
    assert classes == {c.value for c in SharingClass}
    assert not await DataResource.filter(sharing_class=SharingClass.NOT_SHARED, not_shared_reason="").exists()
    requests = await DataRequest.all()
    assert {r.status.value for r in requests} == {"pending", "granted", "refused"}
    assert any(r.escalated_at for r in requests) and any(r.reminded_at for r in requests)
    assert all(r.refusal_reason for r in requests if r.status.value == "refused")
    assert any(r.due_on is None for r in requests)  # granted at once

    listed = await Scenario.filter(stage__in=list(PUBLIC_STAGES), origin="lab").count()
    stale = await progress.stale_scenarios(now())
    assert 0 < len(stale) < listed


@pytest.mark.slow
def test_sweep_command_runs_for_a_given_day_once(tmp_path):
    assert cli(tmp_path, "demo", "--no-serve").returncode == 0
    first = cli(tmp_path, "data-requests", "sweep", "--today", "2099-01-04")
    assert first.returncode == 0, first.stderr
    assert "2099-01-04：提醒 0 件" in first.stdout and "督办 0 件" not in first.stdout
    again = cli(tmp_path, "data-requests", "sweep", "--today", "2099-01-04")
    assert "提醒 0 件，督办 0 件" in again.stdout
    bad = cli(tmp_path, "data-requests", "sweep", "--today", "明天")
    assert bad.returncode != 0
