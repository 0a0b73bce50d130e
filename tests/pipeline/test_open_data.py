"""The open-data bundle: every dataset as CSV and XLSX, a 数据说明 whose columns match the files
exactly, and nothing a visitor may not read (checked record by record against the read rules)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, UTC

import csv
import io
import zipfile

from openpyxl import load_workbook

from lab.models import Demand, Organisation, Proposal, ProposalStatus
from lab.permissions import can
from pipeline import open_data
from pipeline.models import (
    Answer,
    DataRequest,
    DataRequestStatus,
    DataResource,
    Event,
    EventKind,
    EventRegistration,
    FeaturedEntry,
    Meeting,
    Origin,
    Outcome,
    Review,
    Scenario,
    SharingClass,
    Side,
    Stage,
)
from pipeline.permissions import ScenarioAccess
from tests import factories
from tests.pipeline import builders

SECRETS = (
    "草稿需求-秘密甲",
    "撤回需求-秘密乙",
    "草稿能力-秘密丙",
    "揭榜方案-秘密丁",
    "评审意见-秘密戊",
    "评估中场景-秘密己",
    "归档能力-秘密庚",
    "申请单位-秘密辛",
    "申请用途-秘密壬",
    "洽谈备注-秘密癸",
    "报名备注-秘密子",
)


async def _world():
    p = await builders.parties()
    edition = await builders.edition(status="published", year=2023, name="2023年度场景储备清单")
    listed = await builders.scenario(Stage.LISTING, p, edition_obj=edition, title="春熙路商圈信号自适应调控")
    await FeaturedEntry.create(
        edition=edition, scenario=listed, rank=1, highlight="通行效率提升", metrics={"通行时间": "缩短18%"}
    )
    await factories.demand(p.lead, status="published", title="老城区积水预警")
    await factories.demand(p.lead, status="draft", title=SECRETS[0])
    await factories.demand(p.lead, status="withdrawn", title=SECRETS[1])
    await factories.profile(p.partner, status="published", title="积水点视频识别")
    await factories.profile(p.partner, status="draft", title=SECRETS[2])
    await factories.profile(p.partner, status="archived", title=SECRETS[6])
    published = await Demand.get(title="老城区积水预警")
    await Proposal.create(
        demand=published,
        organisation=p.partner,
        approach=SECRETS[3],
        cost_wan=50,
        duration_weeks=8,
        status=ProposalStatus.SUBMITTED,
    )
    evaluating = await builders.scenario(Stage.EVALUATION, p, title=SECRETS[5])
    for review in await builders.reviews(evaluating, [80, 85]):
        await Review.filter(id=review.id).update(comment=SECRETS[4])
    for review in await builders.reviews(listed, [90]):
        await Review.filter(id=review.id).update(comment=SECRETS[4])
    await Scenario.create(
        title="深圳网络安全攻防演练",
        summary="以攻促防",
        domain="网络与数据安全",
        origin=Origin.EXTERNAL,
        city="深圳",
        year=2023,
        source_note="2023智慧城市发展水平评估报告",
        stage=Stage.LISTING,
        furthest_stage=Stage.LISTING,
    )
    await _events_and_requests(p)
    return edition


async def _events_and_requests(p) -> None:
    """An event with registrations and meetings, and data requests: only their counts are public."""
    secret_org = await factories.organisation("enterprise", name=SECRETS[7])
    event = await Event.create(
        title="2025智慧交通供需对接会",
        kind=EventKind.MATCHMAKING,
        starts_at=datetime(2025, 6, 9, 17, 0, tzinfo=UTC),  # 2025-06-10 01:00 in Chengdu
        ends_at=datetime(2025, 6, 10, 9, 0, tzinfo=UTC),
    )
    for org, side in ((p.lead, Side.DEPARTMENT), (p.partner, Side.SUPPLIER), (secret_org, Side.SUPPLIER)):
        await EventRegistration.create(event=event, organisation=org, side=side, note=SECRETS[10])

    def slot(n: int) -> dict:
        start = datetime(2025, 6, 10, 1, 20 * n, tzinfo=UTC)
        return {"starts_at": start, "ends_at": start + timedelta(minutes=20), "score": 0.8, "table": n + 1}

    await Meeting.create(
        event=event,
        department=p.lead,
        supplier=secret_org,
        outcome=Outcome.INTENT,
        outcome_note=SECRETS[9],
        **slot(0),
    )
    await Meeting.create(event=event, department=p.lead, supplier=p.partner, outcome=Outcome.NONE, **slot(1))
    declined = {"supplier": await factories.organisation("enterprise"), "supplier_answer": Answer.DECLINED}
    await Meeting.create(event=event, department=p.lead, **declined, **slot(2))
    resource = await DataResource.create(
        department=p.lead, name="路口流量数据", update_frequency="每日", sharing_class=SharingClass.CONDITIONAL
    )
    common = {"resource": resource, "requester_org": secret_org, "purpose": SECRETS[8]}
    common |= {"period_from": date(2025, 1, 1), "period_to": date(2025, 3, 31), "received_on": date(2025, 9, 1)}
    await DataRequest.create(
        **common, status=DataRequestStatus.GRANTED, due_on=date(2025, 9, 15), answered_on=date(2025, 9, 3)
    )
    await DataRequest.create(
        **common, status=DataRequestStatus.REFUSED, due_on=date(2025, 9, 15), answered_on=date(2025, 9, 30)
    )
    await DataRequest.create(**common, status=DataRequestStatus.PENDING, due_on=date(2099, 9, 15))


def _csv(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


async def test_bundle_columns_match_the_dictionary_and_hold_nothing_private(client, db):
    await _world()
    response = await client.get("/open-data/bundle.zip")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(bundle.namelist())
    dictionary = _csv(bundle.read("数据说明.csv"))
    assert dictionary[0] == ["文件", "列名", "含义", "类型", "单位"]
    documented: dict[str, list[str]] = {}
    for file, column, meaning, kind, _unit in dictionary[1:]:
        assert meaning and kind
        documented.setdefault(file, []).append(column)
    keys = {"reserve-list-2023-", "featured-2023-", "national-cases", "demands", "capabilities", "events"}
    keys |= {"data-requests"}
    assert all(any(f.startswith(k) for f in documented) for k in keys)
    markdown = bundle.read("数据说明.md").decode("utf-8")
    for file, columns in documented.items():
        rows = _csv(bundle.read(file))
        assert rows[0] == columns, file  # the header is exactly what 数据说明 documents, in order
        assert all(len(r) == len(columns) for r in rows[1:])
        sheet = load_workbook(io.BytesIO(bundle.read(file.replace(".csv", ".xlsx")))).active
        assert [c.value for c in sheet[1]] == columns
        assert sheet.max_row == len(rows)
        assert f"`{file}`" in markdown and all(f"| {c} |" in markdown for c in columns)
    assert names == {*documented, *(f.replace(".csv", ".xlsx") for f in documented), "数据说明.md", "数据说明.csv"}

    everything = b"".join(bundle.read(n) for n in names if n.endswith(".csv"))
    text = everything.decode("utf-8-sig", errors="replace") + markdown
    for name in names:
        if name.endswith(".xlsx"):
            book = load_workbook(io.BytesIO(bundle.read(name)))
            text += " ".join(str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None)
    assert "老城区积水预警" in text and "积水点视频识别" in text and "春熙路商圈信号自适应调控" in text
    assert "深圳网络安全攻防演练" in text and "2023智慧城市发展水平评估报告" in text and "缩短18%" in text
    for secret in SECRETS:
        assert secret not in text, secret
    for private in ("approach", "comment", "reviewer", "email", "password", "技术方案", "评审意见", "邮箱"):
        assert private not in "".join(",".join(c) for c in documented.values()), private


async def test_every_record_in_every_dataset_is_one_a_visitor_may_read(app, db):  # app: rules registered
    await _world()
    kinds = set()
    for ds in await open_data.datasets():
        for record, row in await ds.load():
            assert len(row) == len(ds.columns)
            if isinstance(record, Demand):
                assert can(None, "demand.read", record), record.title
            elif isinstance(record, Scenario):
                assert can(None, "scenario.read", ScenarioAccess(record, frozenset())), record.title
            elif isinstance(record, Event):
                assert can(None, "event.read", record), record.title
            elif isinstance(record, Organisation):  # a department's data-request counts
                assert can(None, "organisation.read", record) and row[0] == record.name
            else:
                assert can(None, "profile.read", record), record.title
            kinds.add(type(record).__name__)
    assert kinds == {"Demand", "Scenario", "CapabilityProfile", "Event", "Organisation"}


async def test_event_and_data_request_statistics_count_without_naming_anyone(app, db):
    await _world()
    sets = {ds.key: ds for ds in await open_data.datasets()}
    events = await sets["events"].rows()
    assert events == [[events[0][0], "2025智慧交通供需对接会", "供需对接会", "2025-06-10", "2025-06-10", 3, 2, 1]]
    requests = await sets["data-requests"].rows()
    lead = await Organisation.get(id=(await DataResource.get(name="路口流量数据")).department_id)
    assert requests == [[lead.name, 3, 2, 1, requests[0][4]]] and requests[0][4] > 0
    for ds in (sets["events"], sets["data-requests"]):
        names = " ".join(c.name + c.meaning for c in ds.columns)
        for private in ("用途", "申请单位", "洽谈双方", "联系人", "邮箱"):
            assert private not in names.replace("不含", ""), (ds.key, private)


async def test_each_dataset_downloads_as_csv_and_xlsx_and_unknown_ones_are_404(client, db):
    await _world()
    page = await client.get("/open-data")
    assert page.status_code == 200 and "数据说明" in page.text
    for ds in await open_data.datasets():
        assert f'href="/open-data/{ds.key}.csv"' in page.text
        csv_file = await client.get(f"/open-data/{ds.key}.csv")
        assert csv_file.status_code == 200 and "attachment" in csv_file.headers["content-disposition"]
        assert _csv(csv_file.content)[0] == [c.name for c in ds.columns]
        assert (await client.get(f"/open-data/{ds.key}.xlsx")).content[:2] == b"PK"
    for path in ("/open-data/nothing.csv", "/open-data/demands.exe", "/open-data/<script>.csv"):
        assert (await client.get(path)).status_code == 404
