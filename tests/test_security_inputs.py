"""Row 6 of the security review: crafted input files. A workbook that would unpack or pad into
gigabytes is refused by name before it is read; an oversize cell (CSV or .xlsx) rejects its own
row with the reason, and the valid row beside it still loads."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from graph.errors import InputFileError
from ingest.columns import InputSpec, input_specs
from ingest.reader import MAX_CELL_CHARS, read_table
from ingest.validate import validate_table

HEADER = ["警号", "姓名", "职级"]


def officers() -> InputSpec:
    return next(s for s in input_specs() if s.file == "officers")


def _workbook(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _replace_part(xlsx: bytes, part: str, content: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, content if info.filename == part else src.read(info.filename))
    return out.getvalue()


def _sheet(rows: list[list[str]]) -> bytes:
    cols = "ABC"
    body = "".join(
        f'<row r="{i}">'
        + "".join(f'<c r="{cols[j]}{i}" t="inlineStr"><is><t>{v}</t></is></c>' for j, v in enumerate(row))
        + "</row>"
        for i, row in enumerate(rows, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>'
    ).encode()


def test_oversize_csv_field_rejects_only_its_row(tmp_path: Path) -> None:
    big = "长" * 1_000_000  # past the csv module's default 128 KB limit ("broken quoting" before)
    path = tmp_path / "officers.csv"
    path.write_text(
        f'警号,姓名,职级\n010001,张伟,科员\n010002,"{big}",科员\n010003,李娜,科级\n', encoding="utf-8"
    )
    table = read_table(path, officers())
    valid, rejects = validate_table(table, officers())
    assert [v.line for v in valid] == [2, 4]
    assert [(r.line, r.file) for r in rejects] == [(3, "officers.csv")]
    assert "姓名" in rejects[0].reason and f"{MAX_CELL_CHARS:,}" in rejects[0].reason
    assert len(str(rejects[0].row)) < 1000  # the rejects file does not copy the megabyte


def test_oversize_xlsx_cell_rejects_only_its_row(tmp_path: Path) -> None:
    base = _workbook([HEADER, ["010001", "张伟", "科员"]])
    sheet = _sheet([HEADER, ["010001", "张伟", "科员"], ["010002", "x" * (MAX_CELL_CHARS + 1), "科员"]])
    path = tmp_path / "officers.xlsx"
    path.write_bytes(_replace_part(base, "xl/worksheets/sheet1.xml", sheet))
    valid, rejects = validate_table(read_table(path, officers()), officers())
    assert [v.line for v in valid] == [2] and [r.line for r in rejects] == [3]
    assert "单元格过长" in rejects[0].reason


def test_far_right_cell_is_not_padded(tmp_path: Path) -> None:
    """One cell at XFD made every streamed row 16,384 cells wide (gigabytes for a small file);
    cells right of column MAX_COLUMNS are not read (no schema column lives there)."""
    base = _workbook([HEADER, ["010001", "张伟", "科员"]])
    rows = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>0{i:05d}</t></is></c>'
        f'<c r="XFD{i}" t="inlineStr"><is><t>x</t></is></c></row>'
        for i in range(2, 2000)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>警号</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>姓名</t></is></c><c r="C1" t="inlineStr"><is><t>职级</t></is></c>'
        f"</row>{rows}</sheetData></worksheet>"
    ).encode()
    path = tmp_path / "officers.xlsx"
    path.write_bytes(_replace_part(base, "xl/worksheets/sheet1.xml", sheet))
    table = read_table(path, officers())
    assert len(table.rows) == 1998
    assert max(len(cells) for _, cells in table.rows) == 3  # 16,384 per row before
    assert table.rows[0] == (2, ["000002", "", ""])


def test_zip_bomb_workbook_is_refused_by_name(tmp_path: Path) -> None:
    """A few hundred KB that unpack into one 64 MB string (3 GB of memory before)."""
    base = _workbook([HEADER, ["010001", "张伟", "科员"]])
    huge = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        + "A" * (64 * 1024 * 1024)
        + "</t></is></c></row></sheetData></worksheet>"
    ).encode()
    path = tmp_path / "officers.xlsx"
    path.write_bytes(_replace_part(base, "xl/worksheets/sheet1.xml", huge))
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(InputFileError, match=r"officers\.xlsx: 压缩比异常"):
        read_table(path, officers())
