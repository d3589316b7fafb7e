"""Migration 0190 (a user's registered name from the contact form, 附件4) gives users already bound to a form entry
that entry's name and leaves the others NULL (their Telegram name is used), on SQLite and PostgreSQL; going down
drops the column and leaves the form's names in ``contact``."""

from __future__ import annotations

import asyncio

from storage.migrate import downgrade, upgrade
from tests.db_inspect import Parts, execute, migration_goes_down_and_up

AT = "2018-11-05 02:00:00"
_USER = "INSERT INTO app_user (channel, address, full_name, language, created_at) VALUES ('telegram', '{a}', '{n}', " \
        f"'zh-hans', '{AT}')"
_CONTACT = ("INSERT INTO contact (unit_id, role, name, title, mobile, user_id, imported_at) SELECT u.id, '{role}', "
            "'{name}', '科员', '{mobile}', {user}, '" + AT + "' FROM unit u WHERE u.code = 't-0190'")


def _bound(address: str) -> str:
    return f"(SELECT id FROM app_user WHERE address = '{address}')"


async def _users_and_contacts(url: str) -> None:
    await execute(
        url,
        "INSERT INTO unit (code, name, kind, is_township) VALUES ('t-0190', '测试街道0190', '街道', TRUE)",
        _USER.format(a="01901", n="小张🐱"), _USER.format(a="01902", n="老李"), _USER.format(a="01903", n="路人"),
        _CONTACT.format(role="leader", name="张建国", mobile="13901900001", user=_bound("01901")),
        _CONTACT.format(role="contact", name="张建国", mobile="13901900001", user=_bound("01901")),
        _CONTACT.format(role="contact", name="李四", mobile="13901900002", user="NULL"),  # no one bound yet
    )


async def _bound_users_have_their_entrys_name(url: str, _: object) -> None:
    rows = await execute(url, "SELECT address, full_name, registered_name FROM app_user "
                              "WHERE address IN ('01901', '01902', '01903') ORDER BY address")
    assert rows == [("01901", "小张🐱", "张建国"), ("01902", "老李", None), ("01903", "路人", None)]


async def test_bound_users_get_their_registered_name_and_lose_it_going_down(database_url: str) -> None:
    await migration_goes_down_and_up(
        database_url, "0190-1",
        added=Parts.of(columns={"app_user": {"registered_name"}}),
        kept=Parts.of(columns={"app_user": {"full_name"}, "contact": {"name", "user_id"}}),
        seed=_users_and_contacts, check=_bound_users_have_their_entrys_name)
    await asyncio.to_thread(downgrade, database_url, "0190-1")
    assert await execute(database_url, "SELECT name FROM contact WHERE mobile = '13901900001' ORDER BY id") == [
        ("张建国",), ("张建国",)]
    await asyncio.to_thread(upgrade, database_url)
