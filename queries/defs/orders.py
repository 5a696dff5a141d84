"""``order_statistics``: supervision orders issued, answered on time, overdue — by body and kind, per period.

The feed of the office's periodic 通报 (bulletin). Interface (fixed): parameters ``date_from``,
``date_to``, ``as_of``; rows with ``body`` (the assigned body's name), ``body_code``, ``kind``,
``issued``, ``answered_on_time``, ``answered_late``, ``overdue``, ``open``, ``closed``, ``cancelled``.

At ``as_of`` every order issued in the period is either answered (on time or late: its standing
feedback dated by the deadline or after; 已反馈 and 已办结), open (已下发, 已签收; ``overdue`` are
the open ones past the deadline) or cancelled: issued = on time + late + open + cancelled.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import neo4j
from pydantic import Field, model_validator

from graph.thresholds import DEFAULT_PERIOD_DAYS
from queries.common import AsOf, Params, record_rows, run_cypher
from queries.registry import QueryDef, QueryResult, load_cypher, register

COUNTS = ("issued", "answered_on_time", "answered_late", "overdue", "open", "closed", "cancelled")


class OrderStatisticsParams(Params):
    date_from: AsOf | None = Field(
        None,
        title="起始日期",
        description=f"统计期开始（按下发日期）；默认截止日期前 {DEFAULT_PERIOD_DAYS} 天",
    )
    date_to: AsOf | None = Field(None, title="截止日期", description="统计期结束（按下发日期）；默认 as_of")
    as_of: AsOf | None = Field(None, title="截至日期", description="判断反馈和逾期的日期；默认截止日期或今天")

    @model_validator(mode="after")
    def _defaults(self) -> OrderStatisticsParams:
        today = dt.date.today()
        if self.as_of is None:
            self.as_of = min(self.date_to, today) if self.date_to else today
        if self.date_to is None:
            self.date_to = self.as_of
        if self.date_from is None:
            self.date_from = self.date_to - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if self.date_from > self.date_to:
            raise ValueError("起始日期晚于截止日期 / date_from is after date_to")
        return self


def run_order_statistics(driver: neo4j.Driver, database: str, p: OrderStatisticsParams) -> QueryResult:
    rows = record_rows(
        run_cypher(
            driver,
            database,
            "order_statistics",
            {
                **p.model_dump(),
            },
        )
    )
    totals: dict[str, Any] = {c: sum(r[c] for r in rows) for c in COUNTS}
    answered = totals["answered_on_time"] + totals["answered_late"]
    totals["on_time_rate"] = round(totals["answered_on_time"] / answered, 4) if answered else None
    by_kind: dict[str, dict[str, int]] = {}
    by_body: dict[str, dict[str, int]] = {}
    for r in rows:
        for key, bucket in ((r["kind"], by_kind), (r["body"] or r["body_code"], by_body)):
            agg = bucket.setdefault(key, dict.fromkeys(COUNTS, 0))
            for c in COUNTS:
                agg[c] += r[c]
    notes = (
        []
        if rows
        else [f"{p.date_from} 至 {p.date_to} 期间没有下发督办单的记录（督办单只来自本系统的下发记录）。"]
    )
    assert p.date_from and p.date_to and p.as_of
    return QueryResult(
        columns=list(load_cypher("order_statistics").columns),
        rows=rows,
        summary={**totals, "by_kind": by_kind, "by_body": by_body, "as_of": p.as_of.isoformat()},
        notes=notes,
        period={"date_from": p.date_from.isoformat(), "date_to": p.date_to.isoformat()},
    )


register(
    QueryDef(
        name="order_statistics",
        title="督办统计",
        description="统计期内（按下发日期，date_from~date_to）下发的督办单，按承办单位和督办类型：下发数、截至 as_of 已反馈"
        "（含办结）中按期（反馈日期不晚于办理期限）与超期的数目、逾期未反馈、在办、办结、撤销；summary 含合计、按期反馈率、"
        "按类型和按单位汇总。用于定期通报。",
        params=OrderStatisticsParams,
        run=run_order_statistics,
        scopes=frozenset({"org"}),
        aggregate=True,
        columns=load_cypher("order_statistics").columns,
        cypher=("order_statistics",),
    )
)
