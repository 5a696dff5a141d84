"""``kg ingest DIR``: load a folder of department exports into the graph."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graph.constraints import apply_schema
from graph.db import clear_new_store_mark, session_driver
from graph.errors import IngestInterrupted, KgError
from graph.schema import parse_cn_date
from graph.settings import get_settings
from ingest import sample
from ingest.job import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_REJECTS_NAME,
    DEFAULT_WRITERS,
    DRIVER_ERRORS,
    IngestReport,
    run_ingest,
    write_rejects,
)
from ingest.validate import Reject

__all__ = ["ingest_command", "print_summary"]


def ingest_command(
    folder: Annotated[
        Path, typer.Argument(help="输入目录：每种节点/关系一个 CSV 或 .xlsx 文件 / folder of input files")
    ],
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="每个事务写入的行数 / rows per write transaction")
    ] = DEFAULT_BATCH_SIZE,
    writers: Annotated[
        int,
        typer.Option(
            "--writers", min=1, help="同时进行的写事务数 / write transactions run side by side (server cores)"
        ),
    ] = DEFAULT_WRITERS,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="不显示进度与汇总 / no progress or summary")
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", dir_okay=False, help="拒绝行报告 CSV，默认 DIR/rejects.csv / rejects report"
        ),
    ] = None,
    snapshot: Annotated[
        bool,
        typer.Option(
            "--snapshot",
            help="每个关系文件是完整的当前数据：以前从同名文件导入、本次没有的关系被结束（不删除） / "
            "each relationship file is complete: relationships it no longer lists are ended",
        ),
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="导出日期（快照结束关系的结束日期），默认今天 / export date used as end_date, default today",
        ),
    ] = None,
) -> None:
    """导入部门导出数据 / Validate and load a folder of exports (CSV UTF-8/GBK or .xlsx).

    Exit code 0 when every file was read (rejected rows are reported, not fatal); 1 when a file
    could not be read at all; 2 on any other failure (no folder, bad date, Neo4j unavailable or
    gone mid-run: rerun the same folder, the ingest is idempotent).
    """
    try:
        report, console, rejects_path = _ingest(folder, batch_size, writers, quiet, rejects, snapshot, as_of)
    except KgError as e:  # every failure: one bilingual line and exit 2, never a traceback
        Console(stderr=True).print(f"[bold red]错误 / error:[/] {e}", highlight=False)
        raise typer.Exit(2) from None
    if not quiet:
        print_summary(report, console, rejects_path)
    else:
        for stem, message in report.errors.items():
            console.print(f"[red]{stem}[/]: {message}", highlight=False)
    raise typer.Exit(0 if report.ok else 1)


def _ingest(
    folder: Path,
    batch_size: int,
    writers: int,
    quiet: bool,
    rejects: Path | None,
    snapshot: bool,
    as_of: str | None,
) -> tuple[IngestReport, Console, Path]:
    if not folder.is_dir():
        raise KgError(f"输入目录不存在或不是目录 / no such folder: {folder}")
    export_day: dt.date | None = None
    if as_of is not None:
        if not snapshot:
            raise KgError("--as-of 只与 --snapshot 一起使用 / --as-of only applies with --snapshot")
        try:
            export_day = parse_cn_date(as_of)
        except ValueError as e:
            raise KgError(f"--as-of: {e}") from None
        if export_day is None:
            raise KgError("--as-of 为空 / --as-of is empty")
    settings = get_settings()
    console = Console(stderr=quiet, width=None if sys.stdout.isatty() else 160)
    rejects_path = rejects or folder / DEFAULT_REJECTS_NAME
    exclude = rejects_path.name if rejects_path.resolve().parent == folder.resolve() else DEFAULT_REJECTS_NAME
    with session_driver(settings) as driver:
        try:
            apply_schema(driver, settings.neo4j_database)
            report = run_ingest(
                driver,
                settings.neo4j_database,
                folder,
                batch_size=batch_size,
                writers=writers,
                progress=not quiet,
                console=console,
                rejects_name=exclude,
                snapshot=snapshot,
                as_of=export_day,
            )
        except DRIVER_ERRORS as e:  # before the run started writing (schema, run record)
            raise IngestInterrupted(
                f"导入未完成：Neo4j 不可用或连接中断（{type(e).__name__}: {e}）。恢复后重新运行同一目录"
                f"（kg ingest {folder}）即可，导入是幂等的。 / Ingest did not complete: Neo4j became unavailable. "
                f"Rerun the same folder once it is back (kg ingest {folder}); the ingest is idempotent."
            ) from e
    clear_new_store_mark(settings)
    try:
        write_rejects(report, rejects_path)
    except OSError as e:
        raise KgError(f"无法写入拒绝行报告 / cannot write the rejects report {rejects_path}: {e}") from e
    return report, console, rejects_path


def print_summary(report: IngestReport, console: Console, rejects_path: Path | None = None) -> None:
    """The final table (file, read, loaded, rejected) and the commonest reasons for rejects."""
    # Narrow terminals (< 110 columns): Chinese headers only, numbers never cut, notes below the table.
    narrow = console.width < 110
    table = Table(title=f"导入结果 / ingest run {report.run_id}（{report.seconds:.1f} 秒）")
    cols = ["文件 file", "类型 type", "读取 read", "导入 loaded", "拒绝 rejected", "重复 dup"]
    if report.snapshot:
        cols.append("结束 ended")
    if not narrow:
        cols.append("说明 note")
    for col in cols:
        table.add_column(
            col.split()[0] if narrow else col,
            justify="right" if col[0] in "读导拒重结" else "left",
            no_wrap=col[0] != "说",
            overflow="fold" if col[0] in "文类" else "ellipsis",
        )
    notes = []
    for fr in report.files.values():
        note = f"[red]{fr.error}[/]" if fr.error else (fr.encoding or "")
        if fr.unknown_columns:
            note += f"；忽略列 / ignored columns: {'、'.join(fr.unknown_columns)}"
        if fr.snapshot_note and fr.kind == "relationship" and not fr.error:
            note += f"；{fr.snapshot_note}"
        if narrow and (fr.error or fr.unknown_columns or (fr.snapshot_note and fr.kind == "relationship")):
            notes.append(f"  {fr.path or fr.file}: {note}")
        cells = [
            fr.path or fr.file,
            fr.type,
            str(fr.read),
            str(fr.loaded),
            f"[yellow]{fr.rejected}[/]" if fr.rejected else "0",
            str(fr.duplicates),
        ]
        if report.snapshot:
            cells.append(str(fr.ended))
        table.add_row(*cells, *(() if narrow else (note,)))
    t = report.totals
    total = ["[bold]合计 total", "", str(t["read"]), str(t["loaded"]), str(t["rejected"]), ""]
    if report.snapshot:
        total.append(str(t["ended"]))
    table.add_row(*total, *(() if narrow else ("",)))
    console.print(table)
    for line in notes:
        console.print(line, highlight=False)
    if report.snapshot:
        console.print(
            f"快照导入 / snapshot: 导出日期 / as of {report.as_of}，共结束 {t['ended']} 条不再列出的关系"
            f"（未删除，end_date = {report.as_of}）/ {t['ended']} relationships no longer listed were ended",
            highlight=False,
        )
    if report.interrupted_runs:
        console.print(
            f"上次未完成的导入已记为 interrupted / earlier runs marked interrupted: "
            f"{'、'.join(report.interrupted_runs)}",
            highlight=False,
        )
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
            console.print(
                f"  {file} · {fld or '整行'} · {n} 行，如第 {ex.line} 行：{ex.reason}", highlight=False
            )
        if rejects_path:
            console.print(f"全部拒绝行见 / all rejected rows in: {rejects_path}", highlight=False)
    for stem, message in report.errors.items():
        console.print(f"[bold red]无法读取 / unreadable[/] {stem}: {message}", highlight=False)


def sample_command(
    out: Annotated[Path, typer.Option("--out", help="输出目录 / output folder")],
    scale: Annotated[
        str,
        typer.Option(
            "--scale",
            help="规模 / scale: city | city3 | province | city30 (1×, 3×, 15×, 30× 的城市 / the city)",
        ),
    ] = "city",
    seed: Annotated[int, typer.Option("--seed", help="随机种子 / random seed")] = 7,
    as_of: Annotated[
        str, typer.Option("--as-of", help="基准日期 / reference date, YYYY-MM-DD")
    ] = sample.DEFAULT_AS_OF.isoformat(),
) -> None:
    """Generate the sample city (or province) input files, answer key and dirty exports."""
    try:
        day = dt.date.fromisoformat(as_of)
    except ValueError as e:
        raise KgError(f"无法识别的日期 / unrecognised date {as_of!r} (YYYY-MM-DD)") from e
    key_path = sample.generate(out, scale=scale, seed=seed, as_of=day)
    key = json.loads(key_path.read_text(encoding="utf-8"))
    c = key["counts"]
    typer.echo(
        f"样例已生成 / sample written to {out}: {c['units']} 单位, {c['officers']} 民警, "
        f"{c['clues']} 线索, {c['cases']} 案件, {len(key['clusters'])} 个预埋团伙; 答案 / key: {key_path}"
    )
    later = key["later_postings"]
    typer.echo(
        f"较晚的任职导出 / later postings export: {out / later['folder']}（{later['ended']} 名民警调动；"
        f"kg ingest {out / later['folder']} --snapshot --as-of {later['as_of']}）"
    )
