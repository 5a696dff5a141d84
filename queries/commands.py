"""``kg query list|run`` and ``kg export``: the prepared queries on the command line."""

from __future__ import annotations

import difflib
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from graph.db import session_driver
from graph.errors import QueryParamError
from graph.settings import get_settings
from queries.columns import TYPE_TITLES, ColumnSpec, column_spec, columns_for, table_keys
from queries.docs import default_text
from queries.paramerrors import type_name
from queries.period import EMPTY_EXIT_CODE
from queries.registry import QueryDef, QueryResult, all_queries, get_query
from queries.tabular import build_export, cell_text, display_width, summary_parts, write_csv, write_xlsx

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
query_app = typer.Typer(help="预置查询 / Prepared queries: list them, run one.", no_args_is_help=True)


class OutFormat(StrEnum):
    table = "table"
    records = "records"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class ListFormat(StrEnum):
    table = "table"
    json = "json"


class GraphFormat(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    csv = "csv"
    neo4j_csv = "neo4j-csv"


def parse_params(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QueryParamError(f"参数应写作 名称=值 / a parameter is written name=value, got {pair!r}")
        out[key.strip()] = value
    return out


class Headers(StrEnum):
    zh = "zh"
    en = "en"


def _json_default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def result_json(qd: QueryDef, result: QueryResult, columns: list[str] | None = None) -> dict[str, Any]:
    """The JSON of a run: rows keyed by field name, ``columns`` with titles and types."""
    names = columns or list(result.columns)
    rows = result.rows if not columns else [{c: r.get(c) for c in columns} for r in result.rows]
    return {
        "name": qd.name,
        "title": qd.title,
        "columns": [c.as_dict() for c in columns_for(qd.name, names)],
        "rows": rows,
        "nodes": result.nodes,
        "edges": result.edges,
        "summary": result.summary,
        "notes": result.notes,
        "period": result.period,
    }


def _choose_columns(qd: QueryDef, result: QueryResult, wanted: str | None) -> list[str] | None:
    """``--columns a,b,c`` checked against the result's columns (field names or Chinese titles)."""
    if not wanted:
        return None
    names = list(result.columns)
    for row in result.rows:
        names += [k for k in row if k not in names]
    by_title = {column_spec(n, qd.name).title: n for n in names}
    out: list[str] = []
    unknown: list[str] = []
    for part in (p.strip() for p in wanted.split(",")):
        if not part:
            continue
        name = part if part in names else by_title.get(part)
        (out if name else unknown).append(name or part)
    if unknown:
        near = {u: difflib.get_close_matches(u, names + list(by_title), n=3, cutoff=0.5) for u in unknown}
        hint = "; ".join(
            f"{u}（是否想写 / did you mean: {', '.join(n)}）" if n else u for u, n in near.items()
        )
        raise QueryParamError(
            f"查询 {qd.name} 没有这些列 / no such column(s): {hint}; 可用 / valid: {', '.join(names)}"
        )
    return out


def _truncate(text: str, width: int) -> str:
    text = " ".join(text.split())
    if display_width(text) <= width:
        return text
    out, w = [], 0
    for ch in text:
        cw = display_width(ch)
        if w + cw > width - 1:
            break
        out.append(ch)
        w += cw
    return "".join(out) + "…"


CELL_WIDTH = 28


def print_table(
    qd: QueryDef, result: QueryResult, export_cols: list[ColumnSpec], headers: str, width: int, chosen: bool
) -> None:
    """Fit the table to ``width``: key columns first, long cells cut with …, columns that do not
    fit left out (and named)."""
    order = list(export_cols)
    if not chosen:
        keys = table_keys(qd.name)
        order = [c for c in order if c.name in keys] + [c for c in order if c.name not in keys]
        order.sort(key=lambda c: keys.index(c.name) if c.name in keys else len(keys))
    cells = {c.name: [_truncate(cell_text(r.get(c.name), c), CELL_WIDTH) for r in result.rows] for c in order}
    widths = {
        c.name: max([display_width(c.header(headers))] + [display_width(t) for t in cells[c.name]])
        for c in order
    }
    shown: list[ColumnSpec] = []
    used = 4
    for c in order:
        need = min(widths[c.name], max(CELL_WIDTH, display_width(c.header(headers)))) + 3
        if shown and used + need > width:
            continue
        shown.append(c)
        used += need
    table = Table(title=f"{qd.title}（{len(result.rows)} 行 / rows）", show_lines=False)
    for c in shown:
        numeric = c.type in ("int", "float", "percent")
        table.add_column(
            c.header(headers), justify="right" if numeric else "left", no_wrap=True, overflow="ellipsis"
        )
    for i in range(len(result.rows)):
        table.add_row(*[cells[c.name][i] for c in shown])
    console.print(table)
    left = [c for c in order if c not in shown]
    if left:
        console.print(
            f"另有 {len(left)} 列未显示 / {len(left)} more column(s) not shown: "
            f"{'、'.join(c.header(headers) for c in left)}（--columns 选列，或 --format records）",
            highlight=False,
        )


def print_records(qd: QueryDef, result: QueryResult, export_cols: list[ColumnSpec], headers: str) -> None:
    """One block per row, one line per column (for wide rows)."""
    label_w = max([display_width(c.header(headers)) for c in export_cols] + [4])
    console.print(f"[bold]{qd.title}[/]（{len(result.rows)} 行 / rows）", highlight=False)
    for i, row in enumerate(result.rows, start=1):
        console.print(f"── 第 {i} 行 / row {i} " + "─" * 20, highlight=False)
        for c in export_cols:
            label = c.header(headers)
            pad = " " * (label_w - display_width(label))
            console.print(f"{label}{pad}  {cell_text(row.get(c.name), c)}", highlight=False, soft_wrap=True)


def print_footer(result: QueryResult) -> None:
    if result.period:
        console.print(
            f"统计期 / period: {result.period.get('date_from') or '最早记录'} ~ "
            f"{result.period.get('date_to') or '…'}",
            highlight=False,
        )
    if result.summary:
        items, tables = summary_parts(result.summary, "")
        text = "；".join(f"{t}：{cell_text(v)}" for t, v in items)
        if text:
            console.print(f"汇总 / summary: {text}", highlight=False)
        if tables:
            console.print(
                f"另有汇总表 / more summary tables (--format xlsx or json): "
                f"{'、'.join(t.name for t in tables)}",
                highlight=False,
            )
    print_notes(result)


@query_app.command("list")
def query_list(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="table 或 json")] = ListFormat.table,
) -> None:
    """List the prepared queries: names, titles and parameters."""
    qs = sorted(all_queries(), key=lambda q: q.name)
    if fmt == ListFormat.json:
        data = [
            {
                "name": q.name,
                "title": q.title,
                "description": q.description,
                "entity": q.entity,
                "aggregate": q.aggregate,
                "scopes": sorted(q.scopes),
                "columns": [c.as_dict() for c in columns_for(q.name, q.columns)],
                "params": q.param_list(),
            }
            for q in qs
        ]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n")
        return
    table = Table("名称 / name", "标题 / title", "参数 / parameters")
    for q in qs:
        ps = ", ".join(
            f"{p['name']}{'*' if p['required'] else '=' + str(p['default'])}" for p in q.param_list()
        )
        table.add_row(q.name, q.title, ps)
    console.print(table)
    console.print("* 必填 / required；每个查询的详细说明 / details: kg query describe NAME")


