"""The two-level hazard taxonomy of 附件2 填表说明 12 (``config/hazard_types.toml``): reference data like the unit
registry, read by the forms (choices), the Excel layouts (drop-down lists) and the summaries."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Choice:
    """One option: ``value`` is what is stored (the annex's Chinese term), ``label_en`` for English."""

    value: str
    label_en: str

    def label(self, locale: str) -> str:
        """The option's label in ``locale``: the English one when asked and known, else the stored Chinese
        term."""
        return self.label_en if locale == "en" and self.label_en else self.value


@dataclass(frozen=True)
class Category:
    """A hazard category of 附件2 填表说明 12 with its subtypes."""

    name: str
    name_en: str
    subtypes: tuple[Choice, ...]


@cache
def hazard_types() -> tuple[Category, ...]:
    """The two-level hazard taxonomy from ``config/hazard_types.toml`` (附件2 填表说明 12)."""
    raw = tomllib.loads((resources.files("config") / "hazard_types.toml").read_text(encoding="utf-8"))
    return tuple(
        Category(c["name"], c["name_en"], tuple(Choice(s[0], s[1]) for s in c["subtypes"]))
        for c in raw["categories"]
    )
