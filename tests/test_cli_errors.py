"""An operator's ordinary mistakes on the ``hazardbot`` command line get one clear line and a non-zero
exit status, never a traceback: argparse refuses malformed arguments (status 2) before anything is
opened; a file that turns out unreadable or unwritable is reported as such (status 1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.backup import BackupError, restore_sqlite
from bot.cli import main as cli_main
from bot.cli.excel import KIND_NAMES
from bot.domain import HazardState
from bot.services.ledger_export import LEDGER_STATES, ExportFilter
from bot.services.lifecycle import TRANSITIONS


@pytest.fixture(autouse=True)
def _no_database_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HAZARDBOT_DATABASE_URL", raising=False)


def run(tmp_path: Path, *argv: str) -> int:
    """The exit status of ``hazardbot --data-dir TMP/data ARGV``, argparse's refusals included."""
    try:
        return cli_main(["--data-dir", str(tmp_path / "data"), *argv])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


def said(capsys: pytest.CaptureFixture[str]) -> str:
    """Everything printed, checked to hold no traceback."""
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    return text


def test_an_unknown_state_is_refused_with_the_states_to_choose_from(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "export", "hazards", "--state", "bogus", "-o", str(tmp_path / "x.xlsx")) == 2
    err = said(capsys)
    assert "invalid choice: 'bogus'" in err and "'registered'" in err and "'overdue'" in err
    assert not (tmp_path / "data").exists()  # refused before the database is opened


def test_a_state_no_ledger_hazard_has_is_refused_and_the_help_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "export", "hazards", "--state", "pending_review", "-o", str(tmp_path / "x.xlsx")) == 2
    assert "invalid choice: 'pending_review'" in said(capsys)
    assert run(tmp_path, "export", "--help") == 0
    assert "never exported" in " ".join(said(capsys).split())


def test_the_state_choices_are_every_state_a_registered_hazard_can_reach() -> None:
    seen, todo = {HazardState.REGISTERED}, [HazardState.REGISTERED]
    while todo:
        state = todo.pop()
        for (origin, _action, _role), target in TRANSITIONS.items():
            if origin == state and target is not None and target not in seen:
                seen.add(target)
                todo.append(target)
    assert set(LEDGER_STATES) == {s.value for s in seen}


def test_an_export_filter_refuses_a_state_outside_the_ledger_and_an_empty_range() -> None:
    from datetime import date

    with pytest.raises(ValueError, match="pending_review"):
        ExportFilter(state="pending_review")
    with pytest.raises(ValueError, match="after the last"):
        ExportFilter(date_from=date(2020, 1, 1), date_to=date(2019, 1, 1))


def test_a_date_range_that_ends_before_it_starts_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.xlsx"
    assert run(tmp_path, "export", "hazards", "--from", "2020-01-01", "--to", "2019-01-01", "-o", str(out)) == 2
    assert "--from 2020-01-01 晚于 --to 2019-01-01" in said(capsys)
    assert not out.exists()


def test_a_malformed_date_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "export", "inspections", "--from", "2020-13-01", "-o", str(tmp_path / "x.xlsx")) == 2
    assert "不是日期：'2020-13-01'（格式 YYYY-MM-DD" in said(capsys)


@pytest.mark.parametrize(("argv", "message"), [
    (["inspections", "--state", "open"], "--state 不适用于 inspections"),
    (["plans", "--from", "2019-01-01"], "--from 不适用于 plans"),
    (["contacts", "--to", "2019-01-01"], "--to 不适用于 contacts"),
    (["hazards", "--year", "2019"], "--year 不适用于 hazards"),
])
def test_an_option_the_kind_would_ignore_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run(tmp_path, "export", *argv, "-o", str(tmp_path / "x.xlsx")) == 2
    assert message in said(capsys)


def test_an_output_file_in_a_missing_directory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "nonexistent" / "dir" / "x.xlsx"
    assert run(tmp_path, "export", "hazards", "-o", str(out)) == 2
    assert f"无法写入 {out}：{out.parent} 不存在" in said(capsys)
    assert run(tmp_path, "tipoffs", "export", "--out", str(out)) == 2
    assert f"无法写入 {out}：{out.parent} 不存在" in said(capsys)


