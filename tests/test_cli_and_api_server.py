"""The command line and any Bot API-compatible server: ``hazardbot run --api-url`` speaks only
documented methods (getMe, setMyCommands, getUpdates, sendMessage…) to whatever server it is given."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.cli import main as cli_main
from bot.settings import Settings
from storage.migrate import downgrade, upgrade

DOCUMENTED = {"getMe", "setMyCommands", "getUpdates", "sendMessage", "deleteWebhook", "answerCallbackQuery",
              "editMessageReplyMarkup", "getFile", "close", "logOut"}


class FakeBotApi:
    """A minimal Bot API server: one /start from a user, then empty long polls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.replied = asyncio.Event()
        self._served = False

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = dict(await request.post()) if request.can_read_body else {}
        self.calls.append((method, form))
        if method == "getMe":
            return self._ok({"id": 42, "is_bot": True, "first_name": "hazardbot", "username": "hazard_test_bot"})
        if method == "getUpdates":
            if not self._served:
                self._served = True
                update = {
                    "update_id": 1000,
                    "message": {
                        "message_id": 1, "date": 1539566000, "text": "/start",
                        "chat": {"id": 555, "type": "private", "first_name": "张"},
                        "from": {"id": 555, "is_bot": False, "first_name": "张", "language_code": "zh-hans"},
                        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                    },
                }
                return self._ok([update])
            await asyncio.sleep(0.2)
            return self._ok([])
        if method == "sendMessage":
            self.replied.set()
            return self._ok({"message_id": 2, "date": 1539566001, "chat": {"id": int(form["chat_id"]), "type": "private"},
                             "text": form.get("text", "")})
        return self._ok(True)

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})


