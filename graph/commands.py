"""``kg db …`` and ``kg schema …``."""

from __future__ import annotations

import shlex
from pathlib import Path

import typer
from rich.console import Console

from graph.constraints import apply_schema
from graph.db import session_driver, start_embedded
from graph.errors import KgError
from graph.server import EmbeddedServer
from graph.settings import get_settings

console = Console(soft_wrap=True)
db_app = typer.Typer(
    help="启动、停止、查看 Neo4j / Start, stop and inspect the Neo4j server.", no_args_is_help=True
)
schema_app = typer.Typer(
    help="图模式：唯一约束与索引 / Graph schema: constraints and indexes.", no_args_is_help=True
)


def _embedded_or_exit() -> EmbeddedServer:
    s = get_settings()
    if not s.embedded:
        console.print(
            f"NEO4J_URI={s.neo4j_uri} 已设置：使用外部服务器，本项目不启动或停止它。"
            " / NEO4J_URI is set: the external server is used and never started or stopped here."
        )
        raise typer.Exit(0)
    return EmbeddedServer.from_settings(s)


@db_app.command("start")
def db_start(
    foreground: bool = typer.Option(
        False, "--foreground", help="在前台运行，Ctrl-C 安全停止 / run attached; Ctrl-C stops it cleanly"
    ),
) -> None:
    """Start the embedded Neo4j (builds the launcher on first use); returns once Bolt answers."""
    server = _embedded_or_exit()
    if foreground:
        if server.bolt_agent():
            console.print(f"Neo4j 已在运行 / already running: {server.uri}")
            return
        raise typer.Exit(server.run_foreground())
    started = start_embedded(server, get_settings())
    agent = server.bolt_agent()
    word = "已启动 / started" if started else "已在运行 / already running"
    console.print(f"Neo4j {word}: {server.uri} ({agent}), home {server.home}")


@db_app.command("stop")
def db_stop() -> None:
    """Shut the embedded Neo4j down cleanly."""
    server = _embedded_or_exit()
    stopped = server.stop()
    console.print("Neo4j 已停止 / stopped" if stopped else "Neo4j 未在运行 / was not running")


@db_app.command("status")
def db_status() -> None:
    """Tell whether Neo4j runs and answers on Bolt. Exit code 0 when it answers, 1 otherwise."""
    s = get_settings()
    if not s.embedded:
        from graph.db import open_driver

        try:
            with open_driver(s) as drv:
                console.print(
                    f"外部 Neo4j 正常 / external Neo4j answers: {s.neo4j_uri} ({drv.get_server_info().agent})"
                )
        except Exception as e:  # noqa: BLE001 - reported to the user, exit code says it
            console.print(f"外部 Neo4j 不可用 / external Neo4j unavailable: {e}")
            raise typer.Exit(1) from None
        return
    st = EmbeddedServer.from_settings(s).status()
    if st.bolt_answers:
        console.print(f"运行中 / running: {st.uri} ({st.server_agent}), pid {st.pid}, home {st.home}")
    elif st.elsewhere:
        console.print(st.elsewhere)
        raise typer.Exit(1)
    elif st.process_alive:
        console.print(
            f"进程存在但 Bolt 未应答（可能正在启动）/ process {st.pid} alive but Bolt not answering yet"
        )
        raise typer.Exit(1)
    else:
        console.print(f"未运行 / not running ({st.uri}, home {st.home})")
        raise typer.Exit(1)


@db_app.command("env")
def db_env() -> None:
    """Print ``export NEO4J_URI=… NEO4J_USER=… NEO4J_PASSWORD=…`` for scripts and cypher-shell."""
    s = get_settings()
    if s.embedded:
        server = EmbeddedServer.from_settings(s)
        uri, user, pw = server.uri, server.user, server.password()
    else:
        uri, user, pw = s.neo4j_uri or "", s.neo4j_user, s.neo4j_password or ""
    typer.echo(f"export NEO4J_URI={shlex.quote(uri)}")
    typer.echo(f"export NEO4J_USER={shlex.quote(user)}")
    typer.echo(f"export NEO4J_PASSWORD={shlex.quote(pw)}")


@schema_app.command("apply")
def schema_apply() -> None:
    """Create the uniqueness constraints and indexes declared by the schema (idempotent)."""
    s = get_settings()
    with session_driver(s) as driver:
        created = apply_schema(driver, s.neo4j_database)
    if created:
        console.print(f"已创建 {len(created)} 个约束/索引 / created {len(created)}: {', '.join(created)}")
    else:
        console.print("模式已是最新，无变化 / schema already up to date, nothing changed")


@db_app.command("backup")
def db_backup(
    file: Path = typer.Argument(
        ..., help="备份文件（.jsonl 或 .jsonl.gz；--offline 时为 .tar.gz）/ backup file"
    ),
    offline: bool = typer.Option(
        False, "--offline", help="停机时复制内置服务器的存储目录 / copy the stopped store"
    ),
) -> None:
    """Back up every node and relationship (orders, events, tokens and the access log included)."""
    from graph.backup import backup, offline_backup

    s = get_settings()
    if offline:
        server = _embedded_or_exit()
        if server.bolt_agent():
            raise KgError(
                "离线备份须先停止 Neo4j（kg db stop）/ stop Neo4j first (kg db stop) for an offline backup"
            )
        rep = offline_backup(server.home, file)
        console.print(f"离线备份完成 / offline backup written: {rep['file']}")
        return
    with session_driver(s) as driver:
        rep = backup(driver, s.neo4j_database, file)
    console.print(
        f"备份完成 / backup written: {rep['file']}，节点 / nodes {rep['nodes']}，关系 / relationships "
        f"{rep['relationships']}"
    )


@db_app.command("restore")
def db_restore(
    file: Path = typer.Argument(..., help="kg db backup 写出的文件 / a file written by kg db backup"),
    replace: bool = typer.Option(False, "--replace", help="先清空数据库 / wipe the database first"),
    offline: bool = typer.Option(False, "--offline", help="停机时放回存储目录 / put a stopped store back"),
) -> None:
    """Restore a backup into an empty database (``--replace`` wipes it first)."""
    from graph.backup import offline_restore, restore

    s = get_settings()
    if offline:
        server = _embedded_or_exit()
        if server.bolt_agent():
            raise KgError("离线恢复须先停止 Neo4j（kg db stop）/ stop Neo4j first (kg db stop)")
        offline_restore(server.home, file, replace=replace)
        console.print(f"已放回存储目录 / store restored into {server.home}; kg db start")
        return
    with session_driver(s) as driver:
        rep = restore(driver, s.neo4j_database, file, replace=replace)
    console.print(
        f"恢复完成 / restored: 节点 / nodes {rep['nodes']}，关系 / relationships {rep['relationships']}"
    )
