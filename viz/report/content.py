"""Build the bulletin's content from the prepared queries (the one source of truth).

``build_report(driver, database, period, unit_code=…)`` runs the prepared queries for the period,
the previous period and the same period last year, and lays the answers out in the customary
sections of a 通报. A query whose parameter model has ``date_from``/``date_to`` gets the period
directly; otherwise the period's figure is the year-to-date figure at the period's end minus the
one at the day before it starts (both inside one calendar year), which is exact for counts of
items dated in the period. Each query's ``notes`` go into the section it feeds; a section with
nothing to show says why.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import neo4j

from graph.errors import NotFound, QueryParamError
from graph.thresholds import FEEDBACK_DAYS
from queries.analysis.ecosystem import load_config
from queries.period import data_as_of
from queries.registry import QueryResult, get_query
from viz.report import charts
from viz.report.model import Figure, Note, Paragraph, Report, Section, Table
from viz.report.period import Period

log = logging.getLogger(__name__)

__all__ = ["build_report", "DEFAULT_OFFICE", "ORDER_QUERY", "has_query"]

DEFAULT_OFFICE = "全面从严管党治警领导小组办公室"  # also the default of `kg report --office`
ORDER_QUERY = "order_statistics"
RATING_ORDER = {"好": 3, "较好": 2, "一般": 1, "差": 0}
TOP_CLUSTERS = 4  # clusters of each kind listed in section 3
CLUSTER_PICTURES = 3  # of which drawn as networks
TOP_ROWS = 10  # rows of the ranked tables
FORMS = ("第一种形态", "第二种形态", "第三种形态", "第四种形态")
TYPE_NAMES = {"Officer": "民警", "Case": "案件", "Clue": "线索", "Unit": "单位"}


def has_query(name: str) -> bool:
    try:
        get_query(name)
        return True
    except NotFound:
        return False


def _ranged(name: str) -> bool:
    fields = get_query(name).params.model_fields
    return "date_from" in fields and "date_to" in fields


def _day(d: dt.date) -> str:
    return d.isoformat()


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def change_text(cur: float | None, base: float | None, *, percent: bool = False) -> str:
    """``+3（+12.5%）``, ``-2（-8.0%）``, ``持平``; shares change in percentage points."""
    if cur is None or base is None:
        return "—"
    d = cur - base
    if percent:
        return "持平" if abs(d) < 0.0005 else f"{d * 100:+.1f}个百分点"
    if d == 0:
        return "持平"
    rate = f"（{d / base * 100:+.1f}%）" if base else ""
    return f"{d:+g}{rate}"


def change_words(cur: float, base: float, unit: str) -> str:
    """``增加34件（+14.4%）``, ``减少2件（-0.7%）``, ``持平`` for the running text."""
    d = cur - base
    if d == 0:
        return "持平"
    rate = f"（{d / base * 100:+.1f}%）" if base else ""
    return f"{'增加' if d > 0 else '减少'}{abs(d):g}{unit}{rate}"


def _fmt(value: float | None, percent: bool) -> str:
    if value is None:
        return "—"
    return _pct(value) if percent else f"{value:g}"


@dataclass(frozen=True)
class _Call:
    name: str
    params: tuple[tuple[str, Any], ...]


class _Runner:
    """Runs prepared queries in a few threads (the driver is thread-safe), each call once."""

    def __init__(self, driver: neo4j.Driver, database: str, workers: int = 2) -> None:
        self.driver, self.database = driver, database
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report")
        self.calls: dict[_Call, Future[QueryResult]] = {}
        self.seconds: list[tuple[str, float]] = []  # (query, seconds) per call, for the benchmark

    def submit(self, name: str, params: dict[str, Any]) -> Future[QueryResult]:
        key = _Call(name, tuple(sorted((k, str(v)) for k, v in params.items())))
        if key not in self.calls:
            self.calls[key] = self.pool.submit(self._timed, name, params)
        return self.calls[key]

    def _timed(self, name: str, params: dict[str, Any]) -> QueryResult:
        t0 = time.perf_counter()
        try:
            return get_query(name).execute(self.driver, self.database, params)
        finally:
            self.seconds.append((name, time.perf_counter() - t0))

    def get(self, name: str, params: dict[str, Any]) -> QueryResult:
        return self.submit(name, params).result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Builder:
    def __init__(
        self,
        driver: neo4j.Driver,
        database: str,
        period: Period,
        *,
        unit_code: str | None,
        mask_name: Callable[[str], str],
    ) -> None:
        self.run = _Runner(driver, database)
        self.period = period
        self.unit_code = unit_code
        self.mask_name = mask_name
        self.as_of_data = data_as_of(driver, database)
        self.units: set[str] | None = None  # the unit's subtree (codes) when scoped
        self.scope = "全市"
        self.entity_ids: set[str] = set()
        self.figures: dict[str, Any] = {}

    # -- time --------------------------------------------------------------------------------

    def close_of(self, per: Period) -> dt.date:
        """The period's end, or the data's own date when the period is not over in the data."""
        if self.as_of_data is not None and per.start <= self.as_of_data < per.end:
            return self.as_of_data
        return per.end

    def end_of(self, per: Period) -> dt.date:
        """The last day counted for ``per``. When the data end inside the reported period, the
        periods it is compared with are cut to the same number of days (like with like)."""
        end = self.close_of(per)
        cur_end = self.close_of(self.period)
        if per != self.period and cur_end < self.period.end:
            end = min(end, per.start + (cur_end - self.period.start))
        return end

    def _ytd(
        self,
        name: str,
        per: Period,
        params: dict[str, Any],
        year_key: str | None,
        extra_year: dict[str, Any] | None = None,
    ) -> tuple[QueryResult | None, QueryResult | None]:
        """(result up to the end, result up to the day before the start) for a non-ranged query."""
        end = self.end_of(per)
        yp = extra_year or ({year_key: per.year} if year_key else {})
        upto = self.run.submit(name, {**params, **yp, "as_of": _day(end)})
        before = None
        if per.start.month > 1:
            before = self.run.submit(name, {**params, **yp, "as_of": _day(per.start - dt.timedelta(days=1))})
        return upto.result(), before.result() if before else None

    def _periodic(
        self,
        name: str,
        per: Period,
        params: dict[str, Any],
        year_key: str | None,
        total: Callable[[QueryResult], dict[str, float]],
        extra_year: dict[str, Any] | None = None,
    ) -> tuple[dict[str, float], list[str]]:
        """Totals over the period: directly when the query takes the period, else by difference."""
        if _ranged(name):
            r = self.run.get(
                name,
                {
                    **params,
                    "as_of": _day(self.end_of(per)),
                    "date_from": _day(per.start),
                    "date_to": _day(self.end_of(per)),
                },
            )
            return total(r), list(r.notes)
        upto, before = self._ytd(name, per, params, year_key, extra_year)
        assert upto is not None
        a = total(upto)
        if before is not None:
            b = total(before)
            a = {k: v - b.get(k, 0) for k, v in a.items()}
        return a, list(upto.notes)

    def prefetch(self) -> None:
        """Start the queries every section needs, so they run while others are drawn."""
        end = _day(self.end_of(self.period))
        prev_end = _day(self.close_of(self.period.previous()))
        self.run.submit("political_ecosystem", {"level": "sub_bureau", "as_of": end})
        self.run.submit("political_ecosystem", {"level": "unit", "as_of": end})
        self.run.submit("political_ecosystem", {"level": "unit", "as_of": prev_end})
        self.run.submit("risk_clusters", {"as_of": end})
        self.run.submit("liaison_coverage", {"as_of": end})
        self.run.submit("supervision_coverage", {"as_of": end, "limit": 100000})
        for per in (self.period, self.period.previous(), self.period.last_year()):
            self.run.submit("closed_loop", self._loop_params(per))

    # -- scope -------------------------------------------------------------------------------

    def resolve_unit(self) -> None:
        if self.unit_code is None:
            return
        r = self.run.get("unit_subtree", {"unit_code": self.unit_code})
        self.units = {row["code"] for row in r.rows}
        self.scope = str(r.summary.get("unit") or self.unit_code)

    def in_scope(self, codes: list[str] | str | None) -> bool:
        if self.units is None:
            return True
        if codes is None:
            return False
        if isinstance(codes, str):
            return codes in self.units
        return bool(set(codes) & self.units)

    # -- figures of one period -----------------------------------------------------------------

    def _eco_level(self) -> dict[str, Any]:
        if self.unit_code is None:
            return {"level": "sub_bureau"}
        end = _day(self.end_of(self.period))
        rows = self.run.get(
            "political_ecosystem", {"level": "sub_bureau", "unit_code": self.unit_code, "as_of": end}
        ).rows
        return {"level": "sub_bureau" if rows else "unit", "unit_code": self.unit_code}

    def _loop_params(self, per: Period) -> dict[str, Any]:
        # Open loops are a stock at the period's end: everything dated up to then (no date_from).
        p: dict[str, Any] = {"as_of": _day(self.end_of(per)), "limit": 100000}
        if "date_to" in get_query("closed_loop").params.model_fields:
            p["date_to"] = _day(self.end_of(per))
        return p

    def period_figures(self, per: Period) -> tuple[dict[str, float | None], list[str]]:
        notes: list[str] = []

        def eco_total(r: QueryResult) -> dict[str, float]:
            keys = ("clues", "cases", "formed_involvements", "first_form_involvements")
            return {k: float(sum(row.get(k) or 0 for row in r.rows)) for k in keys}

        eco, n = self._periodic("political_ecosystem", per, self._eco_level(), "year", eco_total)
        notes += n
        fig: dict[str, float | None] = {"clues": eco["clues"]}
        if self.unit_code is None:

            def forms_total(r: QueryResult) -> dict[str, float]:
                out = {"cases": float(r.summary.get("cases") or 0)}
                for k in ("involvements", "decided", "form1", "form2", "form3", "form4"):
                    out[k] = float(
                        sum(row.get(k) or 0 for row in r.rows if row.get("year") in (None, per.year))
                    )
                return out

            forms, n = self._periodic(
                "violation_statistics_forms",
                per,
                {},
                None,
                forms_total,
                extra_year={"year_from": per.year, "year_to": per.year},
            )
            notes += n
            fig["cases"] = forms["cases"]
            fig["involvements"] = forms["involvements"]
            for i in range(1, 5):
                fig[f"form{i}_share"] = _share(int(forms[f"form{i}"]), int(forms["decided"]))
        else:
            fig["cases"] = eco["cases"]
            fig["involvements"] = None
            fig["form1_share"] = _share(int(eco["first_form_involvements"]), int(eco["formed_involvements"]))
            for i in range(2, 5):
                fig[f"form{i}_share"] = None
        loop = self.run.get("closed_loop", self._loop_params(per))
        notes += loop.notes
        rows = (
            [r for r in loop.rows if self.in_scope(r["units"] if r["units"] else None)]
            if self.units is not None
            else loop.rows
        )
        fig["overdue_transfers"] = float(sum(1 for r in rows if r["issue"] == "移送未反馈"))
        fig["overdue_rectifications"] = float(sum(1 for r in rows if r["issue"] == "整改逾期"))
        if has_query(ORDER_QUERY):
            r = self.run.get(
                ORDER_QUERY,
                {
                    "date_from": _day(per.start),
                    "date_to": _day(self.end_of(per)),
                    "as_of": _day(self.end_of(per)),
                },
            )
            notes += r.notes
            issued = sum(int(row.get("issued") or 0) for row in r.rows)
            on_time = sum(int(row.get("answered_on_time") or 0) for row in r.rows)
            fig["orders_issued"] = float(issued)
            fig["orders_on_time_rate"] = _share(on_time, issued)
        return fig, notes

    # -- sections ----------------------------------------------------------------------------

    def overview(self) -> Section:
        s = Section(1, "总体情况")
        cur_p, prev_p, ly_p = self.period, self.period.previous(), self.period.last_year()
        cur, notes = self.period_figures(cur_p)
        prev, n2 = self.period_figures(prev_p)
        ly, n3 = self.period_figures(ly_p)
        self.figures.update(current=cur, previous=prev, last_year=ly)
        lines: list[tuple[str, str, bool]] = [
            ("clues", "受理问题线索（件）", False),
            ("cases", "立案案件（件）", False),
            ("involvements", "涉案人次", False),
            *[(f"form{i}_share", f"{FORMS[i - 1]}占比", True) for i in range(1, 5)],
            ("overdue_transfers", "移送逾期未反馈（件，期末）", False),
            ("overdue_rectifications", "整改逾期（项，期末）", False),
        ]
        if "orders_issued" in cur:
            lines += [
                ("orders_issued", "下发督办单（件）", False),
                ("orders_on_time_rate", "督办单按期反馈率", True),
            ]
        yearly = prev_p == ly_p  # a year's previous period is the same period last year: compare once
        cut = self.end_of(cur_p) < cur_p.end

        def name(p: Period) -> str:
            return f"{p.label}，至{self.end_of(p).month}月{self.end_of(p).day}日" if cut else p.label

        rows = []
        for key, title, percent in lines:
            if cur.get(key) is None and prev.get(key) is None:
                continue
            row = [
                title,
                _fmt(cur.get(key), percent),
                _fmt(prev.get(key), percent),
                change_text(cur.get(key), prev.get(key), percent=percent),
            ]
            if not yearly:
                row += [_fmt(ly.get(key), percent), change_text(cur.get(key), ly.get(key), percent=percent)]
            rows.append(row)
        who = "全市" if self.units is None else self.scope
        end = self.end_of(cur_p)
        prev_word = "上年" if yearly else "上期"

        def compare(key: str) -> str:
            text = f"较{prev_word}{change_words(cur[key] or 0, prev[key] or 0, '件')}"
            return text if yearly else f"{text}，同比{change_words(cur[key] or 0, ly[key] or 0, '件')}"

        s.add(
            Paragraph(
                f"{cur_p.label}（{_day(cur_p.start)}至{_day(end)}），{who}共受理问题线索{cur['clues']:g}件，"
                f"{compare('clues').replace(prev_word, f'{prev_word}（{name(prev_p)}）', 1)}；立案{cur['cases']:g}件，"
                f"{compare('cases')}。"
                f"截至期末，移送逾期未反馈线索{cur['overdue_transfers']:g}件，整改逾期事项{cur['overdue_rectifications']:g}项。"
            )
        )
        headers = [
            "指标",
            cur_p.label if not cut else f"本期（{name(cur_p)}）",
            f"{prev_word}（{name(prev_p)}）",
            f"较{prev_word}",
        ]
        if not yearly:
            headers += [f"去年同期（{name(ly_p)}）", "同比"]
        s.add(Table(f"主要指标与{'上年' if yearly else '上期、去年同期'}对比", headers, rows))
        periods = [(f"本期 {cur_p.code}", cur), (f"{prev_word} {prev_p.code}", prev)]
        if not yearly:
            periods.append((f"去年同期 {ly_p.code}", ly))
        keys = ("clues", "cases", "overdue_transfers", "overdue_rectifications")
        s.add(
            Figure(
                "主要指标对比",
                charts.grouped_bars(
                    f"主要指标：本期与{'上年' if yearly else '上期、去年同期'}",
                    ["问题线索", "立案案件", "移送逾期", "整改逾期"],
                    {name: [f.get(k) or 0 for k in keys] for name, f in periods},
                ),
            )
        )
        if cur.get("form1_share") is None and cur.get("cases"):
            s.add(Note("本期立案案件的涉案人次尚无已定处理形态，四种形态占比暂无本期数。"))
        if self.units is None:
            shares = {FORMS[i - 1]: [f.get(f"form{i}_share") or 0.0 for _, f in periods] for i in range(1, 5)}
            if any(sum(v) for v in shares.values()):
                s.add(
                    Figure(
                        "四种形态占比",
                        charts.stacked_bars(
                            "四种形态占比（占已定形态人次）",
                            [name for name, _ in periods],
                            shares,
                            percent=True,
                        ),
                    )
                )
            else:
                s.add(Note("各统计期均无已定形态的涉案人次，未绘制四种形态占比图。"))
            self._trend(s)
        else:
            s.add(
                Note(
                    f"范围限于{self.scope}时，线索和案件取自政治生态指标（按单位汇总），"
                    "四种形态只给出第一种形态占比；第二至第四种形态的分布只有全市口径。"
                )
            )
        if "orders_issued" not in cur:
            s.add(
                Note(
                    f"督办单数据暂不可用（尚无预置查询 {ORDER_QUERY}），本期未统计督办单下发与按期反馈情况。"
                )
            )
        how = (
            "" if _ranged("political_ecosystem") else "按年初至期末的累计数减去年初至期初前一日的累计数得出；"
        )
        if self.units is None:
            s.add(
                Note(
                    f"线索数为各分局（市局机关部门、警种支队）所涉线索之和，{how}涉及两个单位的线索在两处各计一次。"
                )
            )
        elif how:
            s.add(Note(f"线索数为{self.scope}及下属单位所涉线索数，{how.rstrip('；')}。"))
        if cut:
            same = (
                f"上年按相同天数比较（至{_day(self.end_of(prev_p))}）"
                if yearly
                else f"上期和去年同期按相同天数比较（分别至{_day(self.end_of(prev_p))}和{_day(self.end_of(ly_p))}）"
            )
            s.add(Note(f"数据截至{_day(self.end_of(cur_p))}，本期统计到该日为止；{same}。"))
        s.notes(
            [f"{cur_p.label}：{n}" for n in notes]
            + [f"{prev_p.label}：{n}" for n in n2]
            + ([] if yearly else [f"{ly_p.label}：{n}" for n in n3])
        )
        return s

    def _trend(self, s: Section) -> None:
        end = self.end_of(self.period)
        r = self.run.get(
            "violation_statistics_time",
            {"as_of": _day(end), "year_from": end.year - 1, "year_to": end.year, "period_kind": "quarter"},
        )
        per_q: dict[str, Counter[str]] = defaultdict(Counter)
        for row in r.rows:
            per_q[row["period"]][row["district"]] += row["cases"]
        quarters = sorted(per_q)
        if not quarters:
            s.add(Note(f"{end.year - 1}年以来没有立案案件，未绘制季度趋势图。"))
            return
        totals = Counter[str]()
        for c in per_q.values():
            totals.update(c)
        top = [d for d, _ in totals.most_common(7)]
        series = {d: [float(per_q[q][d]) for q in quarters] for d in top}
        rest = [float(sum(n for d, n in per_q[q].items() if d not in top)) for q in quarters]
        if any(rest):
            series["其他区县"] = rest
        s.add(
            Figure(
                "各季度立案案件数（按区县）",
                charts.stacked_bars(
                    f"{end.year - 1}年以来各季度立案案件数（按涉案民警所在区县）", quarters, series
                ),
            )
        )
        s.notes(r.notes)

    def ecosystem(self) -> Section:
        s = Section(2, "政治生态")
        cfg = load_config()
        end, prev_end = self.end_of(self.period), self.close_of(self.period.previous())
        groups = self.run.get("political_ecosystem", {"level": "sub_bureau", "as_of": _day(end)})
        cur_units = self.run.get("political_ecosystem", {"level": "unit", "as_of": _day(end)})
        prev_units = self.run.get("political_ecosystem", {"level": "unit", "as_of": _day(prev_end)})
        s.add(
            Paragraph(
                f"政治生态评定按截至期末前{cfg.period_days}天的线索、案件、整改等指标计算"
                "（权重与阈值见 queries/ecosystem.toml），评定为好、较好、一般、差四级。"
            )
        )
        if self.units is None:
            rows = [r for r in groups.rows if r["unit_kind"] == "分局"] or groups.rows
            what = "各分局"
            counted = f"各分局、市局机关部门和警种支队（共{len(groups.rows)}个）"
        else:
            rows = [r for r in cur_units.rows if self.in_scope(r["unit_code"])]
            what = f"{self.scope}及下属单位"
            counted = f"{what}（共{len(rows)}个）"
        rows = sorted(rows, key=lambda r: (-r["score"], r["unit_code"]))
        counts = Counter(
            r["rating"] for r in groups.rows if self.in_scope(r["unit_code"]) or self.units is None
        )
        if self.units is not None:
            counts = Counter(r["rating"] for r in rows)
        self.figures["ratings"] = dict(counts)
        if rows:
            s.add(
                Paragraph(
                    f"{counted}评定结果："
                    + "，".join(f"{k}{counts.get(k, 0)}个" for k in RATING_ORDER)
                    + "".join(f"，{k}{v}个" for k, v in sorted(counts.items()) if k not in RATING_ORDER)
                    + "。"
                )
            )
            s.add(
                Figure(
                    f"{what}政治生态得分",
                    charts.hbars(
                        f"{what}政治生态得分与评定",
                        [r["unit_name"] for r in rows],
                        [r["score"] for r in rows],
                        colors=[charts.RATING_COLORS.get(r["rating"], "#9e9e9e") for r in rows],
                        xlim=(0, 100),
                        legend=charts.RATING_COLORS,
                        fmt="{:.1f}",
                    ),
                )
            )
        else:
            s.add(Note(f"{what}在本期没有可评定的单位（无在职民警、线索或案件）。"))
        poor = [r for r in cur_units.rows if r["rating"] == "差" and self.in_scope(r["unit_code"])]
        self.figures["poor_units"] = [r["unit_code"] for r in poor]
        if poor:
            shown = sorted(poor, key=lambda r: (r["score"], r["unit_code"]))[:TOP_ROWS]
            s.add(
                Table.keyed(
                    "poor",
                    f"评定为“差”的单位（共{len(poor)}个{'，列出得分最低的' + str(TOP_ROWS) + '个' if len(poor) > TOP_ROWS else ''}）",
                    ["单位", "得分", "主要原因"],
                    [
                        [r["unit_name"], f"{r['score']:.1f}", "；".join((r.get("reasons") or [])[:3])]
                        for r in shown
                    ],
                )
            )
        else:
            s.add(Note("本期没有评定为“差”的单位。"))
        before = {r["unit_code"]: r for r in prev_units.rows}
        fell = []
        for r in cur_units.rows:
            old = before.get(r["unit_code"])
            if (
                old
                and self.in_scope(r["unit_code"])
                and r["rating"] in RATING_ORDER
                and old["rating"] in RATING_ORDER
                and RATING_ORDER[r["rating"]] < RATING_ORDER[old["rating"]]
            ):
                fell.append((r, old))
        self.figures["fell_units"] = [r["unit_code"] for r, _ in fell]
        if fell:
            fell.sort(
                key=lambda p: (RATING_ORDER[p[0]["rating"]] - RATING_ORDER[p[1]["rating"]], p[0]["score"])
            )
            s.add(
                Table.keyed(
                    "fell",
                    f"评定较上期末下降的单位（共{len(fell)}个{'，列出前' + str(TOP_ROWS) + '个' if len(fell) > TOP_ROWS else ''}）",
                    ["单位", "上期末评定", "本期末评定", "得分变化", "主要原因"],
                    [
                        [
                            r["unit_name"],
                            o["rating"],
                            r["rating"],
                            f"{o['score']:.1f} → {r['score']:.1f}",
                            "；".join((r.get("reasons") or [])[:2]),
                        ]
                        for r, o in fell[:TOP_ROWS]
                    ],
                )
            )
        else:
            s.add(Note(f"与上期末（{_day(prev_end)}）相比，没有评定下降的单位。"))
        s.notes(groups.notes + cur_units.notes + prev_units.notes)
        return s

    def risks(self) -> Section:
        s = Section(3, "风险研判")
        end = _day(self.end_of(self.period))
        r = self.run.get("risk_clusters", {"as_of": end})
        clusters = [c for c in r.rows if c["kind"] in ("窝案", "串案") and self.in_scope(c["units"])]
        kinds = Counter(c["kind"] for c in clusters)
        self.figures["clusters"] = {
            "窝案": kinds.get("窝案", 0),
            "串案": kinds.get("串案", 0),
            "all": sum(1 for c in r.rows if self.in_scope(c["units"])),
        }
        s.add(
            Paragraph(
                f"对截至{end}的线索和案件做共同涉及关系的社区发现，{'全市' if self.units is None else self.scope}"
                f"共识别风险群组{self.figures['clusters']['all']}个，其中窝案{kinds.get('窝案', 0)}个、"
                f"串案{kinds.get('串案', 0)}个。下表按风险值列出风险较高的窝案、串案（每类至多{TOP_CLUSTERS}个）："
            )
        )
        if not clusters:
            s.add(Note("未发现窝案或串案（同一案件同一单位3人以上，或跨单位的多个关联案件）。"))
        # the highest-risk clusters of each kind, then the pictures: each kind's first, then the next highest
        top = sorted(
            [c for c in clusters if c["kind"] == "窝案"][:TOP_CLUSTERS]
            + [c for c in clusters if c["kind"] == "串案"][:TOP_CLUSTERS],
            key=lambda c: (-c["risk"], -c["size"], c["cluster_id"]),
        )
        firsts = [
            next(c for c in top if c["kind"] == k)
            for k in ("窝案", "串案")
            if any(c["kind"] == k for c in top)
        ]
        pictured = (firsts + [c for c in top if c not in firsts])[:CLUSTER_PICTURES]
        pictured.sort(key=lambda c: top.index(c))
        if top:
            s.add(
                Table.keyed(
                    "clusters",
                    "风险较高的窝案、串案",
                    ["群组", "类型", "风险值", "民警数", "涉及单位", "案件数", "线索数", "高风险岗位人数"],
                    [
                        [
                            c["cluster_id"],
                            c["kind"],
                            str(c["risk"]),
                            str(c["size"]),
                            "、".join(c["unit_names"]),
                            str(len(c["cases"])),
                            str(len(c["clues"])),
                            str(len(c["high_risk_posts"])),
                        ]
                        for c in top
                    ],
                )
            )
        futures = [
            (c, self.run.submit("risk_clusters", {"as_of": end, "cluster_id": c["cluster_id"]}))
            for c in pictured
        ]
        for c, fut in futures:
            sub = fut.result()
            nodes = [x for x in sub.nodes if x["type"] in ("Officer", "Case", "Clue", "Unit")]
            labels = {}
            for x in nodes:
                caption = str(x.get("caption") or x["key"])
                if x["type"] == "Officer":
                    caption = self.mask_name(caption)
                    self.entity_ids.add(x["id"])
                elif x["type"] in ("Case", "Clue"):
                    self.entity_ids.add(x["id"])
                elif (
                    x["type"] == "Unit" and len(caption) > 10
                ):  # 江州市公安局交通警察支队事故处理大队 → …支队事故处理大队
                    caption = "…" + caption[-9:]
                labels[x["id"]] = caption
            s.add(
                Figure(
                    f"风险群组 {c['cluster_id']}（{c['kind']}）关系图",
                    charts.network(
                        f"{c['cluster_id']} {c['kind']}：{'、'.join(c['unit_names'][:3])}",
                        nodes,
                        sub.edges,
                        labels=labels,
                        legend=TYPE_NAMES,
                    ),
                    width_cm=12.0,
                )
            )
            officers = [labels[x["id"]] for x in nodes if x["type"] == "Officer"]
            s.add(
                Paragraph(
                    f"{c['cluster_id']}涉及民警{len(officers)}人：{'、'.join(officers)}；"
                    f"案件{len(c['cases'])}件，线索{len(c['clues'])}条。"
                )
            )
        posts: Counter[str] = Counter()
        for c in r.rows:
            if not self.in_scope(c["units"]):
                continue
            for text in c["high_risk_posts"]:
                post = text.rsplit("（", 1)[-1].rstrip("）") if "（" in text else "高风险岗位"
                posts[post] += 1
        self.figures["high_risk_posts"] = dict(posts)
        if posts:
            s.add(
                Table(
                    "风险群组中的高风险岗位",
                    ["岗位", "群组内民警人数"],
                    [[p, str(n)] for p, n in posts.most_common()],
                )
            )
        else:
            s.add(
                Note("风险群组中没有处于高风险岗位（权力集中、资金密集、资源富集）的民警，或岗位信息缺失。")
            )
        s.notes(r.notes)
        return s

    def coverage(self) -> Section:
        s = Section(4, "监督与联系覆盖")
        end = _day(self.end_of(self.period))
        li = self.run.get("liaison_coverage", {"as_of": end})
        sup = self.run.get("supervision_coverage", {"as_of": end, "limit": 100000})
        rows = [r for r in li.rows if self.in_scope(r["unit_code"])]
        uncovered = [r for r in rows if r["status"] == "未覆盖"]
        stale = [r for r in rows if r["status"] == "久未走访"]
        sm = li.summary
        self.figures["liaison"] = {
            "uncovered": len(uncovered),
            "stale": len(stale),
            "coverage_rate": sm.get("coverage_rate"),
            "grassroots_units": sm.get("grassroots_units"),
        }
        if sm.get("grassroots_units"):
            s.add(
                Paragraph(
                    f"全市基层单位{sm['grassroots_units']}个，党委班子成员联系覆盖{sm['covered_units']}个，"
                    f"覆盖率{_pct(sm.get('coverage_rate'))}；{'其中' + self.scope if self.units is not None else ''}"
                    f"无人联系{len(uncovered)}个，久未走访{len(stale)}个。"
                )
            )
            covered = (
                sm["grassroots_units"] - len(sm.get("uncovered_units", [])) - len(sm.get("stale_units", []))
            )
            s.add(
                Figure(
                    "基层单位联系覆盖",
                    charts.bars(
                        "基层单位联系覆盖（全市）",
                        ["已覆盖且近期走访", "久未走访", "无人联系"],
                        [covered, len(sm.get("stale_units", [])), len(sm.get("uncovered_units", []))],
                        colors=["#2e7d32", "#f9a825", "#c62828"],
                        size=(5.0, 2.2),
                    ),
                    width_cm=10.0,
                )
            )
        else:
            s.add(Note("图谱中没有基层单位（level=基层），无法计算联系覆盖。"))
        if uncovered or stale:
            shown = sorted(
                uncovered + stale, key=lambda r: (r["status"] != "未覆盖", -r["risk"], r["unit_code"])
            )
            s.add(
                Table.keyed(
                    "liaison",
                    "无人联系和久未走访的基层单位（按风险排序）",
                    ["单位", "状态", "最近走访", "线索数", "案件数"],
                    [
                        [
                            r["unit_name"],
                            r["status"],
                            r.get("last_visit_on") or "—",
                            str(r["clues"]),
                            str(r["cases"]),
                        ]
                        for r in shown[:TOP_ROWS]
                    ],
                )
            )
        elif sm.get("grassroots_units"):
            s.add(Note("基层单位均有党委班子成员联系且近期走访。"))
        sup_rows = [r for r in sup.rows if self.in_scope(r["unit_code"])]
        by = Counter(r["issue"] for r in sup_rows)
        branches = [r for r in sup_rows if r["issue"] == "无纪检委员的警种支队"]
        self.figures["supervision"] = dict(by)
        s.add(
            Paragraph(
                f"纪律监督覆盖：无监督主体的民警{by.get('无监督主体民警', 0)}人，被两个以上监督主体同时管辖的民警"
                f"{by.get('多头监督民警', 0)}人，无监督主体的单位{by.get('无监督主体单位', 0)}个，"
                f"党组织无在任纪检委员的警种支队{len(branches)}个。"
            )
        )
        if branches:
            s.add(
                Table.keyed(
                    "branches",
                    "无纪检委员的警种支队",
                    ["单位编码", "单位"],
                    [[r["unit_code"], r["unit_name"]] for r in branches],
                )
            )
        overlaps = Counter(tuple(r["bodies"]) for r in sup_rows if r["issue"] == "多头监督民警")
        if overlaps:
            top = overlaps.most_common(TOP_ROWS)
            names = self._body_names({b for k, _ in top for b in k})
            s.add(
                Table.keyed(
                    "overlaps",
                    "多头监督（同一民警被多个监督主体管辖）",
                    ["监督主体", "民警人数"],
                    [["、".join(names.get(b, b) for b in k), str(n)] for k, n in top],
                )
            )
        s.notes(li.notes + sup.notes)
        return s

    def closed_loop(self) -> Section:
        s = Section(5, "闭环管理")
        r = self.run.get("closed_loop", self._loop_params(self.period))
        rows = [x for x in r.rows if self.units is None or self.in_scope(x["units"] or None)]
        transfers = [x for x in rows if x["issue"] == "移送未反馈"]
        rects = [x for x in rows if x["issue"] == "整改逾期"]
        days = r.summary.get("days", FEEDBACK_DAYS)
        s.add(
            Paragraph(
                f"截至{_day(self.end_of(self.period))}，移送后超过{days}天未反馈的线索{len(transfers)}件，"
                f"超过期限未整改的事项{len(rects)}项，无承办的线索{sum(1 for x in rows if x['issue'] == '无承办')}件。"
            )
        )
        by_body = Counter(x["body_name"] or "（未知机构）" for x in transfers)
        self.figures["transfers_by_body"] = dict(by_body)
        if by_body:
            ranked = by_body.most_common()
            oldest = {
                b: max(x["days_overdue"] for x in transfers if (x["body_name"] or "（未知机构）") == b)
                for b, _ in ranked
            }
            s.add(
                Table.keyed(
                    "transfers",
                    "移送逾期未反馈（按承办机构排序）",
                    ["承办机构", "件数", "最长已移送天数"],
                    [[b, str(n), str(oldest[b])] for b, n in ranked],
                )
            )
            if ranked[0][1] > ranked[-1][1]:  # a ranking worth a picture
                s.add(
                    Figure(
                        "移送逾期未反馈（按承办机构）",
                        charts.hbars(
                            "移送逾期未反馈件数（按承办机构）",
                            [b for b, _ in ranked[:TOP_ROWS]],
                            [n for _, n in ranked[:TOP_ROWS]],
                            colors=["#c62828"] * min(TOP_ROWS, len(ranked)),
                        ),
                    )
                )
        else:
            s.add(Note(f"没有移送超过{days}天未反馈的线索。"))
        names = self._unit_names()
        by_unit: Counter[str] = Counter()
        for x in rects:
            for u in x["units"] or ["（未知单位）"]:
                by_unit[u] += 1
        self.figures["rectifications_by_unit"] = dict(by_unit)
        if by_unit:
            ranked_u = by_unit.most_common(TOP_ROWS)
            s.add(
                Table.keyed(
                    "rects",
                    f"整改逾期（按责任单位排序{'，前' + str(TOP_ROWS) + '个' if len(by_unit) > TOP_ROWS else ''}）",
                    ["责任单位", "逾期项数", "最长逾期天数"],
                    [
                        [
                            names.get(u, u),
                            str(n),
                            str(
                                max(x["days_overdue"] for x in rects if u in (x["units"] or ["（未知单位）"]))
                            ),
                        ]
                        for u, n in ranked_u
                    ],
                )
            )
        else:
            s.add(Note("没有超过期限未整改的事项。"))
        if has_query(ORDER_QUERY):
            end = self.end_of(self.period)
            o = self.run.get(
                ORDER_QUERY, {"date_from": _day(self.period.start), "date_to": _day(end), "as_of": _day(end)}
            )
            per_body: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
            for row in o.rows:
                acc = per_body[str(row.get("body") or "（未知机构）")]
                acc[0] += int(row.get("issued") or 0)
                acc[1] += int(row.get("answered_on_time") or 0)
                acc[2] += int(row.get("overdue") or 0)
            if per_body:
                s.add(
                    Table(
                        "督办单（按下发机构，逾期多者在前）",
                        ["机构", "下发", "按期反馈", "逾期"],
                        [
                            [b, str(v[0]), str(v[1]), str(v[2])]
                            for b, v in sorted(per_body.items(), key=lambda kv: (-kv[1][2], kv[0]))
                        ],
                    )
                )
            else:
                s.add(Note("本期没有下发督办单。"))
            s.notes(o.notes)
        s.notes(r.notes)
        return s

    def _body_names(self, codes: set[str]) -> dict[str, str]:
        futs = {c: self.run.submit("unit_subtree", {"unit_code": c}) for c in sorted(codes)}
        out = {}
        for c, fut in futs.items():
            try:
                out[c] = str(fut.result().summary.get("unit") or c)
            except NotFound:
                out[c] = c
        return out

    def _unit_names(self) -> dict[str, str]:
        rows = self.run.get(
            "political_ecosystem", {"level": "unit", "as_of": _day(self.end_of(self.period))}
        ).rows
        return {r["unit_code"]: r["unit_name"] for r in rows}

    def suggestions(self) -> Section:
        """Sentences from the figures above, each citing its number; the office edits them."""
        s = Section(6, "问题与建议")
        f = self.figures
        cur, prev = f["current"], f["previous"]
        out: list[str] = []
        if prev.get("clues") and cur["clues"] > prev["clues"]:
            out.append(
                f"问题线索{cur['clues']:g}件，较上期增加{cur['clues'] - prev['clues']:g}件"
                f"（{(cur['clues'] - prev['clues']) / prev['clues'] * 100:+.1f}%），建议对线索集中的单位和领域开展专项检查。"
            )
        if prev.get("cases") and cur["cases"] > prev["cases"]:
            out.append(
                f"立案案件{cur['cases']:g}件，较上期增加{cur['cases'] - prev['cases']:g}件，建议分析案发单位和警种的共性问题，"
                "以案促改。"
            )
        target = next((i.target for i in load_config().indicators if i.name == "first_form_share"), None)
        share = cur.get("form1_share")
        if share is not None and target is not None and share < target:
            out.append(
                f"第一种形态占比{_pct(share)}，低于{_pct(target)}的目标，建议用好批评教育、谈话提醒，抓早抓小。"
            )
        if f.get("poor_units"):
            out.append(
                f"{len(f['poor_units'])}个单位政治生态评定为“差”（见〔poor〕），建议约谈其主要负责人，督促逐项制定整改措施。"
            )
        if f.get("fell_units"):
            out.append(
                f"{len(f['fell_units'])}个单位评定较上期末下降（见〔fell〕），建议分析下降原因，纳入下期重点监督。"
            )
        cl = f.get("clusters", {})
        if cl.get("窝案") or cl.get("串案"):
            posts = f.get("high_risk_posts", {})
            top = "、".join(f"{p}{n}人" for p, n in Counter(posts).most_common(3))
            found = "、".join(f"{k}{cl[k]}个" for k in ("窝案", "串案") if cl.get(k))
            out.append(
                f"识别{found}（见〔clusters〕）"
                + (f"，群组民警集中在{top}等高风险岗位" if top else "")
                + "，建议对相关岗位开展廉政风险排查和轮岗交流。"
            )
        li = f.get("liaison", {})
        if li.get("uncovered") or li.get("stale"):
            gaps = "、".join(
                t
                for t in (
                    f"{li['uncovered']}个基层单位无党委班子成员联系" if li.get("uncovered") else "",
                    f"{li['stale']}个基层单位久未走访" if li.get("stale") else "",
                )
                if t
            )
            out.append(f"{gaps}（见〔liaison〕），建议调整联系点并按期走访。")
        sup = f.get("supervision", {})
        if sup.get("无纪检委员的警种支队"):
            out.append(
                f"{sup['无纪检委员的警种支队']}个警种支队党组织无在任纪检委员（见〔branches〕），建议尽快配齐。"
            )
        if sup.get("多头监督民警"):
            out.append(
                f"{sup['多头监督民警']}名民警被两个以上监督主体同时管辖（见〔overlaps〕），建议理顺监督分工，避免越位。"
            )
        if sup.get("无监督主体民警"):
            out.append(f"{sup['无监督主体民警']}名民警没有纪律监督主体，建议明确管辖，避免缺位。")
        tb = f.get("transfers_by_body", {})
        if tb:
            ranked = Counter(tb).most_common()
            body, n = ranked[0]
            where = (
                f"其中{body}{n}件最多"
                if len(ranked) == 1 or n > ranked[1][1]
                else f"分布在{len(ranked)}个承办机构"
            )
            out.append(
                f"移送逾期未反馈线索{sum(tb.values())}件，{where}（见〔transfers〕），建议督促按期反馈结果。"
            )
        if cur.get("overdue_rectifications"):
            out.append(
                f"整改逾期事项{cur['overdue_rectifications']:g}项（见〔rects〕），建议对逾期单位下发督办单，限期整改。"
            )
        rate = cur.get("orders_on_time_rate")
        if rate is not None and rate < 1:
            out.append(f"督办单按期反馈率{_pct(rate)}，建议对逾期未反馈的督办单跟踪问效。")
        for i, text in enumerate(out, start=1):
            s.add(Paragraph(f"{i}. {text}", kind="suggestion"))
        if not out:
            s.add(
                Note(
                    "本期各项指标均未触发建议规则（线索和案件未增加、无评定为差或下降的单位、无窝案串案、覆盖和闭环无缺口）。"
                )
            )
        s.add(Note("以上建议由系统根据本报告中的数字生成，每条均注明所依据的数字，供办公室修改完善后印发。"))
        return s


def build_report(
    driver: neo4j.Driver,
    database: str,
    period: Period,
    *,
    unit_code: str | None = None,
    office: str = DEFAULT_OFFICE,
    issued_on: dt.date | None = None,
    mask_name: Callable[[str], str] | None = None,
) -> Report:
    """The bulletin for ``period`` (the whole city, or ``unit_code`` and the units below it)."""
    b = _Builder(driver, database, period, unit_code=unit_code, mask_name=mask_name or (lambda n: n))
    try:
        if b.as_of_data is not None and period.start > b.as_of_data:
            raise QueryParamError(
                f"统计期 {period.code} 晚于数据截至日期 {b.as_of_data.isoformat()}，没有可通报的数据 / "
                f"period {period.code} starts after the data's latest date {b.as_of_data.isoformat()}"
            )
        b.resolve_unit()
        b.prefetch()
        with ThreadPoolExecutor(max_workers=5, thread_name_prefix="section") as pool:
            parts = [pool.submit(f) for f in (b.overview, b.ecosystem, b.risks, b.coverage, b.closed_loop)]
            sections = [p.result() for p in parts]
        sections.append(b.suggestions())
    finally:
        b.run.close()
    for s in sections:
        if not s.blocks:  # never an empty section
            s.add(Note("本部分没有可通报的数据。"))
    who = "全市公安机关" if unit_code is None else b.scope
    report = Report(
        title=f"{who}全面从严管党治警工作情况通报",
        period_label=period.label,
        period_code=period.code,
        date_from=period.start,
        date_to=b.end_of(period),
        office=office,
        issued_on=issued_on or dt.date.today(),
        data_as_of=b.as_of_data,
        scope=b.scope,
        sections=sections,
        figures=b.figures,
        entity_ids=sorted(b.entity_ids),
    )
    report.number()
    report.query_seconds = list(b.run.seconds)
    return report
