"""Domain errors name their code in the class line (``class NotFound(DomainError, code="not_found")``,
``storage.errors.DomainError.__init_subclass__``): every error of the services and storage has a code of its
own, so a class declared without one (which would fall back to ``domain_error``) or a code given twice is
caught here rather than shown to a user as the wrong text."""

from __future__ import annotations

import importlib
import pkgutil

import bot.services
import reminders
import storage
from storage.errors import DomainError


def _all_errors() -> list[type[DomainError]]:
    for package in (bot.services, reminders, storage):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)
    found, todo = [], [DomainError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def test_every_domain_error_has_a_code_of_its_own() -> None:
    errors = [e for e in _all_errors() if e.__module__.split(".")[0] in {"bot", "reminders", "storage"}]
    assert len(errors) > 40
    assert [e.__name__ for e in errors if e.code == DomainError.code] == []
    by_code: dict[str, list[str]] = {}
    for e in errors:
        if e.code != next((b.code for b in e.__mro__[1:] if issubclass(b, DomainError)), None):
            by_code.setdefault(e.code, []).append(e.__name__)
    assert {c: names for c, names in by_code.items() if len(names) > 1} == {}


def test_the_code_in_the_class_line_is_the_code_raised() -> None:
    class Example(DomainError, code="example_code"):
        """An error of this test."""

    class Child(Example):
        """Inherits its parent's code."""

    assert (Example.code, Child.code, DomainError.code) == ("example_code", "example_code", "domain_error")
    assert str(Example(field="x")) == "example_code: {'field': 'x'}"