def describe_text(qd: QueryDef) -> str:
    """What ``kg query describe`` prints: title, what it answers, parameters and columns."""
    lines = [f"{qd.title}（{qd.name}）", "", qd.description, "", "参数 / parameters:"]
    specs = qd.param_list()
    for p in specs:
        zh, _ = type_name(qd.params.model_fields[p["name"]].annotation)
        default = default_text(qd, p["name"])
        default = default if p["required"] else f"默认 / default {default}"
        meaning = "；".join(x for x in (p["title"], p["description"]) if x)
        lines.append(f"  {p['name']}  {zh}  {default}  {meaning}")
    if not specs:
        lines.append("  （无 / none）")
    lines += ["", "结果列 / columns:"]
    for c in columns_for(qd.name, qd.columns):
        unit = f"（{c.unit}）" if c.unit else ""
        lines.append(f"  {c.title}{unit}  {c.name}  {TYPE_TITLES.get(c.type, c.type)}  {c.meaning}")
    example = " ".join(f"-p {p['name']}=…" for p in specs if p["required"])
    lines += [
        "",
        f"运行 / run: kg query run {qd.name} {example} --format table|records|json|csv|xlsx".replace(
            "  ", " "
        ),
    ]
    return "\n".join(lines)


@query_app.command("describe")
def query_describe(
    name: Annotated[str, typer.Argument(help="查询名称 / query name (kg query list)")],
) -> None:
    """Print what a query answers, each parameter (type, default, meaning) and each result column."""
    console.print(describe_text(get_query(name)), highlight=False, soft_wrap=True)


