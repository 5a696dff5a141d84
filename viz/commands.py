"""``kg viz``: list the views or write one to an HTML file that opens with no server."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graph.access import local_record, private_output, write_access
from graph.db import session_driver
from graph.errors import QueryParamError
from graph.settings import get_settings
from queries.commands import parse_params, personal_entity_ids, require_purpose, warn_if_empty
from viz.render import render_html
from viz.views import all_views, get_view

console = Console(soft_wrap=True)


class ListFormat(StrEnum):
    table = "table"
    json = "json"


def viz_command(
    name: Annotated[str | None, typer.Argument(help="视图名称 / view name (see --list)")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="参数 名称=值 / name=value")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="输出 HTML 文件 / output .html file")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="列出视图 / list the views")] = False,
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", help="--list 的格式：table 或 json")
    ] = ListFormat.table,
    purpose: Annotated[
        str | None,
        typer.Option(
            "--purpose",
            help="调阅事由（写文件时必填，记入调阅记录）/ purpose (required to write a file; access log)",
        ),
    ] = None,
) -> None:
    """Interactive network views: write one to an offline HTML page (no server, no Internet).
    The page holds personal data: it is written owner-only (0600) and recorded in the access log
    with the OS user, the command and the purpose."""
    if list_ or name is None:
        views = all_views()
        if fmt == ListFormat.json:
            data = [
                {
                    "name": v.name,
                    "title": v.title,
                    "description": v.description,
                    "entity": v.entity,
                    "queries": list(v.queries),
                    "params": v.param_list(),
                }
                for v in views
            ]
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        table = Table("视图 / view", "标题 / title", "参数 / params")
        for v in views:
            table.add_row(
                v.name,
                v.title,
                ", ".join(p["name"] + ("*" if p["required"] else f"={p['default']}") for p in v.param_list()),
            )
        console.print(table)
        return
    view_def = get_view(name)
    raw = parse_params(param or [])
    view_def.validate(raw)  # fail before starting Neo4j
    if out is None:
        raise QueryParamError("请用 -o 指定输出文件 / give the output file with -o FILE.html")
    stated = require_purpose(purpose)
    settings = get_settings()
    with session_driver(settings) as driver:
        warn_if_empty(driver, settings)
        view = view_def.build(driver, settings.neo4j_database, raw)
        write_access(
            driver,
            settings.neo4j_database,
            local_record(
                "kg viz",
                purpose=stated,
                params={"view": name, **raw},
                output=out,
                entity_ids=personal_entity_ids([n.model_dump() for n in view.nodes if not n.aggregate]),
            ),
        )
    with private_output(out):
        out.write_text(render_html(view, api_base=None), encoding="utf-8")
    console.print(
        f"已写入 / written: {out}（{len(view.nodes)} 个节点，{len(view.edges)} 条关系；数据截至 {view.as_of}）"
    )
