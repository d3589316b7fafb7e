"""Every line the ``hazardbot`` command prints for its user is Simplified Chinese, like the invite line (issue 20:
texts that agree), on SQLite and PostgreSQL; the lines scripts read (the invite code, file paths) stay as they are."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

from bot.cli import main as cli_main

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{2,},? +[A-Za-z]{2,}")  # two English words in a row
NAMES = re.compile(r"`[^`]*`|(?:[\w+.-]+:)?//\S*|/\S+|--[\w-]+|\S+\.(?:xlsx|csv|db|pdf)\b")  # commands, paths, options


def english_lines(text: str) -> list[str]:
    """The printed lines with no Chinese in them, or with English words between the Chinese."""
    return [line for line in text.splitlines()
            if line.strip() and (not CJK.search(line) or ENGLISH.search(NAMES.sub("", line)))]


async def test_every_result_and_refusal_is_in_chinese(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HAZARDBOT_DATABASE_URL", raising=False)

    async def cli(*argv: str) -> tuple[int, str, str]:
        try:
            code = await asyncio.to_thread(cli_main, ["--db", database_url, "--data-dir", str(tmp_path / "d"), *argv])
        except SystemExit as exc:  # argparse's refusals (status 2), and ``raise SystemExit(message)``: status 1
            code = exc.code if isinstance(exc.code, int) else 1
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)  # as the interpreter prints it
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return code, captured.out, captured.err

    code, out, _err = await cli("db", "upgrade")
    assert code == 0 and out.startswith("数据库已升级到最新版本："), out
    code, out, _err = await cli("invite", "--role", "inspector", "--unit", "建外街道")
    *said, invite = out.strip().splitlines()
    assert code == 0 and re.fullmatch(r"[A-Z0-9]{8}", invite) and english_lines("\n".join(said)) == [], out
    code, _out, err = await cli("invite", "--role", "office", "--unit", "110105001")
    assert code == 1 and err.strip() == "安委办工作人员只属于「区安委会办公室」，不能属于建外街道。", err
    code, _out, err = await cli("invite", "--role", "leader", "--unit", "朝阳区")
    assert code == 1 and err.startswith("没有这个单位：'朝阳区'。") and english_lines(err) == [], err

    contacts = tmp_path / "contacts.xlsx"
    code, out, _err = await cli("export", "contacts", "-o", str(contacts))
    assert code == 0 and out.strip() == f"已导出联系人 0 名 → {contacts}", out
    code, out, _err = await cli("export", "hazards", "--unit", "建外街道", "-o", str(tmp_path / "h.xlsx"))
    assert code == 0 and out.startswith("已导出隐患 0 条 → "), out
    code, _out, err = await cli("export", "hazards", "--unit", "火星街道", "-o", str(tmp_path / "h.xlsx"))
    assert code == 1 and "没有这个单位：'火星街道'" in err, err
    code, _out, err = await cli("tipoffs", "export", "--out", str(tmp_path / "t.csv"))
    assert code == 0 and err.strip() == f"已将 0 条群众举报写入 {tmp_path / 't.csv'}", err
    code, out, _err = await cli("photos", "prune")
    assert code == 0 and out.startswith("无任何引用且超过 30 天的照片记录 0 条、文件 0 个") and english_lines(out) == [], out
    code, out, _err = await cli("reminders", "preview", "--on", "2019-03-25")
    assert code == 0 and out.startswith("2019-03-25（星期一）工作日：") and english_lines(out) == [], out
    code, _out, err = await cli("reminders", "preview", "--on", "2019-02-30")
    assert code == 2 and "不是日期：'2019-02-30'（格式 YYYY-MM-DD，如 2019-03-25）" in err, err

    bad = tmp_path / "bad.csv"
    bad.write_text("单位,角色,姓名,部门及职务,办公电话,手机\n建外街道,联系人员,甲,科员,,123\n", encoding="utf-8")
    code, out, _err = await cli("import", "contacts", str(bad))
    assert code == 1 and "未导入任何数据" in out and english_lines(out) == [], out
    code, _out, err = await cli("import", "hazards", str(contacts))
    assert code == 1 and english_lines(err) == [], err


def test_the_english_check_sees_english(tmp_path: Path) -> None:
    assert english_lines("2 contacts → /tmp/x.xlsx") == ["2 contacts → /tmp/x.xlsx"]
    assert english_lines("照片以文件保存: also copy /tmp/p") == ["照片以文件保存: also copy /tmp/p"]
    assert english_lines(f"已导出联系人 2 名 → {tmp_path / 'the rows.xlsx'}\n\nDEADBEEF") == ["DEADBEEF"]
