"""``political_ecosystem`` and ``political_ecosystem_trend``: indicators, score and rating per unit."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import neo4j
from pydantic import Field

from graph.errors import NotFound
from graph.orders.machine import OPEN_STATES
from graph.schema import UnitKind
from queries.analysis.ecosystem import derive_rates, load_config, score_unit
from queries.common import (
    LEADER_RANKS,
    PETITION_SOURCE_VALUES,
    AsOf,
    Params,
    as_of_field,
    record_rows,
    run_cypher,
)
from queries.registry import QueryDef, QueryResult, load_cypher, register

COUNT_COLUMNS = [*load_cypher("political_ecosystem").columns, "overdue_orders"]
RATE_COLUMNS = ["clues_per_100", "cases_per_100", "petition_clues_per_100", "first_form_share"]
SCORE_COLUMNS = ["score", "rating", "reasons"]
EXCLUDED_KINDS = [UnitKind.SUPERVISION_BODY.value, UnitKind.EXTERNAL.value]


class EcosystemParams(Params):
    level: Literal["unit", "sub_bureau"] = Field("unit", title="统计层级",
                                                 description="unit=每个单位；sub_bureau=按分局/市局直属部门汇总")
    as_of: AsOf = as_of_field()
    year: int | None = Field(None, ge=2000, le=2100, title="年度",
                             description="统计年度；不填则为截至日期前 365 天")
    unit_code: str | None = Field(None, max_length=64, title="单位编码", description="只看这一个单位（汇总层级的编码）")


class TrendParams(Params):
    unit_code: str = Field(..., min_length=1, max_length=64, title="单位编码")
    level: Literal["unit", "sub_bureau"] = Field("unit", title="统计层级")
    as_of: AsOf = as_of_field()
    years: int = Field(5, ge=1, le=20, title="年数", description="截至日期所在年度及之前的年数")


def _period(as_of: dt.date, year: int | None) -> tuple[dt.date, dt.date, dt.date]:
    """(period_start, period_end, effective as_of): a calendar year, or the days up to as_of."""
    if year is None:
        return as_of - dt.timedelta(days=load_config().period_days - 1), as_of, as_of
    end = min(dt.date(year, 12, 31), as_of)
    return dt.date(year, 1, 1), end, end


def _indicators(driver: neo4j.Driver, database: str, *, level: str, as_of: dt.date, year: int | None,
                unit_code: str | None) -> list[dict[str, Any]]:
    cfg = load_config()
    start, end, eff = _period(as_of, year)
    if start > end:
        return []
    records = run_cypher(driver, database, "political_ecosystem", {
        "level": level, "as_of": eff, "unit_code": unit_code, "period_start": start, "period_end": end,
        "leader_ranks": LEADER_RANKS, "petition_sources": PETITION_SOURCE_VALUES,
        "excluded_kinds": EXCLUDED_KINDS, "nest_min_officers": cfg.nest_min_officers})
    # Overdue supervision orders per group (graph.orders): weight `overdue_orders` in ecosystem.toml.
    overdue_orders = {r["unit_code"]: r["overdue_orders"] for r in run_cypher(driver, database, "ecosystem_orders", {
        "level": level, "as_of": eff, "open_states": sorted(s.value for s in OPEN_STATES)})}
    rows = []
    for row in record_rows(records):
        row["overdue_orders"] = overdue_orders.get(row["unit_code"], 0)
        row = derive_rates(row)
        row.update(score_unit(row, cfg))
        row["period"] = f"{start.isoformat()}~{end.isoformat()}"
        rows.append(row)
    return rows


def run_ecosystem(driver: neo4j.Driver, database: str, p: EcosystemParams) -> QueryResult:
    rows = _indicators(driver, database, level=p.level, as_of=p.as_of, year=p.year, unit_code=p.unit_code)
    rows.sort(key=lambda r: (r["score"], r["unit_code"]))
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["rating"]] = counts.get(r["rating"], 0) + 1
    return QueryResult(columns=COLUMNS, rows=rows,
                       summary={"units": len(rows), "ratings": counts, "level": p.level,
                                "period": rows[0]["period"] if rows else None})


def run_trend(driver: neo4j.Driver, database: str, p: TrendParams) -> QueryResult:
    if not run_cypher(driver, database, "unit_exists", {"unit_code": p.unit_code}):
        raise NotFound(f"没有单位 {p.unit_code!r} / no unit with code {p.unit_code!r}")
    rows = []
    for year in range(p.as_of.year - p.years + 1, p.as_of.year + 1):
        for r in _indicators(driver, database, level=p.level, as_of=p.as_of, year=year, unit_code=p.unit_code):
            rows.append({"year": year, **r})
    return QueryResult(columns=["year", *COLUMNS], rows=rows, summary={"unit_code": p.unit_code, "years": len(rows)})


COLUMNS = [*COUNT_COLUMNS, *RATE_COLUMNS, *SCORE_COLUMNS, "period"]

register(QueryDef(
    name="political_ecosystem", title="政治生态评价",
    description="按单位（或按分局汇总）计算政治生态指标：每百人线索数和案件数、涉及领导干部的案件、窝案、串案、"
                "被重复举报人数、第一种形态占比、逾期整改、信访举报线索，给出得分、好/较好/一般/差四级评定及其原因。"
                "权重与阈值见 queries/ecosystem.toml。",
    params=EcosystemParams, run=run_ecosystem, scopes=frozenset({"org", "clues", "cases", "inspections"}),
    aggregate=True, columns=tuple(COLUMNS), cypher=("political_ecosystem", "ecosystem_orders")))

register(QueryDef(
    name="political_ecosystem_trend", title="政治生态趋势",
    description="一个单位逐年的政治生态指标、得分与评定（需要单位编码）。",
    params=TrendParams, run=run_trend, scopes=frozenset({"org", "clues", "cases", "inspections"}),
    entity="Unit", aggregate=True, columns=("year", *COLUMNS), cypher=("political_ecosystem", "unit_exists", "ecosystem_orders")))
