"""``hazardbot demo``: a demo district in a data directory of its own (never the real database), and who is who in
it, to try every role with ``hazardbot chat`` (issue 20)."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import time
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot import labels
from bot.i18n import translate
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.demo.people import Person

MARKER = ".hazardbot-demo"  # in a directory this command made: only such a directory is ever deleted (--reset)
WHO_FILE = "演示账号.txt"


def role_label(role: str) -> str:
    """A role's Chinese name as the bot itself says it (``bot.labels.ROLES``: 检查人员, 单位审核人, 联系人员 …)."""
    return translate("zh", labels.ROLES[role]) if role in labels.ROLES else role


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``hazardbot demo`` (``--seed``, ``--hazards``, ``--reset``) to the subcommands."""
    demo = sub.add_parser("demo", help="make a demo district (people, plans, inspections, hazards in every state) in "
                                       "a separate data directory, to try the bot with `hazardbot chat`")
    demo.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same district")
    demo.add_argument("--hazards", type=_count, default=300, help="number of hazards (default 300)")
    demo.add_argument("--reset", action="store_true", help="replace a demo directory made earlier")
    demo.set_defaults(func=_demo)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 1 <= value <= 5000:
        raise argparse.ArgumentTypeError(f"隐患条数应为 1 到 5000 之间的整数，而不是 {text!r}")
    return value


def default_demo_dir(data_dir: Path) -> Path:
    """Beside the normal data directory: ``~/.local/share/hazardbot`` → ``~/.local/share/hazardbot-demo``."""
    return data_dir.with_name(data_dir.name + "-demo")


def _refusal(target: Path, reset: bool) -> str | None:
    """Why ``target`` may not be filled (it holds something, and is not a demo directory to reset), or None."""
    if target.exists() and not target.is_dir():
        return f"{target} 是一个文件，不是目录。"
    if not target.exists() or not any(target.iterdir()):
        return None
    if not (target / MARKER).exists():
        return f"{target} 已存在且不是演示数据目录，不会改动它；请用 --data-dir 指定一个新目录。"
    if not reset:
        return f"{target} 中已有演示数据。加 --reset 重新生成（将删除该目录中的演示数据），或用 --data-dir 换一个目录。"
    return None


async def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from pydantic import ValidationError

    from bot.campaign import campaign_of
    from bot.clock import system_clock
    from bot.demo.district import build_demo
    from reminders.settings import ReminderSettings

    if getattr(args, "database_url", None):
        print("演示数据总是写入演示目录中自己的 SQLite 文件，不接受 --db。", file=sys.stderr)
        return 2
    target = Path(args.data_dir) if getattr(args, "data_dir", None) else default_demo_dir(settings.data_dir)
    target = target.expanduser().resolve()
    problem = _refusal(target, args.reset)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    if target.exists():
        from bot.serving_lock import DatabaseInUse, exclusive

        try:  # a chat still serving the old demo would go on writing to deleted files
            with exclusive(target / "hazardbot.db"):
                shutil.rmtree(target)
        except DatabaseInUse:
            print(f"演示目录 {target} 正被机器人（hazardbot chat 或 run）使用：请先在对话中输入 /quit 或停止服务，再重新生成。",
                  file=sys.stderr)
            return 1
    target.mkdir(parents=True)
    (target / MARKER).write_text("made by `hazardbot demo`; `hazardbot demo --reset` may delete this directory\n",
                                 encoding="utf-8")
    demo_settings = settings.model_copy(update={
        "data_dir": target, "database_url": f"sqlite+aiosqlite:///{target / 'hazardbot.db'}", "photo_dir": None})
    now = system_clock(settings.tz)()
    today = now.date()
    configured = ReminderSettings()
    env: dict[str, str] = {}
    reminders = configured
    if not (campaign_of(configured).covers(today.year) and configured.campaign_start <= today - timedelta(days=60)):
        # the configured campaign is over (or has barely begun): the demo's runs over the last seven months
        start = (today - timedelta(days=210)).replace(day=1)
        try:
            reminders = ReminderSettings(campaign_start=start, campaign_issued=start - timedelta(days=1))
        except ValidationError as exc:  # pragma: no cover - both dates are valid by construction
            print(exc, file=sys.stderr)
            return 2
        env = {"HAZARDBOT_REMINDERS_CAMPAIGN_START": start.isoformat(),
               "HAZARDBOT_REMINDERS_CAMPAIGN_ISSUED": (start - timedelta(days=1)).isoformat()}
    print(f"生成演示数据到 {target}（种子 {args.seed}，{args.hazards} 条隐患）…", flush=True)
    began = time.monotonic()
    result = await build_demo(demo_settings, reminders, now, seed=args.seed, hazards=args.hazards,
                              say=lambda line: print(line, flush=True))
    tally = result.tally
    print(f"完成，用时 {time.monotonic() - began:.0f} 秒：隐患 {tally.hazards} 条、检查 {tally.inspections} 次、"
          f"计划 {tally.plans} 份、工作信息 {tally.work_reports} 份、"
          f"群众举报 {tally.tipoffs} 条、处理步骤 {tally.steps} 个，自 {result.start} 起。", flush=True)
    who = who_is_who(result.cast.shown, target, env, today)
    others = [p for p in result.cast.everyone + result.cast.public if p not in result.cast.shown]
    everyone = "\n".join(["", f"其他演示账号（{len(others)} 人）："] + [_row(p) for p in others])
    (target / WHO_FILE).write_text(who + "\n" + everyone + "\n", encoding="utf-8")
    print(who.replace(f"本表也保存在 {target / WHO_FILE}。",
                      f"本表及其他 {len(others)} 个账号（各单位的{role_label('reviewer')}、{role_label('inspector')}"
                      f"和几位{role_label('public')}）保存在 {target / WHO_FILE}。"))
    return 0


def chat_command(target: Path, user_id_in_chat: int, name: str, env: dict[str, str]) -> str:
    """The exact ``hazardbot chat`` line that acts as this person on the demo data (``--db`` as well when the
    environment names another database, which would otherwise win over ``--data-dir``)."""
    words = [f"{k}={v}" for k, v in env.items()]
    words += [_program(), "chat", "--data-dir", str(target)]
    if os.environ.get("HAZARDBOT_DATABASE_URL"):
        words += ["--db", str(target / "hazardbot.db")]
    words += ["--user-id", str(user_id_in_chat), "--name", name]
    return " ".join(shlex.quote(w) if not w.startswith("HAZARDBOT_") else w for w in words)


def _program() -> str:
    """How this command was started (``.venv/bin/hazardbot`` or ``hazardbot``), so the printed lines work as typed."""
    argv0 = Path(sys.argv[0])
    if argv0.name == "hazardbot" and argv0.parent != Path("."):
        found = shutil.which("hazardbot")
        return "hazardbot" if found and Path(found).resolve() == argv0.resolve() else str(argv0)
    return "hazardbot"


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - used)


def _row(person: Person) -> str:
    role = role_label(person.role.value)
    return _pad(str(person.user_id_in_chat), 8) + _pad(person.name, 8) + _pad(role, 20) + person.unit


def who_is_who(people: list[Person], target: Path, env: dict[str, str], today: date) -> str:
    """The table of demo people and the command to talk to the bot as each (Chinese)."""
    lines = ["", "演示账号（用户 ID 即 Telegram 用户 ID）：", _pad("用户ID", 8) + _pad("姓名", 8) + _pad("角色", 20) + "单位"]
    lines += [_row(p) for p in people]
    lines += ["", "以某人身份与机器人对话（在对话中可用 /as 用户ID 换人）："]
    picks = {"office": "（/status 统计图、/rank 排名、/map 地图、/office 待上账）", "leader": "（/status）",
             "reviewer": "（/review 待审核）", "inspector": "（/hazard 填报隐患）"}
    for role, what in picks.items():
        person = next(p for p in people if p.role.value == role)
        what = role_label(role) + what
        lines += [f"  {what}：", f"    {chat_command(target, person.user_id_in_chat, person.name, env)}"]
    if env:
        lines += ["", f"演示数据位于最近七个月（截至 {today}），上面的命令带有与之相符的攻坚行动起始日期设置。"]
    lines.append(f"本表也保存在 {target / WHO_FILE}。")
    return "\n".join(lines)
