"""A submitted file is what its bytes are, never what its name or type says; what is kept is bounded first."""

from __future__ import annotations

import io
import zipfile

import pytest

from storage.images import MAX_FILE_BYTES
from storage.upload_kinds import (
    FileKindRefused,
    UploadTooBig,
    check_size,
    kind_changed,
    named_outside_kinds,
    safe_name,
    sniff,
)
from tests.inbox_helpers import make_docx, make_pdf


def _zip(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members.items():
            z.writestr(name.replace("__", "/"), data)
    return buffer.getvalue()


def test_documents_are_recognised_by_their_bytes() -> None:
    assert sniff(make_pdf(), "x.exe").ext == ".pdf"
    assert sniff(make_docx(), "notes.pdf").ext == ".docx"
    assert sniff(_zip(**{"[Content_Types].xml": b"<x/>", "xl__workbook.xml": b"<x/>"})).ext == ".xlsx"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "表.xls").ext == ".xls"
    assert sniff("十一月工作信息".encode()).mime == "text/plain"


@pytest.mark.parametrize("data", [
    b"", b"MZ\x90\x00" + bytes(range(256)), b"\x7fELF" + b"\0" * 64, _zip(payload__run=b"#!/bin/sh"),
    _zip(**{"[Content_Types].xml": b"<x/>", "other__x": b""}), b"PK\x03\x04 truncated", "文字".encode("gbk") + b"\x00",
])
def test_anything_else_is_refused(data: bytes) -> None:
    with pytest.raises(FileKindRefused):
        sniff(data, "report.pdf")


def test_size_is_bounded_before_anything_is_read() -> None:
    check_size(None)
    check_size(MAX_FILE_BYTES)
    with pytest.raises(UploadTooBig):
        check_size(MAX_FILE_BYTES + 1)
    with pytest.raises(UploadTooBig):
        sniff(b"%PDF-" + b"\0" * MAX_FILE_BYTES)


def test_the_name_sent_back_is_safe_and_says_what_the_bytes_are() -> None:
    pdf = sniff(make_pdf())
    assert safe_name("../../etc/passwd", pdf) == "passwd.pdf"
    assert safe_name("C:\\坏\\总结.exe", pdf) == "总结.pdf"
    assert safe_name("工作信息 v2.pdf", pdf) == "工作信息 v2.pdf"
    assert safe_name(None, pdf, "photo") == "photo.pdf"
    # a right-to-left override would show "总结\u202efdp.exe" as "总结exe.pdf": invisible reordering is removed
    assert safe_name("总结\u202efdp.exe", pdf) == "总结_fdp.pdf"
    assert safe_name("a\u200b\u2066b\x85c.pdf", pdf) == "a_b_c.pdf"
    assert len(safe_name("长" * 500 + ".pdf", pdf)) == 120


def test_no_invisible_format_or_line_breaking_character_survives_in_a_name() -> None:
    """Every control (Cc), format (Cf: soft hyphen, tag characters that spell hidden text, interlinear
    annotations, the Mongolian vowel separator …) and line or paragraph separator (Zl, Zp: a new line, and
    for the bidirectional algorithm a new paragraph) is replaced, as U+202E is."""
    import sys
    import unicodedata

    pdf = sniff(make_pdf())
    hidden = [chr(c) for c in range(sys.maxunicode + 1)
              if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp")]
    kept = [f"U+{ord(ch):04X}" for ch in hidden if ch in safe_name(f"a{ch}b.pdf", pdf)]
    assert kept == [], kept
    assert safe_name("验收\u2029单\U000e0041\U000e0042.pdf", pdf) == "验收_单.pdf"


def test_an_office_file_that_unpacks_to_far_more_than_it_is_is_refused() -> None:
    """A 1 MB workbook holding 1 GiB (``tests.hostile_sheets.zip_bomb``) is no document to keep and send on to the
    office; a real workbook and a Word file pass."""
    import openpyxl

    from tests.hostile_sheets import zip_bomb

    with pytest.raises(FileKindRefused):
        sniff(zip_bomb(), "验收.xlsx")
    book = openpyxl.Workbook()
    book.active.append(["验收项目", "已清理"] * 50)  # type: ignore[union-attr]
    data = io.BytesIO()
    book.save(data)
    assert sniff(data.getvalue(), "验收.xlsx").ext == ".xlsx"
    assert sniff(make_docx(), "验收.docx").ext == ".docx"


def test_a_name_contradicted_by_the_bytes_is_told_and_a_name_of_no_kind_kept_is_known_unfetched() -> None:
    text = sniff("说明".encode(), "fake.pdf")
    assert kind_changed("fake.pdf", safe_name("fake.pdf", text)) and safe_name("fake.pdf", text) == "fake.txt"
    assert not kind_changed("照片.JPEG", "照片.jpg") and not kind_changed("扫描件", "扫描件.pdf")
    assert named_outside_kinds("数据.bin") and named_outside_kinds("a.tar.gz")
    assert not named_outside_kinds("报告.PDF") and not named_outside_kinds("无扩展名") and not named_outside_kinds("表.et")


@pytest.mark.parametrize("text", ["名称\u009b31m,地址", "名称\u0085地址", "a\x7fb"])
def test_a_text_with_a_c1_control_or_delete_is_refused_in_either_encoding(text: str) -> None:
    """C1 controls (U+0080–U+009F: U+009B is a terminal's CSI) and DEL are control characters as much as C0 ones;
    GB18030 decodes its four-byte sequences to any of them, as UTF-8 does."""
    for encoding in ("utf-8", "gb18030"):
        with pytest.raises(FileKindRefused):
            sniff(text.encode(encoding), "台账.csv")
