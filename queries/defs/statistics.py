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

from graph.errors import QueryParamError
from graph.schema import Form
from queries.common import (
    UNKNOWN,
    AsOf,
    Params,
    as_of_field,
    date_from_field,
    date_to_field,
    record_rows,
    run_cypher,
)
from queries.period import Window, resolve_window
from queries.registry import QueryDef, QueryResult, register

SCOPES = frozenset({"cases", "officers", "org"})


class StatsParams(Params):
    as_of: AsOf | None = as_of_field()
    date_from: AsOf | None = date_from_field("为截止日期所在年度及之前共 5 个年度的 1 月 1 日")
    date_to: AsOf | None = date_to_field()
    year_from: int | None = Field(
        None, ge=1900, le=2100, title="起始年度", description="date_from 的简写（该年 1 月 1 日）"
    )
    year_to: int | None = Field(
        None,
        ge=1900,
        le=2100,
        title="截止年度",
        description="date_to 的简写（该年 12 月 31 日，不晚于截至日期）",
    )

    @model_validator(mode="after")
    def _years(self) -> StatsParams:
        if self.year_from and self.year_to and self.year_from > self.year_to:
            raise ValueError("起始年度不能晚于截止年度 / year_from is after year_to")
        if (self.year_from and self.date_from) or (self.year_to and self.date_to):
            raise ValueError("年度与日期只能二选一 / give either year_from/year_to or date_from/date_to")
        return self

    def window(self, driver: neo4j.Driver, database: str) -> Window:
        w = resolve_window(driver, database, as_of=self.as_of)
        end = self.date_to or (min(dt.date(self.year_to, 12, 31), w.as_of) if self.year_to else w.as_of)
        start = self.date_from or dt.date(self.year_from or end.year - 4, 1, 1)
        if start > end:
            raise QueryParamError(
                f"统计起始日期 {start.isoformat()} 晚于截止日期 {end.isoformat()} / "
                f"date_from {start.isoformat()} is after date_to {end.isoformat()}"
            )
        w.date_from, w.date_to = start, end
        return w


class TimeParams(StatsParams):
    period_kind: Literal["year", "quarter"] = Field("year", title="时间粒度")


def _involvements(driver: neo4j.Driver, database: str, w: Window) -> list[dict[str, Any]]:
    return record_rows(
        run_cypher(
            driver,
            database,
            "violation_involvements",
            {"as_of": w.as_of, "date_from": w.date_from, "date_to": w.date_to},
        )
    )


def _result(
    w: Window, inv: list[dict[str, Any]], columns: list[str], rows: list[dict[str, Any]]
) -> QueryResult:
    notes = list(w.notes)
    if not inv:
        till = f"（数据截至 {w.data_date.isoformat()}）" if w.data_date else ""
        notes.append(f"统计期 {w.label()} 内没有立案的案件{till}。")
    no_officer = len({r["case_no"] for r in inv if not r["officer"]})
    if no_officer:
        notes.append(f"{no_officer} 个案件没有涉案民警数据，按“未知”警种、职级计 1 人次。")
    for field, title in (("rank", "职级"), ("violation_type", "违纪违法类型"), ("police_type", "警种")):
        n = sum(1 for r in inv if r[field] == UNKNOWN)
        if n:
            notes.append(f"{n} 个涉案人次的{title}未知，单列为“{UNKNOWN}”，未归入任何{title}。")
    summary = {
        "period": w.label(),
        "involvements": len(inv),
        "cases": len({r["case_no"] for r in inv}),
        **w.summary(),
    }
    return QueryResult(columns=columns, rows=rows, summary=summary, notes=notes, period=w.period())


