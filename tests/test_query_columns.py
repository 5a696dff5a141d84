"""Column declarations, the generated query reference and the parameter errors (no database)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from graph.errors import QueryParamError
from queries.columns import column_spec, columns_for, missing_declarations
from queries.commands import describe_text
from queries.docs import DOC_PATH, render_reference, splice
from queries.registry import QueryResult, all_queries, get_query
from queries.tabular import build_export, write_csv, write_xlsx


def test_every_registered_column_is_declared() -> None:
    assert all_queries()
    assert missing_declarations() == {}
    titles = {c.title for c in columns_for("closed_loop", get_query("closed_loop").columns)}
    assert {"问题类型", "逾期天数", "承办机构"} <= titles


def test_overrides_change_only_what_they_name() -> None:
    assert column_spec("cases").type == "int"
    c = column_spec("cases", "risk_clusters")
    assert (c.title, c.type) == ("案件编号", "list")
    assert column_spec("status", "liaison_coverage").title == "联系状态"
    assert column_spec("status", "liaison_coverage").type == column_spec("status").type
    assert not column_spec("no_such_column").declared


def test_docs_reference_is_generated_from_declarations() -> None:
    text = DOC_PATH.read_text(encoding="utf-8")
    assert splice(text, render_reference()) == text, "docs/queries.md drifted: run python -m queries.docs"


def test_describe_lists_parameters_and_columns() -> None:
    text = describe_text(get_query("risk_clusters"))
    assert text.startswith("风险群组（risk_clusters）")
    assert "min_size  整数  默认 / default 3  最小规模" in text
    assert "群组编号  cluster_id  编码（文本）" in text and "date_from  日期" in text


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("closed_loop", {"dayz": "3"}, ["未知参数", "dayz", "did you mean: days"]),
        ("closed_loop", {"days": "abc"}, ["days='abc'", "应为整数", "expected an integer"]),
        ("accountability_chain", {}, ["缺少必填参数", "case_no（案件编号）"]),
        ("risk_clusters", {"algorithm": "x"}, ["leiden、louvain"]),
    ],
)
def test_parameter_errors_are_bilingual(name: str, raw: dict[str, str], expected: list[str]) -> None:
    with pytest.raises(QueryParamError) as e:
        get_query(name).validate(raw)
    for part in expected:
        assert part in str(e.value)


def test_summary_becomes_tables_and_lists_are_joined() -> None:
    result = QueryResult(
        columns=["issue", "key", "date", "units"],
        rows=[
            {"issue": "移送未反馈", "key": "XS1", "date": "2026-01-05", "units": ["U01J08", "U02"]},
            {"issue": "无承办", "key": "XS2", "date": None, "units": []},
        ],
        summary={
            "days": 30,
            "by_unit": {"U01J08": {"移送未反馈": 1, "无承办": 0}},
            "overdue_transfers": ["XS1"],
            "ratings": {"好": 2},
        },
        notes=["没有反馈日期的数据"],
        period={"date_from": "2025-07-01", "date_to": "2026-06-30"},
    )
    export = build_export(
        "closed_loop", "线索闭环管理", "说明", result, params={"days": 30}, data_as_of=dt.date(2026, 6, 30)
    )
    lines = write_csv(export).decode("utf-8").splitlines()
    assert lines[0] == "\ufeff问题类型,线索或整改编号,日期,所涉单位"
    assert lines[1] == "移送未反馈,XS1,2026-01-05,U01J08、U02"
    wb = load_workbook(io.BytesIO(write_xlsx(export)))
    assert wb.sheetnames == ["线索闭环管理", "按单位汇总", "移送未反馈线索", "各评定单位数", "说明"]
    ws = wb["线索闭环管理"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D3"
    assert isinstance(ws["C2"].value, dt.date) and ws["C3"].value is None
    assert [c.value for c in wb["按单位汇总"][2]] == ["U01J08", 1, 0]
    about = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True) if r[0]}
    assert about["查询"] == "线索闭环管理" and about["数据截至"].date() == dt.date(2026, 6, 30)
    assert (
        about["统计期"] == "2025-07-01 ~ 2026-06-30"
        and about["days"] == "30"
        and about["反馈期限（天）"] == 30
    )
    assert "没有反馈日期的数据" in [r[1] for r in wb["说明"].iter_rows(values_only=True)]


def test_ingest_summary_readable_at_80_columns() -> None:
    from rich.console import Console

    from ingest.commands import print_summary
    from ingest.job import FileReport, IngestReport
    from queries.tabular import display_width

    report = IngestReport("20261127T1105-abc123", "city", dt.datetime.now().astimezone())
    for stem, typ, n in (("officers", "Officer", 12081), ("clue_transfers", "TRANSFERRED_TO", 1510)):
        report.files[stem] = FileReport(
            stem,
            "node",
            typ,
            path=f"{stem}.csv",
            encoding="utf-8-sig",
            read=n,
            loaded=n - 3,
            rejected=3,
            duplicates=1,
            unknown_columns=["备注"],
        )
    buf = io.StringIO()
    print_summary(report, Console(file=buf, width=80))
    text = buf.getvalue()
    assert "12081" in text and "12078" in text and "13591" in text and "…" not in text
    assert max(display_width(line) for line in text.splitlines()) <= 80
    assert "officers.csv: utf-8-sig；忽略列 / ignored columns: 备注" in text
