"""What the three documents tell people to type is true (issue 20): every ``hazardbot …`` in their ```sh blocks names
a subcommand and options the real parser has, every bot command the README's table lists is in the command catalog,
and the README's quick-start walk — invites, then ``hazardbot chat`` fed the README's lines on standard input — is run
as the README shows it, to a registered hazard and a /status with numbers, its printed transcript checked line by
line against the real output."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.services.commands import BY_NAME

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", ROOT / "docs" / "operations.md", ROOT / "docs" / "development.md"]
SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")"}


def blocks(path: Path, language: str) -> list[str]:
    """The fenced blocks of ``language`` in the Markdown file ``path``."""
    return re.findall(rf"^```{language}\n(.*?)^```", path.read_text(encoding="utf-8"), re.M | re.S)


def invocations(script: str) -> list[list[str]]:
    """Each ``hazardbot`` invocation in a shell ``script``: its words after the program, up to the end of that
    command. The program is ``hazardbot`` where a command starts (after ``&&``, ``|``, ``$(``, variable
    assignments) or any path ending in ``/bin/hazardbot``; ``[…]`` marks optional words and is dropped."""
    found = []
    for line in script.replace("\\\n", " ").splitlines():  # a command continued with a backslash is one line
        line = line.replace("$(", " ( ")
        try:
            words = shlex.split(line, comments=True)
        except ValueError:  # an unclosed quote in a prose-like line: not a command
            continue
        start = True
        for i, word in enumerate(words):
            if word in SEPARATORS:
                start = True
                continue
            program = word.endswith("/bin/hazardbot") or (start and word == "hazardbot")
            if program:
                rest = []
                for w in words[i + 1:]:
                    if w in SEPARATORS or w.startswith(("<", ">")) or w.startswith("2>"):
                        break
                    rest.append(w.strip("[]"))
                found.append([w for w in rest if w])
            start = start and bool(re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", word))
    return found


def check(parser: argparse.ArgumentParser, words: list[str]) -> list[str]:
    """Problems of ``words`` as arguments of ``parser``: an unknown subcommand or option, a value outside a choice
    (``a|b`` alternatives each checked). Values are not parsed: files and dates in documents are examples."""
    problems = []
    options: dict[str, argparse.Action] = {}
    subparsers = None
    positionals: list[argparse.Action] = []
    current = parser
    i = 0

    def learn(p: argparse.ArgumentParser) -> None:
        nonlocal subparsers, positionals
        subparsers, positionals = None, []
        for action in p._actions:
            for option in action.option_strings:
                options[option] = action
            if isinstance(action, argparse._SubParsersAction):
                subparsers = action
            elif not action.option_strings:
                positionals.append(action)

    learn(current)
    while i < len(words):
        word = words[i]
        if word.startswith("-"):
            name = word.split("=", 1)[0]
            action = options.get(name)
            if action is None:
                problems.append(f"unknown option {name}")
            elif action.nargs != 0 and "=" not in word:
                i += 1
                value = words[i] if i < len(words) else ""
                if action.choices and not all(v in action.choices for v in value.split("|")):
                    problems.append(f"{name} {value} not in {list(action.choices)}")
        elif subparsers is not None:
            if word not in subparsers.choices:
                problems.append(f"unknown subcommand {word}")
                break
            current = subparsers.choices[word]
            learn(current)
        elif positionals:
            action = positionals.pop(0)
            if action.choices and not all(v in action.choices for v in word.split("|")):
                problems.append(f"{word} not in {list(action.choices)}")
        i += 1
    if subparsers is not None and subparsers.required and not {"-h", "--help"} & set(words):
        problems.append("a subcommand is missing")
    return problems


def test_every_documented_hazardbot_command_exists_in_the_cli() -> None:
    parser = build_parser()
    seen = 0
    problems = []
    for path in DOCUMENTS:
        for block in blocks(path, "sh") + blocks(path, "ini"):
            for words in invocations(block):
                seen += 1
                problems += [f"{path.name}: hazardbot {' '.join(words)}: {p}" for p in check(parser, words)]
    assert seen >= 20, seen
    assert problems == []


def test_the_checker_refuses_what_the_cli_does_not_have() -> None:
    parser = build_parser()
    assert check(parser, ["export", "hazards", "--unit", "建外街道", "-o", "x.xlsx"]) == []
    assert check(parser, ["export", "hazard", "-o", "x.xlsx"]) != []
    assert check(parser, ["invite", "--role", "inspector", "--unitt", "x"]) != []
    assert check(parser, ["db"]) != []
    assert invocations("A=$(.venv/bin/hazardbot invite --role office --unit X | tail -1)") == [
        ["invite", "--role", "office", "--unit", "X"]]
    assert invocations("sudo -u hazardbot pg_restore --dbname=hazardbot") == []


def test_every_command_in_the_readme_table_is_in_the_catalog_and_back() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `/")]
    named = set(re.findall(r"`/([a-z_]+)", "".join(rows)))
    assert named == set(BY_NAME)


def walk_script() -> str:
    """The README's quick-start walk: the ```sh block that pipes lines into ``hazardbot chat``."""
    (script,) = [b for b in blocks(ROOT / "README.md", "sh") if "hazardbot chat <<EOF" in b]
    return script


def normal(line: str) -> str:
    """A transcript line with what depends on today's date made alike: long numbers (draft and ledger numbers carry
    the date), dates and years."""
    line = re.sub(r"\d{9,}", "N", line)
    line = re.sub(r"20\d\d-\d\d-\d\d", "DATE", line)
    return re.sub(r"20\d\d", "YEAR", line).strip()


def test_the_readme_walk_reaches_a_registered_hazard_and_a_status_with_numbers(tmp_path: Path) -> None:
    program = Path(sys.executable).parent / "hazardbot"
    assert program.exists(), program
    script = walk_script().replace(".venv/bin/hazardbot", str(program))
    env = {**os.environ, "HOME": str(tmp_path)}
    for name in list(env):
        if name.startswith("HAZARDBOT_"):
            del env[name]
    env["MPLCONFIGDIR"] = str(tmp_path / "mpl")
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "level=error" not in run.stderr and "Traceback" not in run.stderr, run.stderr[-3000:]
    out = run.stdout
    # the three optional questions the README says are skipped are skipped (跳过 moves with the departments' count)
    assert "• 上级集团公司名称：—" in out and "• 所属区行业部门：—" in out and "• 所属市行业部门：—" in out, out[-6000:]
    assert f"运行 {program} invite --role" in out  # the banner names the program as it was started
    assert (tmp_path / "hazardbot-try" / "hazardbot.db").exists()  # the README's data directory, not the default
    assert "确认挂账。当前状态：已挂账，整改中。" in out and "在账隐患 1 项" in out, out[-3000:]
    refused = [line for line in out.splitlines() if line.strip().startswith("! ") or "⚠️" in line]
    assert refused == [], "a line of the walk was refused:\n" + out[-3000:]
    # the transcript the README prints: each of its lines in the real output, in order
    (transcript,) = [b for b in blocks(ROOT / "README.md", "text") if "确认挂账" in b]
    real = [normal(line) for line in out.splitlines()]
    position = 0
    for line in transcript.splitlines():
        want = normal(line)
        found = next((i for i in range(position, len(real)) if real[i].endswith(want) and want), None)
        assert found is not None, f"README line not in the real output (after line {position}): {line}"
        position = found + 1


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HAZARDBOT_CONFIG", raising=False)


def test_every_setting_is_in_the_operations_guide() -> None:
    from bot.settings import Settings
    from reminders.settings import ReminderSettings

    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields
               if f"HAZARDBOT_{name.upper()}" not in text and not re.search(rf"\b{name}\b", text)]
    missing += [f"HAZARDBOT_REMINDERS_{name.upper()}" for name in ReminderSettings.model_fields
                if f"HAZARDBOT_REMINDERS_{name.upper()}" not in text and f"…_{name.upper()}" not in text]
    assert missing == []
    assert "HAZARDBOT_WEBHOOK_SECRET" in text and "at least once" in text.lower().replace("-", " ")