@query_app.command("run")
def query_run(
    name: Annotated[str, typer.Argument(help="查询名称 / query name (kg query list)")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="名称=值 / name=value, repeatable")
    ] = None,
    fmt: Annotated[
        OutFormat, typer.Option("--format", "-f", help="table|records|json|csv|xlsx")
    ] = OutFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 / output file")] = None,
    headers: Annotated[
        Headers, typer.Option("--headers", help="列标题：zh 中文（默认）或 en 字段名")
    ] = Headers.zh,
    columns: Annotated[
        str | None, typer.Option("--columns", help="只要这些列，逗号分隔 / only these columns: a,b,c")
    ] = None,
) -> None:
    """Run one prepared query; a query without required parameters runs with its defaults."""
    from queries.period import data_as_of

    qd = get_query(name)
    raw = parse_params(param or [])
    validated = qd.validate(raw)  # fail on bad parameters before touching the database
    if fmt == OutFormat.xlsx and output is None:
        raise QueryParamError("xlsx 格式需要 -o 文件名 / the xlsx format needs -o FILE")
    if fmt in (OutFormat.table, OutFormat.records) and output is not None:
        raise QueryParamError(
            "table/records 格式只输出到屏幕，请用 csv/json/xlsx / use csv, json or xlsx with -o"
        )
    s = get_settings()
    with session_driver(s) as driver:
        if not warn_if_empty(driver, s):
            raise typer.Exit(EMPTY_EXIT_CODE)
        result = qd.answer(driver, s.neo4j_database, validated)
        as_of = data_as_of(driver, s.neo4j_database) if fmt == OutFormat.xlsx else None
    chosen = _choose_columns(qd, result, columns)
    export = build_export(
        qd.name, qd.title, qd.description, result, params=validated, data_as_of=as_of, columns=chosen
    )
    if fmt == OutFormat.table:
        print_table(qd, result, export.table.columns, headers.value, console.width, chosen is not None)
        print_footer(result)
        return
    if fmt == OutFormat.records:
        print_records(qd, result, export.table.columns, headers.value)
        print_footer(result)
        return
    if fmt == OutFormat.xlsx:
        assert output is not None
        write_private(output, write_xlsx(export, headers.value))
        console.print(f"已写入 / wrote {len(result.rows)} 行 / rows → {output}", highlight=False)
        print_notes(result)
        return
    if fmt == OutFormat.json:
        data = (
            json.dumps(result_json(qd, result, chosen), ensure_ascii=False, indent=2, default=_json_default)
            + "\n"
        ).encode("utf-8")
    else:
        data = write_csv(export, headers.value)
    if output is None:
        sys.stdout.buffer.write(data if fmt == OutFormat.json else data.removeprefix("\ufeff".encode()))
        sys.stdout.flush()
        if fmt == OutFormat.csv:
            print_notes(result, stderr=True)
    else:
        write_private(output, data)
        console.print(f"已写入 / wrote {len(result.rows)} 行 / rows → {output}", highlight=False)
        print_notes(result)