def test_an_output_that_is_a_directory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "export", "geojson", "-o", str(tmp_path)) == 2
    assert f"{tmp_path} 是目录：请给出文件名" in said(capsys)


@pytest.mark.parametrize("kind", ["hazards", "inspections", "plans", "contacts", "geojson"])
def test_a_file_that_cannot_be_created_when_written_is_reported(
    kind: str, at_head: Callable[[Path], Path],
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    at_head(tmp_path / "data")
    import bot.cli.excel

    monkeypatch.setattr(bot.cli.excel, "output_file", Path)  # past the early check: fails when writing
    out = tmp_path / "gone" / "x.xlsx"
    assert run(tmp_path, "export", kind, "-o", str(out)) == 1
    assert f"无法写入 {out}：No such file or directory" in said(capsys)


def test_tipoffs_that_cannot_be_written_are_reported(
    at_head: Callable[[Path], Path], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    at_head(tmp_path / "data")
    import bot.cli.tipoffs

    monkeypatch.setattr(bot.cli.tipoffs, "output_file", Path)
    out = tmp_path / "gone" / "t.csv"
    assert run(tmp_path, "tipoffs", "export", "--out", str(out)) == 1
    assert f"无法写入 {out}：No such file or directory" in said(capsys)


@pytest.mark.parametrize("kind", ["hazards", "inspections", "plans", "contacts"])
def test_importing_a_missing_file_is_refused(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nonexistent.xlsx"
    assert run(tmp_path, "import", kind, str(missing)) == 2
    assert f"argument file: 文件不存在：{missing}" in said(capsys)
    assert run(tmp_path, "import", kind, str(tmp_path)) == 2
    assert f"argument file: 不是文件：{tmp_path}" in said(capsys)


@pytest.mark.parametrize("kind", ["hazards", "inspections", "plans"])
@pytest.mark.parametrize(("name", "content"), [
    ("README.md", b"# hazardbot\n"),  # not an Excel file name
    ("ledger.xlsx", b"plain text, not a zip archive"),
    ("ledger.xls", b"\xd0\xcf\x11\xe0 the old Excel format"),
])
def test_importing_a_file_that_is_no_workbook_is_refused(
    kind: str, name: str, content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert run(tmp_path, "import", kind, str(path)) == 1
    assert f"{path} 不是 Excel 工作簿：请在 Excel 中打开并另存为 .xlsx" in said(capsys)


def test_importing_a_zip_archive_that_is_no_workbook_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import zipfile

    path = tmp_path / "ledger.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")
    assert run(tmp_path, "import", "hazards", str(path)) == 1
    assert "不是 Excel 工作簿" in said(capsys)


def test_importing_a_ledger_as_another_kind_names_the_right_command(
    at_head: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at_head(tmp_path / "data")
    ledger = tmp_path / "h.xlsx"
    assert run(tmp_path, "export", "hazards", "-o", str(ledger)) == 0  # the 附件2 headers, no rows
    said(capsys)
    for kind in ("plans", "inspections"):
        assert run(tmp_path, "import", kind, str(ledger)) == 1
        assert f"{ledger} 是隐患台账（附件2），不是{KIND_NAMES[kind]}：请用 `hazardbot import hazards {ledger}`" in said(capsys)


def test_a_unit_for_imported_plans_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plans = tmp_path / "p.xlsx"
    plans.write_bytes(b"")
    assert run(tmp_path, "import", "plans", str(plans), "--unit", "建外街道") == 2
    assert "--unit 不适用于 plans" in said(capsys)


def test_restoring_a_missing_backup_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nonexistent.db"
    assert run(tmp_path, "restore", str(missing)) == 2
    assert f"argument file: 文件不存在：{missing}" in said(capsys)
    with pytest.raises(BackupError, match="没有备份文件"):
        restore_sqlite(missing, tmp_path / "hazardbot.db")


def test_restoring_a_file_that_is_no_database_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "README.md"
    text.write_text("# hazardbot\n")
    assert run(tmp_path, "restore", str(text)) == 1
    assert "不是 SQLite 数据库" in said(capsys)


def test_a_backup_directory_that_is_a_file_is_refused(
    at_head: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at_head(tmp_path / "data")
    assert run(tmp_path, "invite", "--role", "inspector", "--unit", "110105001") == 0  # a database to back up
    said(capsys)
    taken = tmp_path / "taken"
    taken.write_text("")
    assert run(tmp_path, "backup", "--to", str(taken)) == 1
    assert f"备份目录 {taken} 是一个文件，不是目录" in said(capsys)


def test_a_database_in_a_missing_directory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "nodir" / "x.db"
    assert run(tmp_path, "--db", str(db), "invite", "--role", "inspector", "--unit", "110105001") == 2
    assert f"SQLite 数据库 {db} 所在的目录 {db.parent} 不存在" in said(capsys)


def test_a_data_directory_that_is_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    taken = tmp_path / "taken"
    taken.write_text("")
    assert cli_main(["--data-dir", str(taken), "db", "upgrade"]) == 2
    assert f"数据目录 {taken} 是一个文件，不是目录" in said(capsys)


def test_an_unsupported_database_url_is_refused_without_repeating_its_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, "--db", "postgresql://hazardbot:s3cret@db/hazardbot", "invite", "--role", "inspector",
               "--unit", "110105001") == 2
    text = said(capsys)
    assert "不支持的数据库地址 postgresql://" in text and "postgresql+asyncpg://" in text
    assert "s3cret" not in text


def test_a_database_that_does_not_answer_is_named_without_its_password(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.botapi_standin import free_port

    url = f"postgresql+asyncpg://postgres:s3cret@127.0.0.1:{free_port()}/none"
    assert run(tmp_path, "--db", url, "invite", "--role", "inspector", "--unit", "110105001") == 1
    text = said(capsys)
    assert "无法连接数据库 postgresql+asyncpg://postgres:***@127.0.0.1" in text and "s3cret" not in text


def test_unit_is_refused_for_a_contact_sheet_which_names_its_units(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "contacts.csv"
    sheet.write_text("单位,角色,姓名,部门及职务,办公电话,手机\n", encoding="utf-8")
    assert run(tmp_path, "import", "contacts", str(sheet), "--unit", "建外街道") == 2
    assert "--unit 不适用于工作联系表" in said(capsys)


def test_an_office_invite_outside_the_district_office_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "db", "upgrade") == 0
    assert f"数据库已升级到最新版本：sqlite+aiosqlite:///{tmp_path / 'data' / 'hazardbot.db'}" in said(capsys)
    assert run(tmp_path, "invite", "--role", "office", "--unit", "110105001") == 1
    assert "安委办工作人员只属于「区安委会办公室」，不能属于建外街道。" in said(capsys)
    assert run(tmp_path, "invite", "--role", "office", "--unit", "区安委会办公室") == 0
    assert "邀请码：区安委会办公室 · 工作人员（安委办）" in said(capsys)


@pytest.mark.parametrize(("variable", "value", "said_"), [
    ("HAZARDBOT_REMINDERS_CAMPAIGN_YEARS", "0", "HAZARDBOT_REMINDERS_CAMPAIGN_YEARS='0'"),
    ("HAZARDBOT_REMINDERS_CAMPAIGN_START", "2026-02-30", "HAZARDBOT_REMINDERS_CAMPAIGN_START='2026-02-30'"),
    ("HAZARDBOT_TIMEZONE", "Asia/Peking", "unknown time zone 'Asia/Peking'"),
])
def test_a_bad_setting_is_named_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
    said_: str,
) -> None:
    monkeypatch.setenv(variable, value)
    assert run(tmp_path, "chat") == 2
    text = said(capsys)
    assert said_ in text and text.startswith("设置有误：HAZARDBOT_"), text
    assert not (tmp_path / "data").exists()  # refused before the database was touched
