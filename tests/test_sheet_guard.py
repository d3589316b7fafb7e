"""The spreadsheet bounds themselves (``storage.excel.guard``), on files of ``tests.hostile_sheets`` and a few
more shapes the dispatcher tests do not need: lying zip sizes, entity bombs, wide rows, a dimension that lies
about a small table, formulas whose cached values are legitimately empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.contacts_import import read_rows
from storage.excel.guard import (
    DEFAULT_LIMITS,
    SheetLimits,
    SpreadsheetRefused,
    check_archive,
    open_workbook,
    rows,
    scan_workbook,
    strings_allowed,
)
from tests import hostile_sheets as hs
from tests.memory_probe import peak_growth


def write(tmp_path: Path, data: bytes, name: str = "f.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(path: Path, limits: SheetLimits = DEFAULT_LIMITS) -> SpreadsheetRefused:
    with pytest.raises(SpreadsheetRefused) as caught:
        scan_workbook(path, limits)
    return caught.value


def test_a_lying_dimension_over_a_small_table_is_read_as_the_small_table(tmp_path: Path) -> None:
    sheet = f'{hs.SHEET_HEAD}<dimension ref="A1:XFD1048576"/><sheetData>{hs.plan_top_rows()}</sheetData></worksheet>'
    path = write(tmp_path, hs.workbook(sheet))
    assert scan_workbook(path).sheets[0].declared == "A1:XFD1048576"
    with open_workbook(path) as book:
        got = list(rows(book.worksheets[0], 5))
    assert got == [("2019年度监督检查计划表", None, None, None, None), ("单位名称", "朝外街道", None, None, None)]


def test_a_member_that_inflates_beyond_its_declared_size_is_damaged_not_read(tmp_path: Path) -> None:
    name, data, _crc, _size = hs.whitespace_member(64 * hs.MIB, f"{hs.SHEET_HEAD}<sheetData>", "</sheetData></worksheet>")
    path = write(tmp_path, hs.workbook((name, data, 0, 100)))  # the directory says 100 bytes
    with peak_growth() as growth:
        assert refused(path).reason == "damaged"  # zipfile stops at the declared size: a CRC error
    assert growth.mb < 50


def test_entity_bombs_and_any_dtd_are_refused(tmp_path: Path) -> None:
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
              f'<worksheet xmlns="{hs.MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is>'
              "</c></row></sheetData></worksheet>")
    err = refused(write(tmp_path, hs.workbook(laughs)))
    assert err.reason == "bloated" and err.params.get("dtd") is True


def test_rows_columns_cells_and_members_are_counted_as_openpyxl_counts_them(tmp_path: Path) -> None:
    wide = f'{hs.SHEET_HEAD}<sheetData><row r="1"><c r="JZ1"><v>1</v></c></row></sheetData></worksheet>'
    assert refused(write(tmp_path, hs.workbook(wide))).params == {
        "reason": "too_many_columns", "sheet": "计划", "columns": 286, "max": 256}
    unnumbered = "".join("<row><c><v>1</v></c><c><v>2</v></c></row>" for _ in range(11))  # no r: counted on
    path = write(tmp_path, hs.workbook(f"{hs.SHEET_HEAD}<sheetData>{unnumbered}</sheetData></worksheet>"))
    assert refused(path, SheetLimits(max_rows=10)).params["rows"] == 11
    assert refused(path, SheetLimits(max_cells=21)).reason == "too_many_cells"
    assert scan_workbook(path).sheets[0].cells == 22
    assert refused(write(tmp_path, hs.too_many_members(20)), SheetLimits(max_members=20)).reason == "bloated"


def test_a_directory_announcing_more_entries_than_allowed_is_refused_from_its_end_record(tmp_path: Path) -> None:
    data = bytearray(hs.too_many_members(0))
    data[-12:-10] = (60_000).to_bytes(2, "little")  # entries on this disk and in all (the end record)
    data[-14:-12] = (60_000).to_bytes(2, "little")
    assert refused(write(tmp_path, bytes(data))).params["members"] == 60_000


def test_formulas_with_cached_values_pass_and_uncached_ones_are_named(tmp_path: Path) -> None:
    excel = ('<row r="1"><c r="A1"><f>1+1</f><v>2</v></c>'  # as Excel saves them: the results cached,
             '<c r="B1" t="str"><f>""</f><v></v></c></row>')  # an empty text result too
    scan_workbook(write(tmp_path, hs.workbook(f"{hs.SHEET_HEAD}<sheetData>{excel}</sheetData></worksheet>"))
                  ).refuse_uncached_formulas()
    path = write(tmp_path, hs.uncached_formulas([["=1+1", "x", "=A1*2"]]), "u.xlsx")
    with pytest.raises(SpreadsheetRefused) as caught:
        scan_workbook(path).refuse_uncached_formulas()
    assert caught.value.params == {"reason": "formulas", "cells": "Sheet!A1、Sheet!C1", "count": 2}


def test_a_csv_contact_table_is_bounded_as_well(tmp_path: Path) -> None:
    path = write(tmp_path, b"a,b\n" * 11, "c.csv")
    with pytest.raises(SpreadsheetRefused, match="too_many_rows"):
        read_rows(path, "c.csv", SheetLimits(max_rows=10))
    path = write(tmp_path, b",".join([b"x"] * 300) + b"\n", "w.csv")
    with pytest.raises(SpreadsheetRefused, match="too_many_columns"):
        read_rows(path, "w.csv")


def test_the_zip_bomb_is_refused_from_the_directory_alone(tmp_path: Path) -> None:
    path = write(tmp_path, hs.zip_bomb())
    with peak_growth() as growth:
        err = refused(path)
    assert err.reason == "bloated" and err.params["member"] == hs.SHEET and growth.mb < 20


def test_a_plan_sheet_longer_than_a_plan_is_refused_at_its_first_extra_row(tmp_path: Path) -> None:
    from bot.services.plan_sheets import PLAN_MAX_ROWS, read_plans

    plans, errors = read_plans(write(tmp_path, hs.too_many_rows(PLAN_MAX_ROWS + 500)))
    assert plans == [] and [(e.row, e.column) for e in errors] == [(PLAN_MAX_ROWS + 1, f"计划!A{PLAN_MAX_ROWS + 1}")]


def test_shared_strings_are_counted_and_bounded_by_the_cells(tmp_path: Path) -> None:
    """3 million strings in 65 MiB: refused from the zip's directory, before anything is inflated; under another
    part name, by their count as the scan streams them (never more than ``max_cells``), or at the end against the
    cells that could show them."""
    path = write(tmp_path, hs.shared_strings())
    with peak_growth() as growth:
        err = refused(path)
    assert (err.reason, err.params["member"]) == ("bloated", "xl/sharedStrings.xml") and growth.mb < 50
    small = SheetLimits(max_cells=20_000)
    err = refused(write(tmp_path, hs.shared_strings(30_000, "xl/strings.xml")), small)
    assert (err.reason, err.params["strings"], err.params["max"]) == ("too_many_strings", 20_001, 20_000)
    err = refused(write(tmp_path, hs.shared_strings(10_007, "xl/strings.xml")))
    assert (err.reason, err.params["max"]) == ("too_many_strings", strings_allowed(3)) == ("too_many_strings", 10_006)
    assert scan_workbook(write(tmp_path, hs.shared_strings(10_006, "xl/strings.xml"))).strings == 10_006


def test_a_workbook_saved_as_excel_saves_it_passes_with_its_strings_counted(tmp_path: Path) -> None:
    """Every text in the shared strings table (as Excel, WPS and XlsxWriter's default mode write it), each
    different, with long Chinese texts: within both bounds."""
    import xlsxwriter

    path = tmp_path / "excel.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("安全隐患台账")
    for r in range(2000):
        sheet.write_row(r, 0, [f"场所{r}", f"朝阳区某路{r}号", "楼道堆放杂物，堵塞疏散通道" * 8 + str(r), "清理杂物"])
    book.close()
    check_archive(path)
    scan = scan_workbook(path)
    assert (scan.strings, sum(s.cells for s in scan.sheets)) == (6001, 8000)
