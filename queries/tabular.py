"""The one writer of query results as CSV and XLSX (the command line and the API share it).

What an analyst gets:

* headers are the declared Chinese titles (``headers="en"``: the field names);
* XLSX cells are typed from the column declarations (``queries/columns.toml``): dates as dates,
  integers, percentages with a percent format, codes and badge numbers as text; a frozen header
  row, an autofilter and column widths fitted to the content; the summary as real tables, one
  sheet each (never JSON in a cell); a ``说明`` sheet with the query, its parameters, period, the
  data's as-of date, the notes and each column's meaning;
* CSV is UTF-8 with a BOM, the main table only, lists joined with ``、``.

Formula injection: a text value that a spreadsheet would execute (starting with ``= + - @``, tab
or CR) is never a formula. XLSX writes every text as a string cell (``data_type = "s"``, so
openpyxl does not turn ``=…`` into ``<f>``); CSV, which has no cell types, prefixes such a value
with an apostrophe (the OWASP advice), which Excel and LibreOffice show as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from queries.columns import TYPE_TITLES, ColumnSpec, columns_for, summary_title

__all__ = [
    "Export",
    "Sheet",
    "build_export",
    "summary_parts",
    "cell_text",
    "neutralise",
    "write_csv",
    "write_xlsx",
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIST_SEP = "、"
MAX_WIDTH = 60
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # what XML (and openpyxl) refuse
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
FLOAT_FORMAT = "0.00"


@dataclass
class Sheet:
    """One table: a name (the sheet's), its columns and rows keyed by field name."""

    name: str
    columns: list[ColumnSpec]
    rows: list[dict[str, Any]]


@dataclass
class Export:
    """Everything an export shows about one run of a query."""

    query: str
    title: str
    description: str
    params: list[tuple[str, str, Any]]  # (name, Chinese title, value used)
    table: Sheet
    period: dict[str, Any] = field(default_factory=dict)
    data_as_of: dt.date | None = None
    notes: list[str] = field(default_factory=list)
    summary_items: list[tuple[str, Any]] = field(default_factory=list)  # (title, scalar)
    summary_tables: list[Sheet] = field(default_factory=list)


# -- values --------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """A text that a spreadsheet program would run as a formula, made inert for CSV."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _join(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple | set):
        return LIST_SEP.join(_join(v) for v in value)
    if isinstance(value, Mapping):
        return "；".join(f"{summary_title(str(k))}：{_join(v)}" for k, v in value.items())
    if hasattr(value, "iso_format"):
        return str(value.iso_format())
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def cell_text(value: Any, col: ColumnSpec | None = None) -> str:
    """The text of a value as CSV and the terminal show it (not neutralised)."""
    return _join(value)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_native"):
        native = value.to_native()
        return native.date() if isinstance(native, dt.datetime) else native
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _typed(value: Any, col: ColumnSpec) -> tuple[Any, str | None]:
    """(cell value, number format) for XLSX; a value that does not fit its type becomes text."""
    if value is None:
        return None, None
    t = col.type
    if t == "date":
        d = _as_date(value)
        if d is not None:
            return d, DATE_FORMAT
    elif t == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value, None
    elif t in ("int", "float", "percent") and isinstance(value, int | float) and not isinstance(value, bool):
        return value, PERCENT_FORMAT if t == "percent" else (None if t == "int" else FLOAT_FORMAT)
    elif t == "bool" and isinstance(value, bool):
        return ("是" if value else "否"), None
    return _join(value), None


# -- building ------------------------------------------------------------------------------------


def _param_list(params: BaseModel | Mapping[str, Any] | None) -> list[tuple[str, str, Any]]:
    if params is None:
        return []
    if isinstance(params, BaseModel):
        fields = type(params).model_fields
        return [(name, fields[name].title or name, _join(getattr(params, name))) for name in fields]
    return [(str(k), str(k), _join(v)) for k, v in params.items()]


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("", title)[:31] or "表"
    name, i = base, 2
    while name in used:
        suffix = f"_{i}"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(name)
    return name


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | dt.date)


def summary_parts(summary: Mapping[str, Any], query: str) -> tuple[list[tuple[str, Any]], list[Sheet]]:
    """Split a query's summary into scalar items and tables (lists and mappings)."""
    items: list[tuple[str, Any]] = []
    tables: list[Sheet] = []
    for key, value in summary.items():
        title = summary_title(key)
        if _is_scalar(value):
            items.append((title, value))
        elif isinstance(value, list | tuple) and all(_is_scalar(v) for v in value):
            ints = value and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            col = ColumnSpec(name=key, title=title, type="int" if ints else "code")
            tables.append(Sheet(title, [col], [{key: v} for v in value]))
            items.append((title, f"{len(value)} 项，见工作表“{title}”" if value else "（无）"))
        elif isinstance(value, list | tuple) and all(isinstance(v, Mapping) for v in value):
            names: list[str] = []
            for row in value:
                names += [k for k in row if k not in names]
            tables.append(Sheet(title, columns_for(query, names), [dict(v) for v in value]))
        elif isinstance(value, Mapping) and value and all(isinstance(v, Mapping) for v in value.values()):
            inner: list[str] = []
            for row in value.values():
                inner += [k for k in row if k not in inner]
            first = ColumnSpec(name="_key", title="项目", type="code")
            cols = [first, *(ColumnSpec(name=k, title=summary_title(k), type="int") for k in inner)]
            tables.append(Sheet(title, cols, [{"_key": k, **dict(v)} for k, v in value.items()]))
        elif isinstance(value, Mapping) and all(_is_scalar(v) for v in value.values()):
            cols = [
                ColumnSpec(name="_key", title="项目"),
                ColumnSpec(name="_value", title="数值", type="int"),
            ]
            tables.append(Sheet(title, cols, [{"_key": k, "_value": v} for k, v in value.items()]))
        else:
            items.append((title, _join(value)))
    return items, tables


