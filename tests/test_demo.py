"""``hazardbot demo`` (issue 20): a small demo district made once per module through the command, then read back from
its database and talked to through ``hazardbot chat`` as the office the command names. The demo always writes its
own SQLite file (never a configured database), so these tests run on SQLite only."""

from __future__ import annotations

import asyncio
import io
import re
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from bot.cli.demo import MARKER, WHO_FILE
from bot.domain import HazardState
from bot.map_data import in_district
from bot.settings import Settings

HAZARDS = 40


def _make(target: Path, seed: int, capsys: pytest.CaptureFixture[str] | None = None) -> str:
    assert cli_main(["demo", "--data-dir", str(target), "--hazards", str(HAZARDS), "--seed", str(seed)]) == 0
    return (target / WHO_FILE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    target = tmp_path_factory.mktemp("demo") / "district"
    yield target, _make(target, 7)


def _db(target: Path) -> sqlite3.Connection:
    return sqlite3.connect(target / "hazardbot.db")


def _chat(target: Path, who: str, user_id: int, script: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The conversation of ``hazardbot chat`` as the printed command runs it (its campaign settings included)."""
    from bot.terminal import run_chat

    line = next(x for x in who.splitlines() if f"--user-id {user_id} " in x)
    for name, value in re.findall(r"(HAZARDBOT_\w+)=(\S+)", line):
        monkeypatch.setenv(name, value)
    assert f"chat --data-dir {target} --user-id {user_id} --name" in line
    name = line.rsplit("--name ", 1)[1].strip("' ")
    out = io.StringIO()
    asyncio.run(run_chat(Settings(data_dir=target), user_id, name, "zh-hans", stdin=io.StringIO(script), out=out))
    return out.getvalue()


def test_every_state_and_step_is_there_made_by_the_services(demo: tuple[Path, str]) -> None:
    target, _who = demo
    with _db(target) as db:
        states = {s for (s,) in db.execute("select distinct state from hazard")}
        assert states == {s.value for s in HazardState}
        assert db.execute("select count(*) from hazard").fetchone()[0] == HAZARDS
        # the ledger numbers the office's registration gave, dated the day it registered (Asia/Shanghai)
        unnumbered = db.execute("select count(*) from hazard where state in ('registered','rectified',"
                                "'closure_requested','closed') and (ledger_number is null or registered_at is null)")
        assert unnumbered.fetchone()[0] == 0
        actions = {a for (a,) in db.execute("select distinct action from hazard_event")}
        assert {"submit", "approve", "register", "report_rectification", "reinspect_pass", "close", "supervise",
                "reject"} <= actions, actions
        # spread over months, none in the future
        first, last = db.execute("select min(created_at), max(created_at) from hazard").fetchone()
        assert first[:7] < last[:7]
        assert db.execute("select count(*) from inspection").fetchone()[0] > 20
        assert db.execute("select count(*) from inspection_plan").fetchone()[0] >= 9
        assert db.execute("select count(*) from supervision").fetchone()[0] >= 1
        assert db.execute("select count(*) from verification").fetchone()[0] >= 1
        assert db.execute("select count(*) from work_submission").fetchone()[0] > 9
        assert db.execute("select count(*) from tipoff").fetchone()[0] >= 3
        # every notice the months queued counts as delivered: a conversation does not replay them
        assert db.execute("select count(*) from reminder_outbox where status <> 'sent'").fetchone()[0] == 0
        # the map's points: inside Chaoyang
        lat_min, lat_max, lon_min, lon_max = db.execute(
            "select min(latitude), max(latitude), min(longitude), max(longitude) from hazard").fetchone()
        assert lat_min > 39.8 and lat_max < 40.1 and lon_min > 116.3 and lon_max < 116.7
        # and inside the outline the map draws, not only its box (a township's label point may sit on the edge)
        outside = [(lat, lon) for lat, lon in db.execute("select latitude, longitude from hazard where latitude "
                                                         "is not null") if not in_district(lon, lat)]
        assert outside == []


def test_the_office_named_gets_numbers_a_chart_a_ranking_a_map_and_a_registered_hazard(
        demo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    target, who = demo
    assert "区安委会办公室" in who and "单位审核人" in who and "检查人员" in who and "领导" in who
    with _db(target) as db:
        ledger = db.execute("select ledger_number from hazard where state = 'registered' order by id").fetchone()[0]
    text = _chat(target, who, 10001, f"/status\n/rank\n/map\n/find {ledger}\n/quit\n", monkeypatch)
    status = text.split("> /status", 1)[1].split("> /rank", 1)[0]
    assert "[图片 " in status and "status" in status, status
    counts = re.search(r"在账隐患 (\d+) 项", status)
    assert counts and int(counts.group(1)) > 0, status
    assert re.search(r"已销账 [1-9]", status), status
    rank = text.split("> /rank", 1)[1].split("> /map", 1)[0]
    # the league table's rows: place, unit, rectification rate (建外街道's place depends on the seed's data)
    assert re.search(r"\n1\. \S+　\d+\.\d% · \d+ · ", rank) and "个单位，共 " in rank, rank
    picture = text.split("> /map", 1)[1].split("> /find", 1)[0]
    assert "[图片 " in picture and "map" in picture, picture
    found = text.split("> /find", 1)[1]
    assert ledger in found and "已挂账" in found, found
    saved = [Path(m) for m in re.findall(r"\[图片 (\S+)\]", text)]
    assert saved and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in saved)


def test_the_demo_words_name_the_taxonomy_the_registry_and_every_township_and_zone() -> None:
    """``config/data/demo-hazards.toml`` and ``demo-places.toml`` name only what exists: subtypes of their category
    (附件2 填表说明 12), departments a hazard's 所属区/市行业部门 may name, every township with streets to pick two
    from, every zone with townships; each recording department of the demo has an industry of its own."""
    from bot.demo import texts
    from bot.demo.people import DEMO_DEPARTMENTS
    from storage.registry import supervising_departments, townships, zones
    from storage.taxonomy import hazard_types

    subtypes = {c.name: {s.value for s in c.subtypes} for c in hazard_types()}
    names = {d.name for d in supervising_departments()}
    for kind in texts.KINDS:
        assert kind.subtype in subtypes[kind.category] if subtypes[kind.category] else kind.subtype is None, kind
        assert kind.departments and set(kind.departments) | set(kind.city) <= names, kind
        assert kind.sites and kind.cases and all(d and m for d, m in kind.cases), kind
    assert {k.category for k in texts.KINDS} == set(subtypes) - {"矿山"}
    assert all(any(d in k.departments for k in texts.KINDS) for d in DEMO_DEPARTMENTS)
    codes = {t.code for t in townships()}
    assert set(texts.STREETS) == codes and all(len(set(s)) >= 2 for s in texts.STREETS.values())
    assert set(texts.ZONE_TOWNSHIPS) == {z.code for z in zones()}
    assert all(t and set(t) <= codes for t in texts.ZONE_TOWNSHIPS.values())


def test_each_hazard_lies_in_its_township_and_reads_as_its_type(demo: tuple[Path, str]) -> None:
    """Address and site on the hazard's own township's streets, description and measures one case of its subtype,
    所属区行业部门 one of the subtype's lead departments (a department recording: itself), a zone committee's
    hazards in its zone; every zone has some and the industries are filled in."""
    from bot.demo import texts
    from storage.registry import townships

    kinds = {(k.category, k.subtype or "其他"): k for k in texts.KINDS}  # a category without subtypes stores 其他
    with _db(demo[0]) as db:
        rows = db.execute(
            "select h.township_code, h.township, h.address, h.site_name, h.category, h.subtype, h.description, "
            "h.measures, h.district_department, h.city_department, u.name, u.kind, z.code from hazard h "
            "join unit u on u.id = h.unit_id left join unit z on z.id = h.zone_id").fetchall()
        tipoffs = db.execute("select township_code, township, address from tipoff").fetchall()
        inspections = db.execute("select township, address from inspection").fetchall()
    streets_of = {t.name: texts.STREETS[t.code] for t in townships()}
    for code, township, address, site, category, subtype, description, measures, dept, city, unit, kind, zone in rows:
        street = next((s for s in texts.STREETS[code] if address.startswith(f"北京市朝阳区{township}{s}")), None)
        assert street is not None, (township, address)
        others = {s for c, names in texts.STREETS.items() if c != code for s in names} - set(texts.STREETS[code])
        assert not any(s in site for s in others), (township, site)
        k = kinds[(category, subtype)]
        assert (description, measures) in k.cases, (category, subtype, description, measures)
        assert dept is None or dept in k.departments, (category, subtype, dept)
        assert city is None or city in k.city, (category, subtype, city)
        if kind == "功能区管委会":
            assert zone is not None and code in texts.ZONE_TOWNSHIPS[zone], (unit, township)
        elif unit in k.departments:
            assert dept == unit
    assert {z for *_r, z in rows if z} == set(texts.ZONE_TOWNSHIPS)
    assert sum(r[8] is not None for r in rows) > len(rows) * 3 // 4
    for code, township, address in tipoffs:
        assert any(address.startswith(f"北京市朝阳区{township}{s}") for s in texts.STREETS[code]), address
    for township, address in inspections:
        assert any(address.startswith(f"北京市朝阳区{township}{s}") for s in streets_of[township]), address


def test_the_office_sees_the_industries_and_a_zone(demo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """README: /status 按行业 has a row per industry department, /status CBD the committee's numbers."""
    target, who = demo
    with _db(target) as db:
        top = db.execute("select district_department from hazard where district_department is not null "
                         "and ledger_number is not null group by 1 order by count(*) desc").fetchone()[0]
    text = _chat(target, who, 10001, "/status 按行业\n/status CBD\n/quit\n", monkeypatch)
    industry = text.split("> /status 按行业", 1)[1].split("> /status CBD", 1)[0]
    assert "全区统计：按行业" in industry and re.search(rf"\n{re.escape(top)}　[1-9]", industry), industry
    zone = text.split("> /status CBD", 1)[1]
    assert "CBD管委会城市安全隐患治理情况" in zone and not re.search("在账隐患 0 项.*已销账 0；待审核 0，待确认 0", zone), zone


def test_some_tip_offs_are_found_true_and_become_hazards_of_source_tipoff(
        demo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """README: the verifiers find some tip-offs true (查实: a hazard of source 举报 claims the tip-off and follows its
    life) and others 不属实, so /find 举报 and /status 来源 have a 举报 row."""
    target, who = demo
    with _db(target) as db:
        statuses = dict(db.execute("select status, count(*) from tipoff group by status").fetchall())
        linked = db.execute("select t.status, h.state, h.source, h.township_code = t.township_code, t.address = "
                            "h.address from tipoff t join hazard h on h.id = t.hazard_id").fetchall()
        sources = dict(db.execute("select source, count(*) from hazard group by source").fetchall())
    assert statuses.get("not_confirmed", 0) > 0 and linked, statuses
    mirrored = {"pending_review": "registered", "pending_confirmation": "registered", "registered": "rectifying",
                "rectified": "rectifying", "closure_requested": "rectifying", "closed": "fixed"}
    assert all(status == mirrored[state] and source == "举报" and same_township and same_address
               for status, state, source, same_township, same_address in linked), linked
    assert sources["举报"] == len(linked) and sources["检查"] == HAZARDS - len(linked), sources
    text = _chat(target, who, 10001, "/find 举报\n/status 来源\n/quit\n", monkeypatch)
    assert re.search(r"共找到 [1-9]\d* 项", text.split("> /status", 1)[0]), text
    assert re.search(r"\n举报　[1-9]", text.split("> /status 来源", 1)[1]), text


def test_the_same_seed_gives_the_same_district(demo: tuple[Path, str], tmp_path: Path) -> None:
    target, who = demo
    again = tmp_path / "again"
    assert _make(again, 7) == who.replace(str(target), str(again))
    query = ("select site_name, address, state, level, township_code, category, subtype, ledger_number, deadline, "
             "latitude, longitude, district_department, city_department, zone_id, description from hazard "
             "order by id")
    with _db(target) as one, _db(again) as two:
        assert one.execute(query).fetchall() == two.execute(query).fetchall()


def test_a_second_run_refuses_without_reset(demo: tuple[Path, str], capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    target, _who = demo
    capsys.readouterr()
    assert cli_main(["demo", "--data-dir", str(target), "--hazards", "10"]) == 1
    err = capsys.readouterr().err
    assert f"{target} 中已有演示数据。加 --reset 重新生成" in err and "already" not in err, err
    assert (target / MARKER).exists()
    # a directory the demo did not make is never touched, not even with --reset
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "hazardbot.db").write_bytes(b"real data")
    assert cli_main(["demo", "--data-dir", str(tmp_path / "mine"), "--reset"]) == 1
    assert "不是演示数据目录" in capsys.readouterr().err
    assert (tmp_path / "mine" / "hazardbot.db").read_bytes() == b"real data"
    # nor a database given on the command line
    assert cli_main(["demo", "--db", str(tmp_path / "x.db"), "--data-dir", str(tmp_path / "new")]) == 2
    assert capsys.readouterr().err.strip() == "演示数据总是写入演示目录中自己的 SQLite 文件，不接受 --db。"
    assert not (tmp_path / "x.db").exists()


async def test_the_services_build_the_district_on_either_database(database_url: str, tmp_path: Path) -> None:
    """The command keeps to SQLite; what it runs (``build_demo``) is the services', on PostgreSQL as well."""
    from datetime import UTC, datetime

    from sqlmodel import func, select

    from bot.core import open_core
    from bot.demo.district import build_demo
    from reminders.settings import ReminderSettings
    from storage.models import Hazard

    now = datetime.now(UTC)
    start = (now.date().replace(day=1) - timedelta(days=150)).replace(day=1)
    settings = Settings(database_url=database_url, data_dir=tmp_path)
    reminders = ReminderSettings(campaign_start=start)
    result = await build_demo(settings, reminders, now, seed=3, hazards=12, townships=1, say=lambda _line: None)
    assert result.tally.hazards == 12
    async with open_core(settings, reminders=reminders, migrate=False) as core, core.uow() as u:
        states = dict((await u.session.exec(select(Hazard.state, func.count()).group_by(Hazard.state))).all())
    assert set(states) == {s.value for s in HazardState}


def test_a_reset_is_refused_while_a_bot_serves_the_demo(demo: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    from bot.serving_lock import serving

    target, _who = demo
    before = (target / "hazardbot.db").stat().st_ino
    capsys.readouterr()
    with serving(f"sqlite+aiosqlite:///{target / 'hazardbot.db'}"):  # as `hazardbot chat` holds it
        assert cli_main(["demo", "--data-dir", str(target), "--reset", "--hazards", "3"]) == 1
    assert "正被机器人（hazardbot chat 或 run）使用" in capsys.readouterr().err
    assert (target / "hazardbot.db").stat().st_ino == before  # nothing deleted under the running bot
