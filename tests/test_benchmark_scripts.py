"""The benchmark scripts still fit the code they drive (``sender_cpu.py`` once stopped working after a refactor,
``bench_status.py --parts`` called a removed function, and nobody knew until the next run): each one imports, and
each one with options answers ``--help`` — run as ``python benchmarks/X.py --help`` is, in this process, without
running the benchmark (every script parses its options before any work). Their types are checked by
``mypy bot benchmarks``, the README's test command, which ``.ci/run`` runs verbatim."""

from __future__ import annotations

import importlib
import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for p in (ROOT / "benchmarks").glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_each_benchmark_imports_and_answers_help(script: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    importlib.import_module(f"benchmarks.{script.stem}")
    if "argparse" not in script.read_text(encoding="utf-8"):
        return  # a helper module or a script driven by another one (its arguments are positional)
    monkeypatch.setattr(sys, "argv", [str(script), "--help"])
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(script), run_name="__main__")
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("usage: "), script.name


def test_the_benchmarks_are_all_there() -> None:
    """The scripts the README's performance table names are among those imported above."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = {part.split("`", 1)[0] for part in readme.split("`benchmarks/")[1:]}
    scripts = {p.name for p in SCRIPTS}
    assert {n for n in named if n.endswith(".py")} <= scripts
    assert {"sender_cpu.py", "bench_status.py", "form_step.py", "startup.py"} <= scripts


def test_ci_runs_the_readme_test_command_with_mypy_over_the_benchmarks() -> None:
    """README, docs/development.md and ``.ci/run`` name one test command, and it type-checks benchmarks/."""
    def command(path: Path) -> str:
        (line,) = [x for x in path.read_text(encoding="utf-8").splitlines()
                   if x.startswith("python3 -m venv .venv") and "pytest" in x]
        return line

    readme = command(ROOT / "README.md")
    assert command(ROOT / ".ci" / "run") == readme == command(ROOT / "docs" / "development.md")
    assert "&& .venv/bin/mypy bot benchmarks &&" in readme