def build_export(
    query: str,
    title: str,
    description: str,
    result: Any,
    *,
    params: BaseModel | Mapping[str, Any] | None = None,
    rows: list[dict[str, Any]] | None = None,
    data_as_of: dt.date | None = None,
    columns: list[str] | None = None,
) -> Export:
    """An ``Export`` of a ``QueryResult``. ``rows`` replaces the result's rows (the API passes
    masked rows); ``columns`` chooses and orders columns (default: the result's, then any other
    key the rows carry)."""
    rows = result.rows if rows is None else rows
    names = list(columns) if columns else list(result.columns)
    if not columns:
        for row in rows:
            names += [k for k in row if k not in names]
    table = Sheet(_sheet_name(title, set()), columns_for(query, names), rows)
    items, tables = summary_parts(result.summary or {}, query)
    return Export(
        query=query,
        title=title,
        description=description,
        params=_param_list(params),
        table=table,
        period=dict(result.period or {}),
        data_as_of=data_as_of,
        notes=list(result.notes or []),
        summary_items=items,
        summary_tables=tables,
    )


# -- CSV -----------------------------------------------------------------------------------------


def csv_rows(sheet: Sheet, headers: str = "zh") -> Iterable[list[str]]:
    yield [neutralise(c.header(headers)) for c in sheet.columns]
    for row in sheet.rows:
        yield [neutralise(cell_text(row.get(c.name), c)) for c in sheet.columns]


def write_csv(export: Export, headers: str = "zh") -> bytes:
    """The main table as UTF-8 CSV with a BOM (Excel then reads Chinese correctly)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(csv_rows(export.table, headers))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# -- XLSX ----------------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns a text takes in a fixed-width grid (CJK and full-width characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _put(ws: Any, row: int, col: int, value: Any, fmt: str | None = None) -> Any:
    """Write one cell; text is always a string cell (never a formula or an error value)."""
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if fmt:
        cell.number_format = fmt
    return cell


def _fit(ws: Any, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(w, 4) + 2, MAX_WIDTH)


def _print_setup(ws: Any) -> None:
    """Printed (or rendered to PDF): landscape, as wide as one page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _write_table(ws: Any, sheet: Sheet, headers: str) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    widths = [display_width(c.header(headers)) for c in sheet.columns]
    for j, c in enumerate(sheet.columns, start=1):
        _put(ws, 1, j, c.header(headers)).font = bold
    for i, row in enumerate(sheet.rows, start=2):
        for j, c in enumerate(sheet.columns, start=1):
            value, fmt = _typed(row.get(c.name), c)
            _put(ws, i, j, value, fmt)
            shown = (
                10
                if fmt == DATE_FORMAT
                else len(f"{value:.1%}")
                if fmt == PERCENT_FORMAT
                else display_width(str(value))
                if value is not None
                else 0
            )
            widths[j - 1] = max(widths[j - 1], shown)
    _fit(ws, widths)
    ws.freeze_panes = "A2"
    _print_setup(ws)
    ws.print_title_rows = "1:1"
    if sheet.columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{max(len(sheet.rows) + 1, 1)}"


def _write_about(ws: Any, export: Export, headers: str) -> None:
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    r = 1

    def line(label: str, value: Any = None, *, head: bool = False, fmt: str | None = None) -> None:
        nonlocal r
        cell = _put(ws, r, 1, label)
        if head:
            cell.font = bold
        if value is not None:
            _put(ws, r, 2, value, fmt).alignment = Alignment(
                wrap_text=True, vertical="top", horizontal="left"
            )
        r += 1

    line("查询", export.title, head=True)
    line("名称", export.query)
    line("说明", export.description)
    line("导出时间", dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    line(
        "数据截至",
        export.data_as_of or "（图中没有带日期的数据）",
        fmt=DATE_FORMAT if export.data_as_of else None,
    )
    if export.period:
        line("统计期", f"{export.period.get('date_from') or '…'} ~ {export.period.get('date_to') or '…'}")
    r += 1
    line("参数", head=True)
    for name, title, value in export.params:
        line(f"{title}（{name}）" if title != name else name, value if value != "" else "（未填）")
    r += 1
    line("数据缺失说明", head=True)
    for note in export.notes or ["（无）"]:
        line("", note)
    if export.summary_items:
        r += 1
        line("汇总", head=True)
        for title, value in export.summary_items:
            line(title, value if not isinstance(value, bool) else ("是" if value else "否"))
    r += 1
    for j, label in enumerate(("列", "字段", "类型", "单位", "含义"), start=1):
        _put(ws, r, j, label).font = bold
    r += 1
    for c in export.table.columns:
        for j, value in enumerate(
            (c.title, c.name, TYPE_TITLES.get(c.type, c.type), c.unit, c.meaning), start=1
        ):
            _put(ws, r, j, value)
        r += 1
    _print_setup(ws)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 70
    for letter in "CDE":
        ws.column_dimensions[letter].width = 14 if letter != "E" else 50


def write_xlsx(export: Export, headers: str = "zh") -> bytes:
    """The workbook: the result table first (the active sheet), the summary tables, then 说明."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    used: set[str] = {"说明"}
    ws.title = _sheet_name(export.table.name, used)
    _write_table(ws, export.table, headers)
    for sheet in export.summary_tables:
        _write_table(wb.create_sheet(_sheet_name(sheet.name, used)), sheet, "zh")
    _write_about(wb.create_sheet("说明"), export, headers)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
