"""breaker8: the unknown unit's suggestions (``bot.services.unit_lookup.find_unit``) at /invite, /users, /setrole
and /submissions with hostile names, through the dispatcher on SQLite and PostgreSQL, and the invite command: the
name typed comes back escaped and short enough, the suggestions stay readable, nothing fails."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from aiogram.methods import SendMessage

from bot.cli import main as cli_main
from bot.local_chat import plain
from tests.conftest import FailureLog, Harness

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

OFFICE = "区安委会办公室"
HOSTILE = {
    "html": "<b>安监</b>&amp;",
    "long": "安监" + "安" * 4998,
    "emoji": "🔥🚒安监😀",
    "nothing_like": "火星基地",
    "zero_width": "安\u200b监",
}


def _commands(uid: int, name: str) -> list[str]:
    return [f"/invite leader {name}", f"/users {name}", f"/setrole {uid} {name} inspector", f"/submissions {name}"]


@pytest.mark.parametrize("kind", list(HOSTILE))
async def test_a_hostile_unit_name_is_refused_escaped_short_and_with_its_suggestions(
        harness: Harness, failures: FailureLog, kind: str) -> None:
    name = HOSTILE[kind]
    office = await harness.bind(7981, "office", OFFICE)
    for command in _commands(1, name):
        if kind == "long" and command.startswith("/setrole"):
            continue  # the split keeps only the first word: same as the others
        sent = [m for m in await office.say(command) if isinstance(m, SendMessage)]
        assert sent, command
        html = sent[-1].text
        assert len(html) <= 4096, (command, len(html))
        assert "<b>安监" not in html and "</b>&amp;" not in html, (command, html)  # escaped
        text = plain(html)
        if kind in ("html", "emoji", "long", "zero_width") and not command.startswith("/submissions"):
            assert "区应急局" in text, (command, text[:300], text[-300:])  # the suggestion survives any clipping
        if kind == "nothing_like":
            assert "您是否要找" not in text and "火星基地" in text, (command, text)
    assert failures.messages() == []


@pytest.mark.parametrize("typed", ["   ", "\u3000\u3000"])
async def test_only_spaces_as_a_unit_gets_the_usage_not_an_unknown_empty_unit(harness: Harness, failures: FailureLog,
                                                                               typed: str) -> None:
    office = await harness.bind(7983, "office", OFFICE)
    for command in (f"/invite leader {typed}", f"/users {typed}"):
        await office.say(command)
        assert "未知单位：。" not in office.last_text() and "未知单位： " not in office.last_text(), office.last_text()
    assert failures.messages() == []


@pytest.mark.parametrize("typed", ["<b>安监</b>", "安" * 5000, "🔥安监", "火星基地"])
def test_the_invite_command_offers_names_and_fails_cleanly(at_head: Callable[[Path], Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str], typed: str) -> None:
    at_head(tmp_path)
    code = cli_main(["--data-dir", str(tmp_path), "invite", "--role", "leader", "--unit", typed, "--name", "王五"])
    err = capsys.readouterr().err
    assert code == 1 and "没有这个单位" in err and "Traceback" not in err, err[:500]
    assert ("是否指" in err) == (typed != "火星基地"), err[:500]
    assert len(err) < 2000, len(err)  # 5000 characters typed are not printed back whole
