"""The floor of a form step: the same step written with aiogram and the raw driver in one transaction.

What ``hazardbot`` does for a text answer to "site name" and for "« back", with nothing but what the step
needs: one transaction on the raw driver (aiosqlite or asyncpg) that claims the update id in
``processed_update`` (exactly once), finds the user by Telegram id, locks and reads their open draft, checks
the answer's length, and writes the draft's answers, path and step; then the same Bot API calls the bot makes
(text: the next question with its two buttons; back: answer the button, drop the old keyboard, ask again).
The drafts live in a table of their own (``floor_draft``, a copy of ``draft``) so the floor and the project
can be run in turn on one database without stepping on each other.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from aiogram import Dispatcher
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

ADDRESS = "<b>安全隐患登记（附件2）</b> · 3/19\n<b>详细地址</b>\n<i>发送位置（📎 → 位置），或直接输入详细地址（具体到门牌号）</i>"
SITE = "<b>安全隐患登记（附件2）</b> · 2/19\n<b>单位名称</b>\n<i>无单位名称的，填业主姓名和场所用途，如：张XX出租房</i>\n当前：{}"


def _keyboard(draft_id: int, step: int, keep: bool) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text="✔ 保持当前值", callback_data=f"f1:{draft_id}:n:{step}:0:keep")]] if keep else []
    rows.append([InlineKeyboardButton(text="« 上一步", callback_data=f"f1:{draft_id}:n:{step}:0:back"),
                 InlineKeyboardButton(text="取消", callback_data=f"f1:{draft_id}:n:{step}:0:cancel")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


class Floor:
    """The raw-driver side: a small pool of connections and the one transaction of a step."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = url.startswith("postgresql")
        self._pool: Any = None
        self._sqlite: list[Any] = []
        self._free: asyncio.Queue[Any] = asyncio.Queue()

    async def open(self, size: int = 5) -> None:
        if self.pg:
            import asyncpg

            self._pool = await asyncpg.create_pool(self.url.replace("postgresql+asyncpg", "postgresql"),
                                                   min_size=size, max_size=size)
            async with self._pool.acquire() as conn:
                await conn.execute("DROP TABLE IF EXISTS floor_draft")
                await conn.execute("CREATE TABLE floor_draft AS SELECT * FROM draft")
                await conn.execute("ALTER TABLE floor_draft ADD PRIMARY KEY (id)")
                await conn.execute("CREATE INDEX ON floor_draft (user_id, status)")
        else:
            import aiosqlite

            path = self.url.split("///", 1)[1]
            for _ in range(size):
                conn = await aiosqlite.connect(path, isolation_level=None)
                # the project's pragmas (storage/db.py)
                for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
                    await conn.execute(f"PRAGMA {pragma}")
                self._sqlite.append(conn)
                self._free.put_nowait(conn)
            conn = self._sqlite[0]
            await conn.execute("DROP TABLE IF EXISTS floor_draft")
            await conn.execute("CREATE TABLE floor_draft AS SELECT * FROM draft")
            await conn.execute("CREATE INDEX floor_draft_user ON floor_draft (user_id, status)")

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
        for conn in self._sqlite:
            await conn.close()

    async def step(self, bot_id: int, update_id: int, telegram_id: int, change: Any) -> tuple[int, Any] | None:
        """One transaction: claim, find, lock and read, ``change(step, data, history)`` → new values, write.
        ``None`` when the update was claimed before or there is no open draft."""
        now = datetime.now(UTC).replace(tzinfo=None)  # the columns hold UTC without a zone
        if self.pg:
            async with self._pool.acquire() as conn, conn.transaction():
                claimed = await conn.fetchval(
                    "INSERT INTO processed_update (bot_id, update_id, at) VALUES ($1, $2, $3) "
                    "ON CONFLICT DO NOTHING RETURNING update_id", bot_id, update_id, now)
                if claimed is None:
                    return None
                row = await conn.fetchrow(
                    "SELECT d.id, d.step, d.data, d.history FROM floor_draft d JOIN app_user u ON u.id = d.user_id "
                    "WHERE u.channel = 'telegram' AND u.address = $1 AND d.status = 'active' FOR UPDATE OF d", str(telegram_id))
                if row is None:
                    return None
                step, data, history = change(row["step"], json.loads(row["data"]), json.loads(row["history"]))
                await conn.execute("UPDATE floor_draft SET step = $1, data = $2, history = $3, updated_at = $4 "
                                   "WHERE id = $5", step, json.dumps(data), json.dumps(history), now, row["id"])
                return row["id"], data
        conn = await self._free.get()
        try:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                cursor = await conn.execute(
                    "INSERT INTO processed_update (bot_id, update_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (bot_id, update_id, now.strftime("%Y-%m-%d %H:%M:%S.%f")))
                if cursor.rowcount != 1:
                    await conn.execute("ROLLBACK")
                    return None
                async with conn.execute(
                        "SELECT d.id, d.step, d.data, d.history FROM floor_draft d JOIN app_user u ON u.id = d.user_id "
                        "WHERE u.channel = 'telegram' AND u.address = ? AND d.status = 'active'", (str(telegram_id),)) as cur:
                    row = await cur.fetchone()
                if row is None:
                    await conn.execute("ROLLBACK")
                    return None
                step, data, history = change(row[1], json.loads(row[2]), json.loads(row[3]))
                await conn.execute("UPDATE floor_draft SET step = ?, data = ?, history = ?, updated_at = ? WHERE id = ?",
                                   (step, json.dumps(data), json.dumps(history), str(now), row[0]))
                await conn.execute("COMMIT")
                return row[0], data
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
        finally:
            self._free.put_nowait(conn)


def _answer(step: str | None, data: dict[str, Any], history: list[str], text: str) -> tuple[str, dict[str, Any], list[str]]:
    if step != "site_name" or not 0 < len(text) <= 100:
        return step or "site_name", data, history  # the same question again
    return "address", {**data, "site_name": text}, [*history, "site_name"]


def _back(step: str | None, data: dict[str, Any], history: list[str]) -> tuple[str, dict[str, Any], list[str]]:
    return (history[-1], data, history[:-1]) if history and step == "address" else (step or "site_name", data, history)


def floor_dispatcher(floor: Floor) -> Dispatcher:
    """aiogram with one handler per kind of step; the update id is claimed in the step's transaction."""
    dp = Dispatcher()

    @dp.message()
    async def text(message: Message, event_update: Update) -> None:
        text = message.text or ""
        done = await floor.step(message.bot.id, event_update.update_id, message.from_user.id,  # type: ignore[union-attr]
                                lambda s, d, h: _answer(s, d, h, text))
        if done is not None:
            await message.answer(ADDRESS, reply_markup=_keyboard(done[0], 2, keep=False))

    @dp.callback_query()
    async def back(query: CallbackQuery, event_update: Update) -> None:
        done = await floor.step(query.bot.id, event_update.update_id, query.from_user.id, _back)  # type: ignore[union-attr]
        await query.answer()
        if done is not None and isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=None)
            await query.message.answer(SITE.format(done[1].get("site_name", "")), reply_markup=_keyboard(done[0], 1, keep=True))

    return dp