async def test_run_polls_any_bot_api_server_given_by_url(
    at_head: Callable[[Path], Path], tmp_path: Path, unused_tcp_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_head(tmp_path)
    import reminders.scheduler
    from bot.polling import run_polling

    installed: list[str] = []
    install_prune = reminders.scheduler.install_prune

    def noting(scheduler: Any, job: Any, cfg: Any, tz: Any) -> None:
        install_prune(scheduler, job, cfg, tz)
        installed.extend(j.id for j in scheduler.get_jobs())

    monkeypatch.setattr(reminders.scheduler, "install_prune", noting)

    api = FakeBotApi()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    settings = Settings(
        token="123456:TEST-token-for-a-local-bot-api-server",  # type: ignore[arg-type]
        api_url=f"http://127.0.0.1:{unused_tcp_port}",
        data_dir=tmp_path,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_polling(settings, handle_signals=False, stop=stop))
    try:
        await asyncio.wait_for(api.replied.wait(), timeout=60)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
        await runner.cleanup()
    methods = {m for m, _ in api.calls}
    assert methods <= DOCUMENTED
    assert {"getMe", "setMyCommands", "getUpdates", "sendMessage"} <= methods
    reply = next(form for m, form in api.calls if m == "sendMessage")
    assert reply["chat_id"] == "555" and "尚未绑定单位" in reply["text"]
    menus = [json.loads(form["commands"]) for m, form in api.calls if m == "setMyCommands"]
    # the public menu (bot.services.commands): what anyone may do; a bound person's own menu is set per chat
    assert any(c["command"] == "report" for c in menus[0]) and not any(c["command"] == "hazard" for c in menus[0])
    assert installed == [reminders.scheduler.RULES_JOB_ID, reminders.scheduler.PRUNE_JOB_ID]  # the nightly prune


@pytest.fixture
def unused_tcp_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_invite_prints_the_code_as_the_last_line(
    at_head: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at_head(tmp_path)
    assert cli_main(["--data-dir", str(tmp_path), "invite", "--role", "inspector", "--unit", "110105001"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    last = lines[-1]
    assert len(last) == 8 and last.isalnum() and last.isupper()
    # in Chinese, in Beijing time, with the /bind line ready to copy
    assert "建外街道 · 检查人员" in lines[0] and "北京时间" in lines[0] and f"/bind {last}" in lines[0], lines[0]
    assert "inspector" not in lines[0] and "UTC" not in lines[0]


@pytest.mark.parametrize(("typed", "unit"), [("建外", "建外街道"), ("消防", "朝阳消防支队"), ("CBD", "CBD管委会")])
def test_invite_reads_a_unit_as_people_say_it(
    at_head: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str, unit: str
) -> None:
    at_head(tmp_path)
    assert cli_main(["--data-dir", str(tmp_path), "invite", "--role", "leader", "--unit", typed]) == 0
    assert capsys.readouterr().out.startswith(f"邀请码：{unit} · ")


def test_invite_for_an_unknown_unit_fails_clearly(
    at_head: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at_head(tmp_path)
    assert cli_main(["--data-dir", str(tmp_path), "invite", "--role", "inspector", "--unit", "不存在"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("没有这个单位：'不存在'。") and "全区范围的领导和安委办人员属于「区安委会办公室」" in err, err
    assert "unknown unit" not in err and len(err.strip().splitlines()) == 1  # one line, in Chinese only
    assert "全称" not in err  # short names (建外) are read too: the refusal does not ask for a full name


def test_chat_reads_a_whole_conversation_from_standard_input(at_head: Callable[[Path], Path], tmp_path: Path) -> None:
    at_head(tmp_path)
    from bot.terminal import run_chat

    settings = Settings(data_dir=tmp_path)
    assert cli_main(["--data-dir", str(tmp_path), "invite", "--role", "inspector", "--unit", "110105002"]) == 0
    from sqlmodel import Session, select
    from sqlmodel import create_engine as sync_engine

    from storage.models import InviteCode

    with Session(sync_engine(f"sqlite:///{tmp_path / 'hazardbot.db'}")) as s:
        code = s.exec(select(InviteCode.code)).one()
    photo = Path(__file__).parent / "data" / "photos" / "portrait_6.jpg"
    script = "\n".join([
        "/start", f"/bind {code}", "/inspect", "#1", "#1", "#1", "2", "朝外", "李XX出租房",
        "/location 39.93 116.45", "工体北路8号", "#1", "#2", f"/photo {photo}", "#1", "#2", "#13", "/quit",
    ])
    out = io.StringIO()
    asyncio.run(run_chat(settings, 4242, "终端用户", "zh-hans", stdin=io.StringIO(script + "\n"), out=out))
    text = out.getvalue()
    assert "已绑定：您现在是朝外街道的检查人员" in text
    assert "[#1 今天" in text
    assert "被检查单位名称：李XX出租房" in text
    assert "地址：工体北路8号 (39.93000, 116.45000)" in text
    assert "现场照片：1 张" in text
    assert "检查记录已保存" in text


def test_migrations_go_up_and_down_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    downgrade(url, "base")
    upgrade(url)


async def test_migrations_go_up_and_down_on_postgresql(pg_database: str) -> None:
    await asyncio.to_thread(downgrade, pg_database, "base")
    await asyncio.to_thread(upgrade, pg_database)


def test_chat_saves_the_pictures_and_files_the_bot_sends(at_head: Callable[[Path], Path], tmp_path: Path) -> None:
    at_head(tmp_path)
    from sqlmodel import Session, select
    from sqlmodel import create_engine as sync_engine

    from bot.terminal import run_chat
    from storage.models import InviteCode

    assert cli_main(["--data-dir", str(tmp_path), "invite", "--role", "leader", "--unit", "区安委会办公室"]) == 0
    with Session(sync_engine(f"sqlite:///{tmp_path / 'hazardbot.db'}")) as s:
        code = s.exec(select(InviteCode.code)).one()
    out = io.StringIO()
    script = f"/bind {code}\n/status\n/quit\n"
    asyncio.run(run_chat(Settings(data_dir=tmp_path), 4343, "领导", "zh-hans", stdin=io.StringIO(script), out=out))
    saved = [line.split("[图片 ", 1)[1].split("]", 1)[0] for line in out.getvalue().splitlines() if "[图片 " in line]
    assert saved, out.getvalue()
    assert Path(saved[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
