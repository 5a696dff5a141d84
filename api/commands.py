"""``kg serve`` and ``kg token …``."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.security import PSEUDONYM_KEY_ENV, load_roles, new_pseudonym_key
from api.tokens import create_token, list_tokens, parse_expiry, revoke_token
from graph.db import read, session_driver
from graph.errors import KgError
from graph.settings import get_settings

log = logging.getLogger(__name__)
console = Console(soft_wrap=True, highlight=False)

token_app = typer.Typer(
    help="访问令牌：创建、撤销、列出 / API tokens: create, revoke, list.", no_args_is_help=True
)


def _roles_help() -> str:
    return ", ".join(f"{r.title} ({r.name})" for r in load_roles().values())


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option("--role", help="角色（中文或英文名）/ role, Chinese or English name")],
    name: Annotated[str, typer.Option("--name", help="持有人或系统名称 / holder or system name")],
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires",
            help="有效期，如 90d、12h、30m；默认不过期 / lifetime such as 90d, 12h, 30m; default: none",
        ),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit",
            help="代表的单位编码（签收、反馈交办给该单位的督办单）/ unit code the holder acts for (orders)",
        ),
    ] = None,
) -> None:
    """Create a token. The secret is printed once, on the last line, and stored only as a hash."""
    lifetime = parse_expiry(expires) if expires is not None else None
    settings = get_settings()
    with session_driver(settings) as driver:
        if unit is not None and not read(
            driver, settings.neo4j_database, "MATCH (u:Unit {code: $c}) RETURN u", c=unit
        ):
            raise KgError(f"没有单位 {unit!r} / no unit with code {unit!r}")
        info, secret = create_token(driver, settings.neo4j_database, role, name, unit, lifetime)
    until = f", 有效期至 / expires {info.expires_at}" if info.expires_at else ""
    console.print(
        f"令牌已创建 / token created: id {info.token_id}, 角色 / role {info.role}, 名称 / name {info.name}{until}"
    )
    console.print("请妥善保存，令牌只显示这一次 / keep it safe, it is shown only once:")
    print(secret)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="令牌编号 / token id (kg token list)")],
) -> None:
    """Revoke a token and its login sessions (a running server refuses it from the next request)."""
    settings = get_settings()
    with session_driver(settings) as driver:
        info = revoke_token(driver, settings.neo4j_database, token_id)
    console.print(f"已撤销 / revoked: {info.token_id} ({info.name}, {info.role}) at {info.revoked_at}")


@token_app.command("list")
def token_list() -> None:
    """List tokens (never their secrets)."""
    settings = get_settings()
    with session_driver(settings) as driver:
        tokens = list_tokens(driver, settings.neo4j_database)
    table = Table(
        "编号 / id", "名称 / name", "角色 / role", "创建 / created", "过期 / expires", "撤销 / revoked"
    )
    for t in tokens:
        table.add_row(t.token_id, t.name, t.role, t.created_at, t.expires_at or "", t.revoked_at or "")
    console.print(table)


def serve(
    host: Annotated[str, typer.Option(help="监听地址 / bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 / port")] = 8000,
    demo_token: Annotated[
        bool,
        typer.Option(
            "--demo-token",
            help="创建一个从严办演示令牌并打印示例 curl / create a 从严办 demo token, print curl examples",
        ),
    ] = False,
    workers: Annotated[int, typer.Option(help="进程数 / worker processes")] = 1,
    http_log: Annotated[
        bool,
        typer.Option(
            "--http-log",
            help="每个 HTTP 请求打印一行（调阅留痕另有访问日志）/ one line per HTTP request on stdout "
            "(the access log of personal data is kept either way)",
        ),
    ] = False,
) -> None:
    """Serve the HTTP API with uvicorn (OpenAPI docs at /docs)."""
    import uvicorn

    settings = get_settings()
    if settings.embedded:
        from graph.server import EmbeddedServer

        try:
            EmbeddedServer.from_settings(settings).start()
        except KgError as e:
            log.warning("embedded Neo4j did not start (%s); the API starts anyway and answers 503", e)
    try:
        from queries.commands import warn_if_empty

        with session_driver(settings, start=False) as driver:
            warn_if_empty(driver, settings)  # one line on stderr; the API serves anyway
    except KgError:
        pass
    if demo_token:
        with session_driver(settings) as driver:
            info, secret = create_token(driver, settings.neo4j_database, "strict_office", "演示 / demo")
        base = f"http://{host}:{port}"
        console.print(
            f"\n领导首页 / leaders' home: {base}/   (登录 / login: {base}/login，粘贴下面的令牌 / paste the token below)"
        )
        console.print(f"API: {base}   文档 / docs: {base}/docs")
        console.print(f"演示令牌（从严办）/ demo token (strict_office), id {info.token_id}:")
        console.print(f"  export KG_TOKEN={secret}")
        console.print(f'  curl -H "Authorization: Bearer $KG_TOKEN" "{base}/search?q=%E5%BC%A0"')
        console.print(f'  curl -H "Authorization: Bearer $KG_TOKEN" "{base}/queries"')
        console.print(
            f'  curl -H "Authorization: Bearer $KG_TOKEN" "{base}/relationships?type=SERVES_IN&limit=5"'
        )
        console.print(f'  curl -H "Authorization: Bearer $KG_TOKEN" "{base}/audit?limit=5"')
        console.print(
            "停止 / stop: Ctrl-C 停止 API / stops the API；然后 / then `.venv/bin/kg db stop` 停止 Neo4j / stops Neo4j\n"
        )
    if workers > 1:
        # The workers share what makes them one server: the key masked officers' aliases are
        # made with (an alias issued by one worker opens on every other), and the count that
        # splits the server-wide limits among them (api.limits.worker_share).
        os.environ.setdefault(PSEUDONYM_KEY_ENV, new_pseudonym_key())
        os.environ["KG_API_WORKERS"] = str(workers)
        # Each worker imports the app and connects on its own; on a busy machine that takes longer
        # than uvicorn's default 5 s start-up check, which would restart workers in a loop.
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=http_log,
            timeout_worker_healthcheck=120,
        )
    else:
        from api.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=http_log)
