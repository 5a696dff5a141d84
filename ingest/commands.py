"""``kg ingest DIR``: load a folder of department exports into the graph."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graph.constraints import apply_schema
from graph.db import session_driver
from graph.settings import get_settings
from ingest.job import DEFAULT_BATCH_SIZE, DEFAULT_REJECTS_NAME, IngestReport, run_ingest, write_rejects
from ingest.validate import Reject

__all__ = ["ingest_command", "print_summary"]


def ingest_command(
    folder: Annotated[Path, typer.Argument(help="输入目录：每种节点/关系一个 CSV 或 .xlsx 文件 / folder of input files",
                                           exists=True, file_okay=False, dir_okay=True)],
    batch_size: Annotated[int, typer.Option("--batch-size", min=1,
                                            help="每个事务写入的行数 / rows per write transaction")] = DEFAULT_BATCH_SIZE,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度与汇总 / no progress or summary")] = False,
    rejects: Annotated[Path | None, typer.Option("--rejects", dir_okay=False,
                                                 help="拒绝行报告 CSV，默认 DIR/rejects.csv / rejects report")] = None,
) -> None:
    """导入部门导出数据 / Validate and load a folder of exports (CSV UTF-8/GBK or .xlsx).

    Exit code 0 when every file was read (rejected rows are reported, not fatal); 1 when a file
    could not be read at all.
    """
    settings = get_settings()
    console = Console(stderr=quiet, width=None if sys.stdout.isatty() else 160)
    rejects_path = rejects or folder / DEFAULT_REJECTS_NAME
    exclude = rejects_path.name if rejects_path.resolve().parent == folder.resolve() else DEFAULT_REJECTS_NAME
    with session_driver(settings) as driver:
        apply_schema(driver, settings.neo4j_database)
        report = run_ingest(driver, settings.neo4j_database, folder, batch_size=batch_size, progress=not quiet,
                            console=console, rejects_name=exclude)
    write_rejects(report, rejects_path)
    if not quiet:
        print_summary(report, console, rejects_path)
    else:
        for stem, message in report.errors.items():
            console.print(f"[red]{stem}[/]: {message}", highlight=False)
    raise typer.Exit(0 if report.ok else 1)


def print_summary(report: IngestReport, console: Console, rejects_path: Path | None = None) -> None:
    """The final table (file, read, loaded, rejected) and the commonest reasons for rejects."""
    # Narrow terminals (< 110 columns): Chinese headers only, numbers never cut, notes below the table.
    narrow = console.width < 110
    table = Table(title=f"导入结果 / ingest run {report.run_id}（{report.seconds:.1f} 秒）")
    cols = ("文件 file", "类型 type", "读取 read", "导入 loaded", "拒绝 rejected", "重复 dup") + (() if narrow else ("说明 note",))
    for col in cols:
        table.add_column(col.split()[0] if narrow else col, justify="right" if col[0] in "读导拒重" else "left",
                         no_wrap=col[0] != "说", overflow="fold" if col[0] in "文类" else "ellipsis")
    notes = []
    for fr in report.files.values():
        note = f"[red]{fr.error}[/]" if fr.error else (fr.encoding or "")
        if fr.unknown_columns:
            note += f"；忽略列 / ignored columns: {'、'.join(fr.unknown_columns)}"
        if narrow and (fr.error or fr.unknown_columns):
            notes.append(f"  {fr.path or fr.file}: {note}")
        table.add_row(fr.path or fr.file, fr.type, str(fr.read), str(fr.loaded),
                      f"[yellow]{fr.rejected}[/]" if fr.rejected else "0", str(fr.duplicates),
                      *(() if narrow else (note,)))
    t = report.totals
    table.add_row("[bold]合计 total", "", str(t["read"]), str(t["loaded"]), str(t["rejected"]), "",
                  *(() if narrow else ("",)))
    console.print(table)
    for line in notes:
        console.print(line, highlight=False)
    if report.ignored:
        console.print(f"未识别的文件（已忽略）/ ignored files: {'、'.join(report.ignored)}", highlight=False)
    if report.rejects:
        counts = Counter((r.file, r.field) for r in report.rejects)
        example: dict[tuple[str, str], Reject] = {}
        for r in report.rejects:
            example.setdefault((r.file, r.field), r)
        console.print("[bold]拒绝原因（前 10 类）/ top reasons for rejected rows:[/]")
        for (file, fld), n in counts.most_common(10):
            ex = example[(file, fld)]
            console.print(f"  {file} · {fld or '整行'} · {n} 行，如第 {ex.line} 行：{ex.reason}", highlight=False)
        if rejects_path:
            console.print(f"全部拒绝行见 / all rejected rows in: {rejects_path}", highlight=False)
    for stem, message in report.errors.items():
        console.print(f"[bold red]无法读取 / unreadable[/] {stem}: {message}", highlight=False)
