"""``kg report``: the periodic bulletin for a month, quarter, half-year or year, as DOCX, PDF or HTML."""

from __future__ import annotations

import datetime as dt
import getpass
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import neo4j
import typer
from rich.console import Console

from graph.db import session_driver
from graph.errors import QueryParamError
from graph.settings import get_settings
from viz.report.model import Report
from viz.report.period import parse_period

console = Console(soft_wrap=True)
CLI_PURPOSE = "定期通报"


class ReportFormat(StrEnum):
    docx = "docx"
    pdf = "pdf"
    html = "html"


def record_cli_access(
    driver: neo4j.Driver, database: str, report: Report, *, out: Path, fmt: str, unit: str | None
) -> None:
    """The command line is the office's own desk (role 从严办): its reports are logged like the API's."""
    from api.audit import AuditWriter, make_record
    from api.security import Principal, get_role

    principal = Principal(token_id="cli", name=getpass.getuser(), role=get_role("strict_office"))
    writer = AuditWriter(lambda: driver, database)
    writer.append(
        make_record(
            principal,
            endpoint="kg report",
            method="CLI",
            path=str(out),
            params={"period": report.period_code, "unit": unit, "format": fmt},
            entity_ids=report.entity_ids,
            outcome="ok",
            status=0,
            purpose=CLI_PURPOSE,
        )
    )
    if not writer.flush():
        console.print("[yellow]警告 / warning:[/] 访问记录未能写入 / the access record could not be written")


def report_command(
    period: Annotated[str, typer.Option("--period", help="统计期 / period: 2026-07, 2026Q3, 2026H1, 2026")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件 / output file")],
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="docx（默认）、pdf 或 html")
    ] = ReportFormat.docx,
    unit: Annotated[
        str | None, typer.Option("--unit", help="只通报该单位及其下属单位 / one unit and those below it")
    ] = None,
    office: Annotated[
        str, typer.Option("--office", help="印发单位 / issuing office")
    ] = "全面从严管党治警领导小组办公室",
    issued_on: Annotated[
        str | None, typer.Option("--date", help="印发日期 / date of issue (YYYY-MM-DD)，默认今天")
    ] = None,
) -> None:
    """The periodic bulletin (通报): key figures against the previous period and last year, ratings,
    risk clusters, coverage gaps, overdue items and suggestions, from the prepared queries."""
    per = parse_period(period)  # bad input fails before Neo4j starts
    try:
        day = dt.date.fromisoformat(issued_on) if issued_on else dt.date.today()
    except ValueError:
        raise QueryParamError(f"印发日期 {issued_on!r} 应为 YYYY-MM-DD / --date must be YYYY-MM-DD") from None
    if not office.strip() or any(ord(ch) < 32 or ord(ch) == 127 for ch in office) or len(office) > 60:
        raise QueryParamError(
            "印发单位不能为空、不超过 60 字且不含控制字符 / --office must be 1–60 printable characters"
        )
    if not out.parent.exists():
        raise QueryParamError(f"输出目录不存在 / the output folder does not exist: {out.parent}")
    from viz.report.content import build_report  # matplotlib and python-docx load only when used
    from viz.report.render import render

    settings = get_settings()
    t0 = time.perf_counter()
    with session_driver(settings) as driver:
        report = build_report(
            driver, settings.neo4j_database, per, unit_code=unit, office=office, issued_on=day
        )
        data = render(report, fmt.value)
        out.write_bytes(data)
        record_cli_access(driver, settings.neo4j_database, report, out=out, fmt=fmt.value, unit=unit)
    console.print(
        f"已写入 / written: {out}（{report.title}{report.subtitle}，{len(report.sections)} 部分，"
        f"{report.chart_count()} 幅图，{len(data) // 1024} KB，{time.perf_counter() - t0:.1f} 秒）"
    )
