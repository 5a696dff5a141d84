"""``kg query list|run`` and ``kg export``: the prepared queries on the command line."""

from __future__ import annotations

import csv
import io
import json
import sys
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from graph.db import session_driver
from graph.errors import QueryParamError
from graph.settings import get_settings
from queries.period import EMPTY_EXIT_CODE
from queries.registry import QueryDef, QueryResult, all_queries, get_query

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
query_app = typer.Typer(help="预置查询 / Prepared queries: list them, run one.", no_args_is_help=True)


class OutFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class ListFormat(StrEnum):
    table = "table"
    json = "json"


class GraphFormat(StrEnum):
    graphml = "graphml"
    gexf = "gexf"


def param_specs(qd: QueryDef) -> list[dict[str, Any]]:
    """The parameters of a query as plain objects: name, type, required, default, title."""
    schema = qd.params.model_json_schema()
    props = schema.get("properties", {})
    out = []
    for name, field in qd.params.model_fields.items():
        p = props.get(name, {})
        typ = p.get("type") or p.get("format")
        if not typ and "anyOf" in p:
            typ = "|".join(str(a.get("format") or a.get("type")) for a in p["anyOf"])
        if "enum" in p or "$ref" in p:
            ref = p.get("$ref", "").split("/")[-1]
            enum = p.get("enum") or schema.get("$defs", {}).get(ref, {}).get("enum")
            typ = "enum" if enum else typ
        default = None if field.is_required() else field.get_default(call_default_factory=True)
        if isinstance(default, Enum):
            default = default.value
        if default is not None and hasattr(default, "isoformat"):
            default = default.isoformat()
        out.append({"name": name, "type": typ or "string", "required": field.is_required(), "default": default,
                    "title": field.title or "", "description": field.description or "",
                    **({"choices": p.get("enum") or schema.get("$defs", {}).get(p.get("$ref", "").split("/")[-1], {})
                        .get("enum")} if ("enum" in p or "$ref" in p) else {})})
    return out


def parse_params(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QueryParamError(f"参数应写作 名称=值 / a parameter is written name=value, got {pair!r}")
        out[key.strip()] = value
    return out


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(_cell(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _columns(result: QueryResult) -> list[str]:
    cols = list(result.columns)
    for row in result.rows:
        cols += [k for k in row if k not in cols]
    return cols


def render_csv(result: QueryResult) -> str:
    buf = io.StringIO()
    cols = _columns(result)
    w = csv.writer(buf)
    w.writerow(cols)
    for row in result.rows:
        w.writerow([_cell(row.get(c)) for c in cols])
    return buf.getvalue()


def write_xlsx(result: QueryResult, path: Path, title: str) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "结果"
    cols = _columns(result)
    ws.append(cols)
    for row in result.rows:
        ws.append([_cell(row.get(c)) for c in cols])
    if result.summary:
        s = wb.create_sheet("汇总")
        s.append(["查询", title])
        for k, v in result.summary.items():
            s.append([k, json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v])
    wb.save(path)


def _json_default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@query_app.command("list")
def query_list(fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="table 或 json")] = ListFormat.table) -> None:
    """List the prepared queries: names, titles and parameters."""
    qs = sorted(all_queries(), key=lambda q: q.name)
    if fmt == ListFormat.json:
        data = [{"name": q.name, "title": q.title, "description": q.description, "entity": q.entity,
                 "aggregate": q.aggregate, "scopes": sorted(q.scopes), "columns": list(q.columns),
                 "params": param_specs(q)} for q in qs]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n")
        return
    table = Table("名称 / name", "标题 / title", "参数 / parameters")
    for q in qs:
        ps = ", ".join(f"{p['name']}{'*' if p['required'] else '=' + str(p['default'])}" for p in param_specs(q))
        table.add_row(q.name, q.title, ps)
    console.print(table)
    console.print("* 必填 / required")


@query_app.command("run")
def query_run(
    name: Annotated[str, typer.Argument(help="查询名称 / query name (kg query list)")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="名称=值 / name=value, repeatable")] = None,
    fmt: Annotated[OutFormat, typer.Option("--format", "-f", help="table|json|csv|xlsx")] = OutFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 / output file")] = None,
) -> None:
    """Run one prepared query; a query without required parameters runs with its defaults."""
    qd = get_query(name)
    raw = parse_params(param or [])
    qd.validate(raw)  # fail on bad parameters before touching the database
    if fmt == OutFormat.xlsx and output is None:
        raise QueryParamError("xlsx 格式需要 -o 文件名 / the xlsx format needs -o FILE")
    s = get_settings()
    with session_driver(s) as driver:
        if not warn_if_empty(driver, s):
            raise typer.Exit(EMPTY_EXIT_CODE)
        result = qd.execute(driver, s.neo4j_database, raw)
    if fmt == OutFormat.xlsx:
        assert output is not None
        write_xlsx(result, output, qd.title)
        console.print(f"已写入 / wrote {len(result.rows)} 行 / rows → {output}")
        print_notes(result)
        return
    if fmt == OutFormat.json:
        text = json.dumps(result.model_dump(), ensure_ascii=False, indent=2, default=_json_default) + "\n"
    elif fmt == OutFormat.csv:
        text = render_csv(result)
    else:
        if output is not None:
            raise QueryParamError("table 格式只输出到屏幕，请用 csv/json/xlsx / use csv, json or xlsx with -o")
        table = Table(*_columns(result), title=f"{qd.title}（{len(result.rows)} 行）")
        for row in result.rows:
            table.add_row(*[str(_cell(row.get(c))) for c in _columns(result)])
        console.print(table)
        if result.period:
            console.print(f"统计期 / period: {result.period.get('date_from') or '最早记录'} ~ {result.period.get('date_to')}")
        if result.summary:
            console.print(json.dumps(result.summary, ensure_ascii=False, default=_json_default))
        print_notes(result)
        return
    if output is None:
        sys.stdout.write(text)
        if fmt == OutFormat.csv:
            print_notes(result, stderr=True)
    else:
        output.write_text(text, encoding="utf-8-sig" if fmt == OutFormat.csv else "utf-8")
        console.print(f"已写入 / wrote {len(result.rows)} 行 / rows → {output}")
        print_notes(result)


def print_notes(result: QueryResult, *, stderr: bool = False) -> None:
    """The notes under the table: where the answer rests on missing data."""
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


def export_cmd(
    output: Annotated[Path, typer.Option("--output", "-o", help="输出文件 / output file")],
    fmt: Annotated[GraphFormat, typer.Option("--format", "-f", help="graphml|gexf")] = GraphFormat.graphml,
    query: Annotated[list[str] | None, typer.Option("--query", "-q", help="查询名称，可多次 / query name, repeatable")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="名称=值，传给每个查询中有此参数者")] = None,
) -> None:
    """Export a subgraph for Gephi: the nodes/edges of the given queries, or the whole domain graph."""
    from queries.export import merge_results, to_networkx, whole_graph, write_graph

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
        else:
            nodes, edges = whole_graph(driver, s.neo4j_database)
    g = to_networkx(nodes, edges)
    write_graph(g, output, fmt.value)  # type: ignore[arg-type]
    console.print(f"已导出 / exported {g.number_of_nodes()} 个节点 / nodes, {g.number_of_edges()} 条关系 / edges → {output}")