def write_private(path: Path, data: bytes) -> None:
    """Write an export (personal data) readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def print_notes(result: QueryResult, *, stderr: bool = False) -> None:
    """The notes under the output: where the answer rests on missing data."""
    if not result.notes:
        return
    out = err_console if stderr else console
    out.print("说明 / notes:", style="bold yellow")
    for note in result.notes:
        out.print(f"  · {note}", highlight=False)


def warn_if_empty(driver: Any, settings: Any) -> bool:
    """False (after one line on stderr) when the database holds no domain data at all."""
    from queries.period import data_presence, empty_database_message, has_domain_data

    if has_domain_data(data_presence(driver, settings.neo4j_database)):
        return True
    err_console.print(empty_database_message(settings), style="bold red", highlight=False)
    return False


def require_purpose(purpose: str | None) -> str:
    """The checked ``--purpose`` of a command that writes personal data to a file."""
    from graph.access import BadPurpose, clean_purpose

    stated = clean_purpose(purpose)
    if stated is None:
        raise BadPurpose(
            "请用 --purpose 说明调阅事由（记入调阅记录）/ state the purpose with --purpose "
            "(it is written to the access log)"
        )
    return stated


def personal_entity_ids(nodes: list[dict[str, Any]]) -> list[str]:
    """Ids of the entities that carry personal data (officers, clues, cases)."""
    from graph.schema import PERSONAL_LABELS

    return [n["id"] for n in nodes if n.get("type") in PERSONAL_LABELS]


def export_cmd(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="输出文件（csv 格式为文件夹）/ output file (a folder for csv)"),
    ],
    fmt: Annotated[
        GraphFormat, typer.Option("--format", "-f", help="graphml|gexf|csv|neo4j-csv")
    ] = GraphFormat.graphml,
    query: Annotated[
        list[str] | None, typer.Option("--query", "-q", help="查询名称，可多次 / query name, repeatable")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="名称=值，传给每个查询中有此参数者")
    ] = None,
    purpose: Annotated[
        str | None,
        typer.Option(
            "--purpose",
            help="调阅事由（必填，记入调阅记录）/ purpose of the export (required, written to the access log)",
        ),
    ] = None,
) -> None:
    """Export a subgraph for Gephi or neo4j-admin import: the nodes/edges of the given queries, or the
    whole domain graph (streamed). The file (personal data) is written owner-only (0600); the export
    is recorded in the access log with the OS user, the command, the purpose and every officer,
    clue and case written."""
    from graph.access import local_record, private_output, write_access
    from queries.export import merge_results, query_stream, whole_graph_stream, write_export

    stated = require_purpose(purpose)
    raw = parse_params(param or [])
    qds = [get_query(n) for n in (query or [])]
    per_query = []
    for qd in qds:
        mine = {k: v for k, v in raw.items() if k in qd.params.model_fields}
        qd.validate(mine)
        per_query.append((qd, mine))
    unused = set(raw) - {k for qd in qds for k in qd.params.model_fields}
    if unused:
        raise QueryParamError(f"没有查询使用参数 / no query takes parameter(s): {', '.join(sorted(unused))}")
    s = get_settings()
    with session_driver(s) as driver:
        warn_if_empty(driver, s)
        if per_query:
            nodes, edges = merge_results(qd.execute(driver, s.neo4j_database, mine) for qd, mine in per_query)
            stream = query_stream(nodes, edges)
        else:
            stream = whole_graph_stream(driver, s.neo4j_database)
        written: list[str] = []
        with private_output(output):
            g = write_export(_recording_personal(stream, written), output, fmt.value)  # type: ignore[arg-type]
        try:
            write_access(
                driver,
                s.neo4j_database,
                local_record(
                    "kg export",
                    purpose=stated,
                    entity_ids=written,
                    params={
                        "format": fmt.value,
                        "queries": [qd.name for qd, _ in per_query] or "whole_graph",
                        **raw,
                    },
                    output=output,
                ),
            )
        except BaseException:  # no unrecorded copy of personal data is left behind
            _remove_output(output)
            raise
    console.print(
        f"已导出 / exported {g.node_count} 个节点 / nodes, {g.edge_count} 条关系 / edges → {output}",
        highlight=False,
    )


def _recording_personal(g: Any, written: list[str]) -> Any:
    """``g`` with its node stream noting the ids of the personal-data entities it writes."""
    from graph.schema import PERSONAL_LABELS

    inner = g.nodes

    def nodes() -> Any:
        for row in inner():
            if row[1] in PERSONAL_LABELS:
                written.append(row[0])
            yield row

    g.nodes = nodes
    return g


def _remove_output(output: Path) -> None:
    import shutil

    if output.is_dir():
        shutil.rmtree(output, ignore_errors=True)
    else:
        output.unlink(missing_ok=True)
