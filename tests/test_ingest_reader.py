"""Reading and validating input files, without a database."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from graph.errors import InputFileError
from graph.schema import Officer, Posting
from ingest.columns import header_index, input_specs, normalise_header
from ingest.contract import example_row, render_contract
from ingest.reader import decode_text, read_table, scan_folder
from ingest.validate import validate_table

DATA = Path(__file__).parent / "data" / "ingest"
SPECS = {s.file: s for s in input_specs()}
REPO = Path(__file__).resolve().parent.parent


def test_headers_accept_english_names_chinese_titles_and_aliases() -> None:
    idx = header_index(Posting)
    for header, field in [
        ("badge_no", "badge_no"),
        ("警号", "badge_no"),
        ("任职日期", "start_date"),
        ("起始日期", "start_date"),
        ("开始日期", "start_date"),
        ("Unit_Code", "unit_code"),
    ]:
        assert idx[normalise_header(header)] == field
    assert header_index(Officer)[normalise_header(" \ufeff警 号* ")] == "badge_no"
    assert normalise_header("ＢＡＤＧＥ＿ＮＯ") == "badge_no"  # full-width letters


def test_encodings_are_detected_strictly() -> None:
    text = "警号,姓名\n010001,欧阳·娜娜\n"
    assert decode_text(text.encode("utf-8"), "a.csv") == (text, "UTF-8")
    assert decode_text(text.encode("utf-8-sig"), "a.csv") == (text, "UTF-8 (BOM)")
    assert decode_text(text.encode("gbk"), "a.csv") == (text, "GBK/GB18030")


def test_clean_folder_files_and_ignored() -> None:
    inputs = scan_folder(DATA / "clean")
    assert inputs.ignored == ["notes.txt"] and not inputs.conflicts
    assert inputs.files["postings"].name == "postings.xlsx"


def test_two_files_for_one_type_is_a_conflict(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text("单位编码\n", encoding="utf-8")
    (tmp_path / "Units.xlsx").write_bytes(b"")
    inputs = scan_folder(tmp_path)
    assert "units" in inputs.conflicts and "units" not in inputs.files


def test_line_numbers_are_physical_lines_where_the_record_starts() -> None:
    table = read_table(DATA / "clean" / "clues.csv", SPECS["clues"])
    assert [line for line, _ in table.rows] == [2, 3, 5]
    assert table.rows[1][1][5] == "反映窗口辅警态度差,\n多次推诿"


def test_gbk_file_reads_middle_dot_names() -> None:
    table = read_table(DATA / "clean" / "officers.csv", SPECS["officers"])
    valid, rejects = validate_table(table, SPECS["officers"])
    assert table.encoding == "GBK/GB18030" and not rejects
    assert [r.record.name for r in valid][:3] == ["欧阳·娜娜", "张伟", "买买提·艾力"]  # type: ignore[attr-defined]


def test_xlsx_numbers_dates_and_blank_rows(tmp_path: Path) -> None:
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["警号", "姓名", "职级", "出生年份", "高风险岗位"])
    ws.append([10001, "张伟", "处级", 1980.0, True])
    ws.append([None, None, None, None, None])
    ws.append(["010002", "李娜", "科员", None, None])
    wb.save(tmp_path / "officers.xlsx")
    table = read_table(tmp_path / "officers.xlsx", SPECS["officers"])
    assert table.rows == [
        (2, ["10001", "张伟", "处级", "1980", "是"]),
        (4, ["010002", "李娜", "科员", "", ""]),
    ]
    valid, rejects = validate_table(table, SPECS["officers"])
    assert not rejects and valid[0].record.high_risk_post is True  # type: ignore[attr-defined]
    wb = openpyxl.Workbook()
    wb.active.append(["警号", "单位编码", "开始日期"])
    wb.active.append(["010001", "U01", dt.datetime(2024, 3, 5)])
    wb.save(tmp_path / "postings.xlsx")
    valid, _ = validate_table(read_table(tmp_path / "postings.xlsx", SPECS["postings"]), SPECS["postings"])
    assert valid[0].record.start_date == dt.date(2024, 3, 5)  # type: ignore[attr-defined]


def test_duplicate_columns_for_one_field_fail_the_file(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text("code,单位编码,单位名称,单位类型,层级\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="units.csv.*同一字段"):
        read_table(tmp_path / "units.csv", SPECS["units"])


def test_missing_required_column_names_file_and_column() -> None:
    with pytest.raises(InputFileError) as e:
        read_table(DATA / "missing_column" / "officers.csv", SPECS["officers"])
    assert "officers.csv" in str(e.value) and "警号" in str(e.value) and "badge_no" in str(e.value)


def test_broken_quote_fails_the_whole_file() -> None:
    with pytest.raises(InputFileError, match="officers.csv.*引号"):
        read_table(DATA / "bad_quote" / "officers.csv", SPECS["officers"])


def test_tab_separated_export_is_read(tmp_path: Path) -> None:
    (tmp_path / "officers.csv").write_text("警号\t姓名\t职级\n010001\t张伟\t处级\n", encoding="utf-8")
    table = read_table(tmp_path / "officers.csv", SPECS["officers"])
    assert table.rows == [(2, ["010001", "张伟", "处级"])]


def test_committed_contract_equals_the_generated_one() -> None:
    committed = (REPO / "docs" / "input-contract.md").read_text(encoding="utf-8")
    assert committed == render_contract(), "run: python -m ingest.contract > docs/input-contract.md"


def test_contract_covers_every_file_and_column() -> None:
    text = render_contract()
    for spec in input_specs():
        assert f"### `{spec.file}`" in text
        for name in spec.model.model_fields:
            assert f"`{name}`" in text


@pytest.mark.parametrize("stem", sorted(SPECS))
def test_every_example_row_of_the_contract_is_valid(stem: str, tmp_path: Path) -> None:
    headers, values = example_row(SPECS[stem])
    path = tmp_path / f"{stem}.csv"
    path.write_text(",".join(headers) + "\n" + ",".join(values) + "\n", encoding="utf-8")
    valid, rejects = validate_table(read_table(path, SPECS[stem]), SPECS[stem])
    assert len(valid) == 1 and rejects == []
