"""``kg db …`` and ``kg schema …``."""

from __future__ import annotations

import shlex

import typer
from rich.console import Console

from graph.constraints import apply_schema
from graph.db import session_driver, start_embedded
from graph.server import EmbeddedServer
from graph.settings import get_settings

console = Console(soft_wrap=True)
db_app = typer.Typer(help="启动、停止、查看 Neo4j / Start, stop and inspect the Neo4j server.", no_args_is_help=True)
schema_app = typer.Typer(help="图模式：唯一约束与索引 / Graph schema: constraints and indexes.", no_args_is_help=True)


def _embedded_or_exit() -> EmbeddedServer:
    s = get_settings()
    if not s.embedded:
        console.print(f"NEO4J_URI={s.neo4j_uri} 已设置：使用外部服务器，本项目不启动或停止它。"
                      " / NEO4J_URI is set: the external server is used and never started or stopped here.")
        raise typer.Exit(0)
    return EmbeddedServer.from_settings(s)


@db_app.command("start")
def db_start(
    foreground: bool = typer.Option(False, "--foreground", help="在前台运行，Ctrl-C 安全停止 / run attached; Ctrl-C stops it cleanly"),
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
                console.print(f"外部 Neo4j 正常 / external Neo4j answers: {s.neo4j_uri} ({drv.get_server_info().agent})")
        except Exception as e:  # noqa: BLE001 - reported to the user, exit code says it
            console.print(f"外部 Neo4j 不可用 / external Neo4j unavailable: {e}")
            raise typer.Exit(1) from None
        return
    st = EmbeddedServer.from_settings(s).status()
    if st.bolt_answers:
        console.print(f"运行中 / running: {st.uri} ({st.server_agent}), pid {st.pid}, home {st.home}")
    elif st.process_alive:
        console.print(f"进程存在但 Bolt 未应答（可能正在启动）/ process {st.pid} alive but Bolt not answering yet")
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
