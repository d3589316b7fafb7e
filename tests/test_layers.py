"""The layers import downwards only: ``storage`` (tables, migrations, readers and writers of bytes) knows
nothing of ``bot`` (use cases, channels), so the use cases can change without touching the storage and a
storage module can be read on its own; and no modules import each other, directly or round a longer circle.
Checked on the source: every import statement, also inside functions and ``TYPE_CHECKING`` blocks."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage", "reminders", "config")


def package_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])


def imported_modules(source: str, package: str) -> set[str]:
    """Every module named by an ``import`` or ``from … import`` in ``source``, a module of ``package``
    (relative imports resolved)."""
    tree = ast.parse(source)
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)  # ``from pkg import module``
    return out


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports (the migrations left out: Alembic loads them by path)."""
    paths = {module_of(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = {m for m in imported_modules(path.read_text(encoding="utf-8"), package) if m in paths} - {name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            if group:
                out.append(sorted([*group, v]))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_storage_module_imports_bot() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path.read_text(encoding="utf-8"), package_of(path))
            if m == "bot" or m.startswith("bot.")
        )
        for path in sorted((ROOT / "storage").rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_modules_import_each_other() -> None:
    assert circles(import_graph()) == []


def test_the_circle_finder_finds_a_long_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert circles(graph) == [["a", "b", "c"]]


def test_the_check_sees_imports_inside_functions_and_relative_ones() -> None:
    source = "def f():\n    from bot.core import open_core\n    import bot.settings\nfrom ..services import x\n"
    assert imported_modules(source, "bot.forms") == {
        "bot.core", "bot.core.open_core", "bot.settings", "bot.services", "bot.services.x"}