def run_vertical(driver: neo4j.Driver, database: str, p: StatsParams) -> QueryResult:
    w = p.window(driver, database)
    inv = _involvements(driver, database, w)
    counts = Counter((r["violation_type"], r["police_type"], r["rank"]) for r in inv)
    cases: dict[tuple[str, str, str], set[str]] = {}
    for r in inv:
        cases.setdefault((r["violation_type"], r["police_type"], r["rank"]), set()).add(r["case_no"])
    rows = [
        {"violation_type": k[0], "police_type": k[1], "rank": k[2], "involvements": n, "cases": len(cases[k])}
        for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return _result(w, inv, ["violation_type", "police_type", "rank", "involvements", "cases"], rows)


def run_time(driver: neo4j.Driver, database: str, p: TimeParams) -> QueryResult:
    w = p.window(driver, database)
    inv = _involvements(driver, database, w)
    cases: dict[tuple[str, str], set[str]] = {}
    for r in inv:
        when = str(r["year"]) if p.period_kind == "year" else f"{r['year']}Q{r['quarter']}"
        cases.setdefault((when, r["district"]), set()).add(r["case_no"])
    rows = [{"period": k[0], "district": k[1], "cases": len(v)} for k, v in sorted(cases.items())]
    return _result(w, inv, ["period", "district", "cases"], rows)


def run_yoy(driver: neo4j.Driver, database: str, p: StatsParams) -> QueryResult:
    w = p.window(driver, database)
    inv = _involvements(driver, database, w)
    per: dict[tuple[str, int], set[str]] = {}
    for r in inv:
        per.setdefault((r["violation_type"], r["year"]), set()).add(r["case_no"])
    assert w.date_from is not None
    start, end = w.date_from, w.date_to
    rows = []
    for vt in sorted({k[0] for k in per}):
        for year in range(start.year, end.year + 1):
            n = len(per.get((vt, year), ()))
            prev = len(per.get((vt, year - 1), ())) if year > start.year else None
            change = None if prev is None else n - prev
            rate = None if not prev else round((n - prev) / prev, 4)
            rows.append(
                {
                    "violation_type": vt,
                    "year": year,
                    "cases": n,
                    "previous": prev,
                    "change": change,
                    "change_rate": rate,
                }
            )
    return _result(w, inv, ["violation_type", "year", "cases", "previous", "change", "change_rate"], rows)


def run_forms(driver: neo4j.Driver, database: str, p: StatsParams) -> QueryResult:
    w = p.window(driver, database)
    inv = _involvements(driver, database, w)
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
    return _result(w, inv, cols, rows)


register(
    QueryDef(
        name="violation_statistics",
        title="违纪违法统计（类型×警种×职级）",
        description="统计期内立案案件的涉案人次，按违纪违法类型、警种、职级交叉统计（纵向分析）。",
        params=StatsParams,
        run=run_vertical,
        scopes=SCOPES,
        aggregate=True,
        columns=("violation_type", "police_type", "rank", "involvements", "cases"),
        cypher=("violation_involvements", "data_as_of"),
    )
)
register(
    QueryDef(
        name="violation_statistics_time",
        title="违纪违法统计（时间×区县）",
        description="按年度或季度、按区县统计立案案件数（横向分析）；区县取涉案民警当前单位或最近有区县的上级单位。",
        params=TimeParams,
        run=run_time,
        scopes=SCOPES,
        aggregate=True,
        columns=("period", "district", "cases"),
        cypher=("violation_involvements", "data_as_of"),
    )
)
register(
    QueryDef(
        name="violation_statistics_yoy",
        title="违纪违法统计（同比）",
        description="各违纪违法类型逐年立案案件数及与上年相比的增减和增减率。",
        params=StatsParams,
        run=run_yoy,
        scopes=SCOPES,
        aggregate=True,
        columns=("violation_type", "year", "cases", "previous", "change", "change_rate"),
        cypher=("violation_involvements", "data_as_of"),
    )
)
register(
    QueryDef(
        name="violation_statistics_forms",
        title="四种形态占比",
        description="逐年涉案人次中第一至第四种形态的人次及占已定形态人次的比例。",
        params=StatsParams,
        run=run_forms,
        scopes=SCOPES,
        aggregate=True,
        columns=(
            "year",
            "involvements",
            "decided",
            *[f"form{i}{s}" for i in range(1, 5) for s in ("", "_share")],
        ),
        cypher=("violation_involvements", "data_as_of"),
    )
)
