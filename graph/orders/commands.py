"""``kg order …``: issue, list, show and move supervision orders from the command line.

The command line is the office's own console (whoever holds the database credentials): it acts
as 从严办, under the name given by ``--by`` (default: the login name).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from graph.db import READ, session_driver
from graph.errors import InputFileError, QueryParamError
from graph.orders.store import Actor, act, create_order, get_order, list_orders
from graph.schema import OrderAction, OrderInput, OrderState, SupervisionFunction, parse_cn_date
from graph.settings import get_settings

console = Console(soft_wrap=True, highlight=False)
order_app = typer.Typer(
    help="督办单：下发、签收、反馈、办结、退回、撤销、导入 / Supervision orders.", no_args_is_help=True
)

ROLE = "从严办"
ByOpt = Annotated[str | None, typer.Option("--by", help="办理人 / who does it (default: login name)")]
OnOpt = Annotated[str | None, typer.Option("--on", help="办理日期，默认今天 / business date (default today)")]


def _actor(by: str | None) -> Actor:
    try:
        name = by or getpass.getuser()
    except (KeyError, OSError):
        name = "从严办"
    return Actor(name=name, role=ROLE)


def _date(value: str | None, what: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_cn_date(value)
    except ValueError as e:
        raise QueryParamError(f"{what}: {e}") from e


def _office_code(driver: object, database: str) -> str | None:
    records, _, _ = driver.execute_query(  # type: ignore[attr-defined]
        "MATCH (u:Unit {supervision_function: $f}) RETURN u.code AS code ORDER BY code LIMIT 1",
        f=SupervisionFunction.STRICT_GOVERNANCE_OFFICE.value,
        database_=database,
        routing_=READ,
    )
    return records[0]["code"] if records else None


@order_app.command("create")
def order_create(
    kind: Annotated[str, typer.Option("--kind", help="工作提示|督办单|提醒谈话|约谈函询|纪检建议书")],
    title: Annotated[str, typer.Option("--title", help="标题 / title")],
    assigned: Annotated[str, typer.Option("--assigned", help="承办单位编码 / the assigned unit's code")],
    deadline: Annotated[str, typer.Option("--deadline", help="办理期限 / deadline (2026-12-31)")],
    target: Annotated[
        list[str] | None, typer.Option("--target", help="督办对象 Label:key，可重复 / repeatable")
    ] = None,
    requirement: Annotated[
        str | None, typer.Option("--requirement", help="工作要求 / what is required")
    ] = None,
    issuer: Annotated[
        str | None, typer.Option("--issuer", help="下发单位编码，默认从严办 / issuing body")
    ] = None,
    priority: Annotated[str, typer.Option("--priority", help="一般|重要|紧急")] = "一般",
    issued_on: OnOpt = None,
    number: Annotated[str | None, typer.Option("--number", help="自带文号 / own order number")] = None,
    by: ByOpt = None,
) -> None:
    """Issue an order; the order number is printed on the last line."""
    try:
        data = OrderInput.model_validate(
            {
                "kind": kind,
                "title": title,
                "assignee_code": assigned,
                "deadline": deadline,
                "targets": tuple(target or ()),
                "requirement": requirement,
                "issuer_code": issuer,
                "priority": priority,
                "issued_on": issued_on,
                "order_no": number,
            }
        )
    except ValidationError as e:
        raise QueryParamError(
            "参数有误 / bad options: "
            + "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
        ) from None
    s = get_settings()
    with session_driver(s) as driver:
        no = create_order(
            driver, s.neo4j_database, data, _actor(by), default_issuer=_office_code(driver, s.neo4j_database)
        )
    console.print(
        f"已下发 / issued: {data.kind.value} “{data.title}” → {data.assignee_code}，期限 / deadline {data.deadline}"
    )
    print(no)


@order_app.command("list")
def order_list(
    state: Annotated[str | None, typer.Option("--state", help="已下发|已签收|已反馈|已办结|已撤销")] = None,
    assigned: Annotated[str | None, typer.Option("--assigned", help="承办单位编码 / assigned unit")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="只列逾期未反馈的 / overdue only")] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="截至日期 / as-of date (default today)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """List orders with their state at ``--as-of`` and whether they are overdue then."""
    if fmt not in ("table", "json"):
        raise QueryParamError(f"--format 应为 table 或 json / --format must be table or json, not {fmt!r}")
    st = None
    if state is not None:
        try:
            st = OrderState(state).value
        except ValueError:
            raise QueryParamError(
                f"未知状态 / unknown state {state!r}: " + "、".join(s.value for s in OrderState)
            ) from None
    day = _date(as_of, "--as-of") or dt.date.today()
    s = get_settings()
    with session_driver(s) as driver:
        rows = list_orders(
            driver,
            s.neo4j_database,
            as_of=day,
            state=st,
            assigned=[assigned] if assigned else None,
            overdue=True if overdue else None,
            limit=100000,
        )
    if fmt == "json":
        print(json.dumps({"as_of": day.isoformat(), "items": rows}, ensure_ascii=False, indent=2))
        return
    table = Table("编号", "类型", "标题", "承办单位", "下发", "期限", "状态", "逾期")
    for r in rows:
        table.add_row(
            r["order_no"],
            r["kind"],
            r["title"],
            f"{r['assignee_name']}({r['assignee_code']})",
            r["issued_on"],
            r["deadline"],
            r["state"],
            f"{r['days_overdue']} 天" if r["overdue"] else "",
        )
    console.print(table)
    console.print(
        f"共 {len(rows)} 份，截至 {day} 逾期 {sum(r['overdue'] for r in rows)} 份 / {len(rows)} orders"
    )


@order_app.command("show")
def order_show(
    no: Annotated[str, typer.Argument(help="督办编号 / order number")],
    fmt: Annotated[str, typer.Option("--format", help="text|json")] = "text",
) -> None:
    """One order and its history."""
    s = get_settings()
    with session_driver(s) as driver:
        o = get_order(driver, s.neo4j_database, no)
    if fmt == "json":
        print(json.dumps(o, ensure_ascii=False, indent=2))
        return
    console.print(f"[bold]{o['kind']} {o['order_no']}[/]：{o['title']}")
    late = f"（逾期 {o['days_overdue']} 天）" if o["overdue"] else ""
    console.print(
        f"状态 {o['state']}{late} · 下发 "
        f"{o['issuer_name']}({o['issuer_code']}) → 承办 {o['assignee_name']}({o['assignee_code']}) · "
        f"{o['issued_on']} 下发，期限 {o['deadline']} · {o['priority']}"
    )
    if o.get("requirement"):
        console.print(f"要求：{o['requirement']}")
    if o["targets"]:
        console.print("督办对象：" + "；".join(o["targets"]))
    table = Table("#", "环节", "状态", "日期", "办理人", "内容")
    for e in o["events"]:
        table.add_row(
            str(e["seq"]),
            e["action"],
            e["state_to"],
            e["on"],
            f"{e['actor']}（{e['role']}）",
            e.get("text") or "",
        )
    console.print(table)


def _step(action: OrderAction):  # type: ignore[no-untyped-def]
    def command(
        no: Annotated[str, typer.Argument(help="督办编号 / order number")],
        text: Annotated[
            str | None, typer.Option("--text", help="反馈内容或理由 / feedback or reason")
        ] = None,
        on: OnOpt = None,
        attachment: Annotated[
            list[Path] | None,
            typer.Option(
                "--attachment",
                help="附件（记录文件名和 SHA-256）/ attachment file: its name and SHA-256 are recorded",
            ),
        ] = None,
        by: ByOpt = None,
    ) -> None:
        import hashlib

        files = []
        for p in attachment or []:
            if not p.is_file():
                raise InputFileError(f"附件不存在 / attachment not found: {p}")
            files.append((p.name, hashlib.sha256(p.read_bytes()).hexdigest()))
        s = get_settings()
        with session_driver(s) as driver:
            o = act(
                driver,
                s.neo4j_database,
                no,
                action,
                _actor(by),
                text=text,
                on=_date(on, "--on"),
                attachments=files,
            )
        console.print(f"{no}：{action.value} → {o['state']}")

    command.__doc__ = f"{action.value} ({action.name.lower()}) an order."
    return command


for _a in (OrderAction.SIGN, OrderAction.FEEDBACK, OrderAction.CLOSE, OrderAction.RETURN, OrderAction.CANCEL):
    order_app.command(_a.name.lower())(_step(_a))


@order_app.command("import")
def order_import(
    file: Annotated[Path, typer.Argument(help="督办单表格（CSV 或 .xlsx）/ a spreadsheet of orders")],
    by: ByOpt = None,
) -> None:
    """Issue the orders of a spreadsheet; bad rows are listed with file, line, field and reason (exit 2)."""
    from graph.orders.importer import import_orders

    if not file.is_file():
        raise InputFileError(f"文件不存在 / file not found: {file}")
    s = get_settings()
    with session_driver(s) as driver:
        rep = import_orders(
            driver, s.neo4j_database, file, _actor(by), default_issuer=_office_code(driver, s.neo4j_database)
        )
    for r in rep.rejects:
        console.print(f"{r.file}:{r.line} [{r.field}] {r.reason}")
    console.print(
        f"{rep.file}: 读取 / read {rep.read} = 导入 / loaded {rep.loaded}（其中未变 / unchanged {rep.unchanged}）"
        f" + 拒绝 / rejected {rep.rejected}"
    )
    if rep.rejected:
        raise typer.Exit(2)


@order_app.command("seed-sample")
def order_seed_sample(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="样例数据的截至日期 / the sample's as-of date")
    ] = None,
) -> None:
    """Add the sample city's orders and consultations (idempotent; after `kg ingest` of the sample)."""
    from graph.orders.sample import seed_sample

    s = get_settings()
    with session_driver(s) as driver:
        made = seed_sample(driver, s.neo4j_database, as_of=_date(as_of, "--as-of"))
    console.print(
        f"样例督办单 / sample orders: {made['orders']}，会商 / consultations: {made['consultations']}"
        f"（新建 / new {made['created']}）"
    )
