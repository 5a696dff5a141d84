"""``violation_statistics*``: the analysts' tables (分析研判), vertical and horizontal.

One Cypher file returns one row per involvement (case × officer) in the period; the tables are
pivots of it in Python, so every table counts the same population.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, Literal

import neo4j
from pydantic import Field, model_validator

from graph.schema import Form
from queries.common import AsOf, Params, as_of_field, record_rows, run_cypher
from queries.registry import QueryDef, QueryResult, register

SCOPES = frozenset({"cases", "officers", "org"})


class StatsParams(Params):
    as_of: AsOf = as_of_field()
    year_from: int | None = Field(None, ge=2000, le=2100, title="起始年度", description="默认为截至日期前 4 年")
    year_to: int | None = Field(None, ge=2000, le=2100, title="截止年度", description="默认为截至日期所在年度")

    @model_validator(mode="after")
    def _years(self) -> StatsParams:
        if self.year_from and self.year_to and self.year_from > self.year_to:
            raise ValueError("起始年度不能晚于截止年度 / year_from is after year_to")
        return self

    def period(self) -> tuple[dt.date, dt.date]:
        y_to = self.year_to or self.as_of.year
        y_from = self.year_from or (y_to - 4)
        return dt.date(y_from, 1, 1), min(dt.date(y_to, 12, 31), self.as_of)


class TimeParams(StatsParams):
    period_kind: Literal["year", "quarter"] = Field("year", title="时间粒度")


def _involvements(driver: neo4j.Driver, database: str, p: StatsParams) -> list[dict[str, Any]]:
    start, end = p.period()
    return record_rows(run_cypher(driver, database, "violation_involvements",
                                  {"as_of": p.as_of, "period_start": start, "period_end": end}))


def _summary(p: StatsParams, inv: list[dict[str, Any]]) -> dict[str, Any]:
    start, end = p.period()
    return {"period": f"{start.isoformat()}~{end.isoformat()}", "involvements": len(inv),
            "cases": len({r["case_no"] for r in inv})}


def run_vertical(driver: neo4j.Driver, database: str, p: StatsParams) -> QueryResult:
    inv = _involvements(driver, database, p)
    counts = Counter((r["violation_type"], r["police_type"], r["rank"]) for r in inv)
    cases: dict[tuple[str, str, str], set[str]] = {}
    for r in inv:
        cases.setdefault((r["violation_type"], r["police_type"], r["rank"]), set()).add(r["case_no"])
    rows = [{"violation_type": k[0], "police_type": k[1], "rank": k[2], "involvements": n, "cases": len(cases[k])}
            for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return QueryResult(columns=["violation_type", "police_type", "rank", "involvements", "cases"], rows=rows,
                       summary=_summary(p, inv))


def run_time(driver: neo4j.Driver, database: str, p: TimeParams) -> QueryResult:
    inv = _involvements(driver, database, p)
    cases: dict[tuple[str, str], set[str]] = {}
    for r in inv:
        when = str(r["year"]) if p.period_kind == "year" else f"{r['year']}Q{r['quarter']}"
        cases.setdefault((when, r["district"]), set()).add(r["case_no"])
    rows = [{"period": k[0], "district": k[1], "cases": len(v)} for k, v in sorted(cases.items())]
    return QueryResult(columns=["period", "district", "cases"], rows=rows, summary=_summary(p, inv))


def run_yoy(driver: neo4j.Driver, database: str, p: StatsParams) -> QueryResult:
    inv = _involvements(driver, database, p)
    per: dict[tuple[str, int], set[str]] = {}
    for r in inv:
        per.setdefault((r["violation_type"], r["year"]), set()).add(r["case_no"])
    start, end = p.period()
    rows = []
    for vt in sorted({k[0] for k in per}):
        for year in range(start.year, end.year + 1):
            n = len(per.get((vt, year), ()))
            prev = len(per.get((vt, year - 1), ())) if year > start.year else None
            change = None if prev is None else n - prev
            rate = None if not prev else round((n - prev) / prev, 4)
            rows.append({"violation_type": vt, "year": year, "cases": n, "previous": prev, "change": change,
                         "change_rate": rate})
    return QueryResult(columns=["violation_type", "year", "cases", "previous", "change", "change_rate"], rows=rows,
                       summary=_summary(p, inv))


def run_forms(driver: neo4j.Driver, database: str, p: StatsParams) -> QueryResult:
    inv = _involvements(driver, database, p)
    forms = [f.value for f in Form]
    by_year: dict[int, Counter[str]] = {}
    for r in inv:
        by_year.setdefault(r["year"], Counter())[r["form"]] += 1
    rows = []
    for year in sorted(by_year):
        c = by_year[year]
        decided = sum(c[f] for f in forms)
        row: dict[str, Any] = {"year": year, "involvements": sum(c.values()), "decided": decided}
        for i, f in enumerate(forms, start=1):
            row[f"form{i}"] = c[f]
            row[f"form{i}_share"] = round(c[f] / decided, 4) if decided else None
        rows.append(row)
    cols = ["year", "involvements", "decided"] + [f"form{i}{s}" for i in range(1, 5) for s in ("", "_share")]
    return QueryResult(columns=cols, rows=rows, summary=_summary(p, inv))


register(QueryDef(
    name="violation_statistics", title="违纪违法统计（类型×警种×职级）",
    description="统计期内立案案件的涉案人次，按违纪违法类型、警种、职级交叉统计（纵向分析）。",
    params=StatsParams, run=run_vertical, scopes=SCOPES, aggregate=True,
    columns=("violation_type", "police_type", "rank", "involvements", "cases"), cypher=("violation_involvements",)))
register(QueryDef(
    name="violation_statistics_time", title="违纪违法统计（时间×区县）",
    description="按年度或季度、按区县统计立案案件数（横向分析）；区县取涉案民警当前单位或最近有区县的上级单位。",
    params=TimeParams, run=run_time, scopes=SCOPES, aggregate=True,
    columns=("period", "district", "cases"), cypher=("violation_involvements",)))
register(QueryDef(
    name="violation_statistics_yoy", title="违纪违法统计（同比）",
    description="各违纪违法类型逐年立案案件数及与上年相比的增减和增减率。",
    params=StatsParams, run=run_yoy, scopes=SCOPES, aggregate=True,
    columns=("violation_type", "year", "cases", "previous", "change", "change_rate"),
    cypher=("violation_involvements",)))
register(QueryDef(
    name="violation_statistics_forms", title="四种形态占比",
    description="逐年涉案人次中第一至第四种形态的人次及占已定形态人次的比例。",
    params=StatsParams, run=run_forms, scopes=SCOPES, aggregate=True,
    columns=("year", "involvements", "decided", *[f"form{i}{s}" for i in range(1, 5) for s in ("", "_share")]),
    cypher=("violation_involvements",)))
