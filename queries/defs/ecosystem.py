"""``political_ecosystem`` and ``political_ecosystem_trend``: indicators, score and rating per unit."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import neo4j
from pydantic import Field, model_validator

from graph.errors import NotFound, QueryParamError
from graph.thresholds import DEFAULT_PERIOD_DAYS, NEST_MIN_OFFICERS
from queries.analysis.ecosystem import NO_DATA, derive_rates, load_config, score_unit
from queries.common import (
    AsOf,
    Params,
    as_of_field,
    date_from_field,
    date_to_field,
    record_rows,
    run_cypher,
)
from queries.period import Window, data_presence, resolve_window
from queries.registry import QueryDef, QueryResult, load_cypher, register

COUNT_COLUMNS = [*load_cypher("political_ecosystem").columns, "overdue_orders"]
RATE_COLUMNS = ["clues_per_100", "cases_per_100", "petition_clues_per_100", "first_form_share"]
SCORE_COLUMNS = ["score", "rating", "reasons"]


class EcosystemParams(Params):
    level: Literal["unit", "sub_bureau"] = Field(
        "unit", title="统计层级", description="unit=每个单位；sub_bureau=按分局/市局直属部门汇总"
    )
    as_of: AsOf | None = as_of_field()
    date_from: AsOf | None = date_from_field(f"为统计截止日期前 {DEFAULT_PERIOD_DAYS} 天")
    date_to: AsOf | None = date_to_field()
    year: int | None = Field(
        None,
        ge=1900,
        le=2100,
        title="年度",
        description="统计年度（date_from/date_to 的简写：该年 1 月 1 日至 12 月 31 日，不晚于截至日期）",
    )
    unit_code: str | None = Field(
        None, max_length=64, title="单位编码", description="只看这一个单位（汇总层级的编码）"
    )

    @model_validator(mode="after")
    def _year_or_dates(self) -> EcosystemParams:
        if self.year is not None and (self.date_from is not None or self.date_to is not None):
            raise ValueError("year 与 date_from/date_to 只能二选一 / give either year or date_from/date_to")
        return self


class TrendParams(Params):
    unit_code: str = Field(..., min_length=1, max_length=64, title="单位编码")
    level: Literal["unit", "sub_bureau"] = Field("unit", title="统计层级")
    as_of: AsOf | None = as_of_field()
    years: int = Field(
        5, ge=1, le=20, title="年数", description="截至日期所在年度及之前的年数（未给 date_from 时）"
    )
    date_from: AsOf | None = date_from_field("为截至日期所在年度及之前 years 年")
    date_to: AsOf | None = date_to_field()


def _window(driver: neo4j.Driver, database: str, p: EcosystemParams) -> Window:
    days = DEFAULT_PERIOD_DAYS
    if p.year is not None:
        w = resolve_window(driver, database, as_of=p.as_of)
        w.date_from, w.date_to = dt.date(p.year, 1, 1), min(dt.date(p.year, 12, 31), w.as_of)
        if w.date_from > w.date_to:
            raise QueryParamError(
                f"年度 {p.year} 晚于截至日期 {w.as_of.isoformat()} / year {p.year} is after as_of"
            )
        return w
    return resolve_window(
        driver, database, as_of=p.as_of, date_from=p.date_from, date_to=p.date_to, default_days=days
    )


def _indicators(
    driver: neo4j.Driver,
    database: str,
    *,
    level: str,
    as_of: dt.date,
    start: dt.date,
    end: dt.date,
    unit_code: str | None,
) -> list[dict[str, Any]]:
    cfg = load_config()
    records = run_cypher(
        driver,
        database,
        "political_ecosystem",
        {
            "level": level,
            "as_of": as_of,
            "unit_code": unit_code,
            "date_from": start,
            "date_to": end,
            "nest_min_officers": NEST_MIN_OFFICERS,
        },
    )
    # Overdue supervision orders per group (graph.orders): weight `overdue_orders` in ecosystem.toml.
    overdue_orders = {
        r["unit_code"]: r["overdue_orders"]
        for r in run_cypher(
            driver,
            database,
            "ecosystem_orders",
            {"level": level, "as_of": as_of},
        )
    }
    rows = []
    for row in record_rows(records):
        row["overdue_orders"] = overdue_orders.get(row["unit_code"], 0)
        row = derive_rates(row)
        row.update(score_unit(row, cfg))
        row["period"] = f"{start.isoformat()}~{end.isoformat()}"
        rows.append(row)
    return rows


def ecosystem_notes(
    rows: list[dict[str, Any]],
    presence: dict[str, int],
    *,
    level: str,
    period: str,
    data_date: dt.date | None,
) -> list[str]:
    """Where the indicators rest on missing data, in plain Chinese (one sentence each)."""
    notes: list[str] = []
    till = f"（数据截至 {data_date.isoformat()}）" if data_date else ""
    if rows and not any(r["clues"] or r["cases"] for r in rows):
        notes.append(f"统计期 {period} 内没有任何涉及各单位的问题线索和案件记录{till}，评定无从谈起。")
    no_data = [r for r in rows if r["rating"] == NO_DATA]
    if no_data:
        notes.append(
            f"{len(no_data)} 个单位统计期内没有线索、案件、检查或整改记录，评定为“{NO_DATA}”（没有记录不等于没有问题）。"
        )
    if level == "sub_bureau" and not presence.get("deep_units"):
        notes.append("单位树没有分局一级（没有两级以上的隶属关系），按分局汇总与按单位统计相同。")
    if not presence.get("postings"):
        notes.append("未导入任职数据：各单位在职人数不明，每百人指标无法计算。")
    else:
        bare = sum(1 for r in rows if not r["officers"])
        if bare:
            notes.append(f"{bare} 个单位没有当前在职人员数据，其每百人指标未计算。")
    if not presence.get("rectifications"):
        notes.append("未导入整改数据，逾期未整改指标无法判断（按 0 计）。")
    unknown_rank = sum(r.get("unknown_rank_officers") or 0 for r in rows)
    if unknown_rank:
        notes.append(
            f"{unknown_rank} 名涉案民警职级未知，未计入涉及领导干部案件数（单位负责人和党委班子成员除外）。"
        )
    if not presence.get("heads") and not presence.get("committee_seats"):
        notes.append("未导入单位负责人和党委班子成员数据，领导干部只按职级认定。")
    unknown_source = sum(r.get("unknown_source_clues") or 0 for r in rows)
    if unknown_source:
        notes.append(f"{unknown_source} 条线索来源未知，未计入信访举报线索。")
    if any(r["cases"] for r in rows) and not any(r["formed_involvements"] for r in rows):
        notes.append("统计期内的涉案人次都没有处理形态，第一种形态占比无法计算。")
    return notes


def _sort_key(r: dict[str, Any]) -> tuple[Any, ...]:
    return (r["score"] is None, r["score"] if r["score"] is not None else 0.0, r["unit_code"])


def run_ecosystem(driver: neo4j.Driver, database: str, p: EcosystemParams) -> QueryResult:
    w = _window(driver, database, p)
    assert w.date_from is not None
    rows = _indicators(
        driver,
        database,
        level=p.level,
        as_of=w.as_of,
        start=w.date_from,
        end=w.date_to,
        unit_code=p.unit_code,
    )
    rows.sort(key=_sort_key)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["rating"]] = counts.get(r["rating"], 0) + 1
    presence = data_presence(driver, database)
    notes = w.notes + ecosystem_notes(rows, presence, level=p.level, period=w.label(), data_date=w.data_date)
    return QueryResult(
        columns=COLUMNS,
        rows=rows,
        notes=notes,
        period=w.period(),
        summary={"units": len(rows), "ratings": counts, "level": p.level, "period": w.label(), **w.summary()},
    )


def run_trend(driver: neo4j.Driver, database: str, p: TrendParams) -> QueryResult:
    if not run_cypher(driver, database, "unit_exists", {"unit_code": p.unit_code}):
        raise NotFound(f"没有单位 {p.unit_code!r} / no unit with code {p.unit_code!r}")
    w = resolve_window(driver, database, as_of=p.as_of, date_from=p.date_from, date_to=p.date_to)
    first = w.date_from or dt.date(w.date_to.year - p.years + 1, 1, 1)
    w.date_from = first
    rows = []
    for year in range(first.year, w.date_to.year + 1):
        start, end = max(dt.date(year, 1, 1), first), min(dt.date(year, 12, 31), w.date_to)
        # each year is judged with that year's officers: the state at the end of the year
        for r in _indicators(
            driver,
            database,
            level=p.level,
            as_of=min(end, w.as_of),
            start=start,
            end=end,
            unit_code=p.unit_code,
        ):
            rows.append({"year": year, **r})
    presence = data_presence(driver, database)
    notes = w.notes + ecosystem_notes(rows, presence, level=p.level, period=w.label(), data_date=w.data_date)
    return QueryResult(
        columns=["year", *COLUMNS],
        rows=rows,
        notes=notes,
        period=w.period(),
        summary={"unit_code": p.unit_code, "years": len(rows), **w.summary()},
    )


COLUMNS = [*COUNT_COLUMNS, *RATE_COLUMNS, *SCORE_COLUMNS, "period"]

register(
    QueryDef(
        name="political_ecosystem",
        title="政治生态评价",
        description="按单位（或按分局汇总）计算政治生态指标：每百人线索数和案件数、涉及领导干部的案件、窝案、串案、"
        "被重复举报人数、第一种形态占比、逾期整改、信访举报线索，给出得分、好/较好/一般/差四级评定及其原因；"
        f"统计期内没有任何记录的单位评定为“无数据”。统计期默认为截至日期（默认数据截至日期）前 {DEFAULT_PERIOD_DAYS} 天。"
        "权重与阈值见 queries/ecosystem.toml。",
        params=EcosystemParams,
        run=run_ecosystem,
        scopes=frozenset({"org", "clues", "cases", "inspections"}),
        aggregate=True,
        columns=tuple(COLUMNS),
        cypher=("political_ecosystem", "data_as_of", "data_presence", "ecosystem_orders"),
    )
)

register(
    QueryDef(
        name="political_ecosystem_trend",
        title="政治生态趋势",
        description="一个单位逐年的政治生态指标、得分与评定（需要单位编码）。",
        params=TrendParams,
        run=run_trend,
        scopes=frozenset({"org", "clues", "cases", "inspections"}),
        entity="Unit",
        aggregate=True,
        columns=("year", *COLUMNS),
        cypher=("political_ecosystem", "unit_exists", "data_as_of", "data_presence", "ecosystem_orders"),
    )
)
