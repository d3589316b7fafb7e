"""How stored answers read on a review card or a record card, in the user's language."""

from __future__ import annotations

from typing import Any

from bot.forms.spec import FieldSpec, hazard_types

_UNITS = {"zh": {"fine_amount": " 万元", "area": " 平方米"}, "en": {"fine_amount": " ×10k CNY", "area": " m²"}}


def display(spec: FieldSpec, value: Any, locale: str) -> str:
    """A one-line rendering of ``value`` for field ``spec``; ``—`` when empty. Never raises."""
    if spec.type == "hazard_link" and value == []:
        return "None" if locale == "en" else "无"
    if value is None or value == "" or value == []:
        return "—"
    words = _UNITS["en" if locale == "en" else "zh"]
    if spec.repeat:
        count = len(value)
        return f"{count} row(s)" if locale == "en" else f"共 {count} 条"
    if spec.type == "choice":
        for choice in spec.choices:
            if choice.value == value:
                return choice.label(locale)
        return str(value)
    if spec.type == "tree":
        category, subtype = (list(value) + [None])[:2]
        for cat in hazard_types():
            if cat.name == category:
                cat_label = cat.name_en if locale == "en" else cat.name
                sub = next((s.label(locale) for s in cat.subtypes if s.value == subtype), subtype)
                return f"{cat_label} / {sub}" if sub else cat_label
        return " / ".join(str(v) for v in value if v)
    if spec.type == "photos":
        count = len(value)
        return f"{count} photo(s)" if locale == "en" else f"{count} 张"
    if spec.type == "location":
        parts = []
        if value.get("address"):
            parts.append(str(value["address"]))
        if value.get("lat") is not None:
            parts.append(f"({value['lat']:.5f}, {value['lon']:.5f})")
        return " ".join(parts) or "—"
    if spec.type == "hazard_link":
        return "、".join(str(item[1]) for item in value)
    if spec.type == "decimal":
        unit = words["fine_amount"] if spec.key == "fine_amount" else words["area"] if "area" in spec.key else ""
        return f"{value}{unit}"
    return str(value)


def evidence(spec: FieldSpec, data: dict[str, Any], locale: str) -> str:
    """The answer of a photos field that also takes ``documents`` as one line: its photos counted *as photos*
    ("2 张照片", not the bare "2 张" of a photos-only field) and its document named ("📄 验收单.pdf"); ``—`` when
    neither was sent. Any other field: ``display``. Never raises."""
    document = data.get(f"{spec.key}_document") if spec.documents else None
    if not spec.documents:
        return display(spec, data.get(spec.key), locale)
    count = len(data.get(spec.key) or [])
    parts = [f"{count} photo(s)" if locale == "en" else f"{count} 张照片"] if count else []
    if document:
        parts.append(f"📄 {document[1]}")
    return " + ".join(parts) or "—"
