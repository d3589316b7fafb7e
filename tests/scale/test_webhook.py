"""Webhook mode end to end: a real aiohttp server taking Telegram's POSTs (secret checked), talking
to a Bot API stand-in over HTTP on 127.0.0.1, with ``/healthz``."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.cli import main as cli_main
from bot.settings import Settings
from bot.updates import UpdateFactory
from bot.webhook import build_webhook_app, parse_listen, run_webhook, webhook_path, webhook_secret
from tests.botapi_standin import fake_api, free_port

TOKEN = "4242:" + "W" * 35


def _update_json(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    factory = UpdateFactory(update_id)
    update = factory.text(UpdateFactory.user(user_id), text)
    return json.loads(update.model_dump_json(exclude_none=True, by_alias=True))


async def test_webhook_serves_updates_once_checks_the_secret_and_reports_health(database_url: str, tmp_path: Path) -> None:
    async with fake_api() as (api, api_url):
        settings = Settings(database_url=database_url, data_dir=tmp_path / "data", token=TOKEN, api_url=api_url)
        port = free_port()
        stop = asyncio.Event()
        server = asyncio.create_task(
            run_webhook(settings, "https://bot.example.org/tg/hook", f"127.0.0.1:{port}", stop=stop)
        )
        try:
            await asyncio.wait_for(api.webhook_set.wait(), timeout=60)
            hook = api.sent("setWebhook")[0]
            assert hook["url"] == "https://bot.example.org/tg/hook"
            assert hook["secret_token"] == webhook_secret(settings)
            assert hook["drop_pending_updates"] == "false"
            base = f"http://127.0.0.1:{port}"
            body = _update_json(5001, 6001, "/start")
            secret = webhook_secret(settings)
            async with aiohttp.ClientSession() as http:
                async with http.post(f"{base}/tg/hook", json=body) as r:
                    assert r.status == 401
                async with http.post(f"{base}/tg/hook", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": "x"}) as r:
                    assert r.status == 401
                assert api.sent("sendMessage") == []
                for _ in range(2):  # Telegram's retry of the same update
                    async with http.post(f"{base}/tg/hook", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as r:
                        assert r.status == 200
                greetings = api.sent("sendMessage")
                assert len(greetings) == 1 and greetings[0]["chat_id"] == "6001"
                assert "朝阳" in greetings[0]["text"]
                async with http.get(f"{base}/healthz") as r:
                    assert r.status == 200
                    assert await r.json() == {"status": "ok", "database": "ok"}
        finally:
            stop.set()
            await asyncio.wait_for(server, timeout=60)


async def test_health_is_503_when_the_database_does_not_answer(tmp_path: Path) -> None:
    from aiogram import Dispatcher
    from aiohttp.test_utils import TestClient, TestServer

    from bot.app import build_bot
    from bot.local_session import LocalSession
    from storage.db import create_engine

    @dataclass
    class DeadCore:
        engine: Any

    core = DeadCore(create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none"))
    app = build_webhook_app(core, Dispatcher(), build_bot(Settings(), LocalSession()), path="/hook", secret="s")
    async with TestClient(TestServer(app)) as client:
        r = await client.get("/healthz")
        assert r.status == 503
        assert (await r.json())["database"] == "error"
    await core.engine.dispose()


def test_listen_address_and_path_parsing() -> None:
    assert parse_listen("0.0.0.0:8443") == ("0.0.0.0", 8443)
    assert parse_listen("[::1]:8080") == ("::1", 8080)
    assert parse_listen(":8080") == ("0.0.0.0", 8080)
    with pytest.raises(ValueError):
        parse_listen("localhost")
    assert webhook_path("https://bot.example.org/tg/hook") == "/tg/hook"
    assert webhook_path("https://bot.example.org") == "/webhook"


def test_secret_is_configured_or_derived_from_the_token_and_never_the_token() -> None:
    derived = webhook_secret(Settings(token=TOKEN))
    assert derived == webhook_secret(Settings(token=TOKEN))  # every instance agrees
    assert TOKEN.split(":")[1] not in derived and len(derived) == 64
    assert webhook_secret(Settings(token=TOKEN, webhook_secret="abc_DEF-1")) == "abc_DEF-1"


def test_cli_rejects_a_malformed_listen_address(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HAZARDBOT_TOKEN", TOKEN)
    assert cli_main(["run", "--webhook", "https://bot.example.org/hook", "--listen", "nonsense"]) == 2
    assert "--listen 应为 主机:端口（如 127.0.0.1:8080），而不是 'nonsense'" in capsys.readouterr().out


async def test_a_body_that_is_no_update_gets_400_and_stays_out_of_the_log(caplog: pytest.LogCaptureFixture) -> None:
    from aiogram import Dispatcher
    from aiogram.types import Message
    from aiohttp.test_utils import TestClient, TestServer

    from bot.app import build_bot
    from bot.local_session import LocalSession

    dp, seen = Dispatcher(), []

    @dp.message()
    async def echo(message: Message) -> None:
        seen.append(message.text)

    app = build_webhook_app(None, dp, build_bot(Settings(), LocalSession()), path="/hook", secret="s")
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s", "Content-Type": "application/json"}
    secret_text = "张三 13912345678"
    bad = ["{not json", "", "[1,2]", "null", json.dumps({"message": {"text": secret_text}}),
           json.dumps({"update_id": "abc"}), json.dumps(_update_json(2**70, 6001, secret_text))]
    async with TestClient(TestServer(app)) as client:
        for body in bad:
            r = await client.post("/hook", data=body, headers=headers)
            assert r.status == 400, (body, r.status)
        r = await client.post("/hook", data=json.dumps(_update_json(7, 6001, "你好")), headers=headers)
        assert r.status == 200 and seen == ["你好"]
    assert secret_text not in caplog.text and "Traceback" not in caplog.text
    assert caplog.text.count("event=webhook_bad_body") == len(bad)
