"""``closed_loop``: transfers without feedback, clues without handler, overdue rectifications."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import neo4j
from pydantic import Field

from graph.thresholds import FEEDBACK_DAYS
from queries.common import AsOf, Params, as_of_field, date_from_field, date_to_field, record_rows, run_cypher
from queries.period import data_presence, resolve_window
from queries.registry import QueryDef, QueryResult, load_cypher, register

ISSUES = ("移送未反馈", "无承办", "整改逾期", "督办逾期")


class ClosedLoopParams(Params):
    days: int = Field(
        FEEDBACK_DAYS, ge=0, le=3650, title="反馈期限（天）", description="移送后超过此天数未反馈即为未闭环"
    )
    as_of: AsOf | None = as_of_field()
    date_from: AsOf | None = date_from_field("不限")
    date_to: AsOf | None = date_to_field()
    limit: int = Field(5000, ge=1, le=100000, title="最多返回行数")


def run_closed_loop(driver: neo4j.Driver, database: str, p: ClosedLoopParams) -> QueryResult:
    w = resolve_window(driver, database, as_of=p.as_of, date_from=p.date_from, date_to=p.date_to)
    presence = data_presence(driver, database)
    check_handlers = bool(presence.get("clue_handlers") or presence.get("transfers"))
    rows = record_rows(
        run_cypher(
            driver,
            database,
            "closed_loop",
            {
                **p.model_dump(),
                "as_of": w.as_of,
                "date_from": w.date_from,
                "date_to": w.date_to,
                "check_handlers": check_handlers,
            },
        )
    )
    notes = list(w.notes)
    if not presence.get("clues"):
        notes.append("没有问题线索数据，移送反馈和承办情况无从判断。")
    else:
        if not presence.get("transfers"):
            notes.append("未导入线索移送数据，无法判断移送未反馈。")
        if not check_handlers:
            notes.append("未导入线索承办和移送数据，无法判断线索是否有人承办（未列出“无承办”）。")
    if not presence.get("rectifications"):
        notes.append("未导入整改数据，无法判断整改逾期。")
    # Supervision orders past their deadline and not answered (graph.orders): an open loop too.
    rows += record_rows(
        run_cypher(
            driver,
            database,
            "closed_loop_orders",
            {
                "as_of": w.as_of,
                "date_from": w.date_from,
                "date_to": w.date_to,
            },
        )
    )
    by_unit: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ISSUES, 0))
    by_body: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ISSUES, 0))
    for r in rows:
        for u in r["units"] or ["（未知）"]:
            by_unit[u][r["issue"]] += 1
        if r["body_code"]:
            by_body[r["body_code"]][r["issue"]] += 1
    summary: dict[str, Any] = {
        "days": p.days,
        **w.summary(),
        **{issue: sum(1 for r in rows if r["issue"] == issue) for issue in ISSUES},
        "overdue_transfers": sorted({r["key"] for r in rows if r["issue"] == ISSUES[0]}),
        "clues_without_handler": sorted(r["key"] for r in rows if r["issue"] == ISSUES[1]),
        "overdue_rectifications": sorted(r["key"] for r in rows if r["issue"] == ISSUES[2]),
        "overdue_orders": sorted(r["key"] for r in rows if r["issue"] == ISSUES[3]),
        "by_unit": dict(sorted(by_unit.items())),
        "by_body": dict(sorted(by_body.items())),
    }
    return QueryResult(
        columns=list(load_cypher("closed_loop").columns),
        rows=rows[: p.limit],
        summary=summary,
        notes=notes,
        period=w.period(),
    )


register(
    QueryDef(
        name="closed_loop",
        title="线索闭环管理",
        description=f"问题发现→整改→治理的闭环：移送超过 days 天（默认 {FEEDBACK_DAYS}）仍未反馈的线索、没有承办机构的线索、"
        "超过期限未整改的事项、过了办理期限仍未反馈的督办单（只看日期在统计期 date_from–date_to 内的事项，逾期按截至日期判断）；"
        "summary 按单位和按承办机构汇总。",
        params=ClosedLoopParams,
        run=run_closed_loop,
        scopes=frozenset({"clues", "inspections", "org"}),
        columns=load_cypher("closed_loop").columns,
        cypher=("closed_loop", "data_as_of", "data_presence", "closed_loop_orders"),
    )
)
