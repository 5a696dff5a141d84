"""The leaders' home page: a search box, the key figures (each a link to exactly what it counts),
ranked top-10 lists beside them and a few charts. What a role may not open is not shown."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import neo4j

from graph.errors import KgError
from graph.schema import Form
from graph.shape import entity_id
from queries.analysis.ranking import cluster_reason
from queries.registry import get_query
from viz.render import FAVICON, MARKING, echarts_asset, json_for_script
from viz.views import RATING_COLORS, RATING_ORDER, all_views, score_key

log = logging.getLogger(__name__)

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
)
_CACHE: dict[tuple[str, str], tuple[float, HomeData]] = {}
_LOCK = threading.Lock()
CACHE_SECONDS = 300.0
TOP = 10


@dataclass
class Figure:
    title: str
    value: str
    link: str
    view: str  # the view whose right the figure needs ("" = none)


@dataclass
class TopRow:
    label: str
    note: str
    link: str
    level: str = "warn"


@dataclass
class TopList:
    id: str
    title: str
    view: str
    rows: list[TopRow] = field(default_factory=list)


@dataclass
class HomeData:
    figures: list[Figure]
    lists: list[TopList]
    charts: list[dict[str, Any]]


def _view_link(name: str, focus: str | None = None, **params: str) -> str:
    qs = "&".join(f"{k}={quote(str(v))}" for k, v in params.items())
    return f"/views/{name}.html" + (f"?{qs}" if qs else "") + (f"#focus={quote(focus)}" if focus else "")


def home_data(driver: neo4j.Driver, database: str, as_of: dt.date) -> HomeData:
    """Key figures, top-10 lists and charts from the prepared queries (cached a few minutes).

    A part whose query fails shows "—" (logged), so one bad query does not take the page down.
    """
    cache_key = (database, as_of.isoformat())
    with _LOCK:
        hit = _CACHE.get(cache_key)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    day = as_of.isoformat()

    def run(name: str, params: dict[str, Any]) -> Any:
        try:
            return get_query(name).execute(driver, database, {"as_of": day, **params})
        except (KgError, neo4j.exceptions.Neo4jError) as e:
            log.warning("home page: %s failed: %s", name, e)
            return None

    figures: list[Figure] = []
    lists: list[TopList] = []
    charts: list[dict[str, Any]] = []

    eco = run("political_ecosystem", {"level": "unit"})
    worst = TopList("top-ecosystem", "政治生态评定靠后的单位", "ecosystem_map")
    if eco is not None:
        ratings = eco.summary.get("ratings", {})
        figures.append(
            Figure(
                "评定“差”的单位", f"{ratings.get('差', 0)} 个", _view_link("ecosystem_map"), "ecosystem_map"
            )
        )
        for r in sorted(eco.rows, key=score_key)[:TOP]:
            worst.rows.append(
                TopRow(
                    r.get("unit_name") or r["unit_code"],
                    f"{r.get('rating') or '—'} · {r.get('score')} 分 · "
                    + "；".join((r.get("reasons") or [])[:1]),
                    _view_link("ecosystem_map", entity_id("Unit", r["unit_code"])),
                    "bad" if r.get("rating") == "差" else "warn",
                )
            )
        charts.append(
            {
                "id": "ratings",
                "view": "ecosystem_map",
                "title": "单位政治生态评定分布",
                "option": {
                    "tooltip": {"trigger": "item"},
                    "legend": {"bottom": 0},
                    "series": [
                        {
                            "type": "pie",
                            "radius": ["35%", "65%"],
                            "label": {"formatter": "{b} {c} 个", "fontSize": 13},
                            "data": [
                                {
                                    "name": k,
                                    "value": ratings.get(k, 0),
                                    "itemStyle": {"color": RATING_COLORS[k]},
                                }
                                for k in RATING_ORDER
                            ],
                        }
                    ],
                },
            }
        )
    else:
        figures.append(Figure("评定“差”的单位", "—", _view_link("ecosystem_map"), "ecosystem_map"))
    lists.append(worst)

    cl = run("risk_clusters", {"limit": 200})
    kinds = cl.summary.get("kinds", {}) if cl else {}
    clusters = TopList("top-clusters", "风险最高的群组（窝案、串案在前）", "risk_cluster")
    first_of: dict[str, str] = {}
    for r in cl.rows if cl else []:
        first_of.setdefault(r["kind"], r["cluster_id"])
    for kind in ("窝案", "串案"):
        figures.append(
            Figure(
                kind,
                "—" if cl is None else f"{kinds.get(kind, 0)} 个",
                _view_link("risk_cluster", cluster_id=first_of.get(kind, "K1"))
                if first_of.get(kind)
                else _view_link("risk_cluster"),
                "risk_cluster",
            )
        )
    for r in (cl.rows if cl else [])[:TOP]:
        clusters.rows.append(
            TopRow(
                f"{r['cluster_id']} · {r['kind']} · {r['size']} 人",
                cluster_reason(r),
                _view_link("risk_cluster", cluster_id=r["cluster_id"]),
                "bad" if r["kind"] in ("窝案", "串案") else "warn",
            )
        )
    lists.append(clusters)

    lc = run("liaison_coverage", {})
    uncovered = TopList("top-uncovered", "无人联系的基层单位（按风险）", "liaison_coverage")
    if lc is not None:
        s = lc.summary
        rate = s.get("coverage_rate")
        figures.append(
            Figure(
                "基层联系覆盖率",
                "—" if rate is None else f"{rate * 100:.1f}%",
                _view_link("liaison_coverage"),
                "liaison_coverage",
            )
        )
        figures.append(
            Figure(
                "未覆盖 / 久未走访单位",
                f"{len(s.get('uncovered_units', []))} / {len(s.get('stale_units', []))}",
                _view_link("liaison_coverage"),
                "liaison_coverage",
            )
        )
        for r in [r for r in lc.rows if r["status"] == "未覆盖"][:TOP]:
            uncovered.rows.append(
                TopRow(
                    r.get("unit_name") or r["unit_code"],
                    f"风险值 {r.get('risk', 0)} · 线索/案件 {r.get('clues', 0)}/{r.get('cases', 0)}",
                    _view_link("liaison_coverage", entity_id("Unit", r["unit_code"])),
                    "bad",
                )
            )
    lists.append(uncovered)

    loop = run("closed_loop", {})
    overdue = TopList("top-overdue", "逾期未闭环：移送未反馈与整改逾期（按逾期天数）", "query:closed_loop")
    if loop is not None:
        s = loop.summary
        figures.append(
            Figure(
                "移送逾期未反馈",
                f"{len(s.get('overdue_transfers', []))} 件",
                "#top-overdue",
                "query:closed_loop",
            )
        )
        figures.append(
            Figure(
                "整改逾期",
                f"{len(s.get('overdue_rectifications', []))} 项",
                "#top-overdue",
                "query:closed_loop",
            )
        )
        rows = []
        for issue in ("移送未反馈", "整改逾期"):  # both kinds, half the list each when both have enough
            rows += sorted(
                (r for r in loop.rows if r["issue"] == issue),
                key=lambda r: (-(r.get("days_overdue") or 0), r["key"]),
            )[: TOP // 2]
        for r in rows[:TOP]:
            unit = (r.get("units") or [None])[0]
            overdue.rows.append(
                TopRow(
                    f"{r['issue']} · {r['key']}",
                    f"逾期 {r.get('days_overdue')} 天 · {r.get('body_name') or r.get('status') or ''}",
                    _view_link("unit_view", entity_id("Unit", unit), unit_code=unit) if unit else "",
                    "bad",
                )
            )
    lists.append(overdue)

    forms = run("violation_statistics_forms", {})
    if forms is not None and forms.rows:
        names = [f.value for f in Form]
        years = [str(r["year"]) for r in forms.rows]
        charts.append(
            {
                "id": "forms_trend",
                "view": "query:violation_statistics_forms",
                "title": "四种形态：逐年人次与占比",
                "option": {
                    "tooltip": {"trigger": "axis"},
                    "legend": {"bottom": 0},
                    "grid": {"left": 40, "right": 10, "top": 30, "bottom": 50},
                    "xAxis": {"type": "category", "data": years},
                    "yAxis": {"type": "value", "name": "人次"},
                    "series": [
                        {"name": n, "type": "bar", "stack": "f", "data": [r[f"form{i}"] for r in forms.rows]}
                        for i, n in enumerate(names, start=1)
                    ],
                    "color": ["#56b4e9", "#e69f00", "#d55e00", "#000000"],
                },
            }
        )
        last = forms.rows[-1]
        charts.append(
            {
                "id": "forms_share",
                "view": "query:violation_statistics_forms",
                "title": f"四种形态占比（{last['year']} 年，已处理 {last['decided']} 人次）",
                "option": {
                    "tooltip": {"trigger": "item"},
                    "legend": {"bottom": 0},
                    "color": ["#56b4e9", "#e69f00", "#d55e00", "#000000"],
                    "series": [
                        {
                            "type": "pie",
                            "radius": ["35%", "65%"],
                            "label": {"formatter": "{b} {d}%", "fontSize": 13},
                            "data": [
                                {"name": n, "value": last[f"form{i}"]} for i, n in enumerate(names, start=1)
                            ],
                        }
                    ],
                },
            }
        )
    data = HomeData(figures, lists, charts)
    with _LOCK:
        _CACHE[cache_key] = (time.monotonic(), data)
    return data


def render_home(
    data: HomeData, as_of: dt.date, *, role_title: str = "", allowed: set[str] | None = None, viewer: str = ""
) -> str:
    """The page; ``allowed`` holds the views the role may open and ``query:NAME`` for the queries
    it may run: figures, lists and charts resting on anything else are left out (a role must
    not read figures it may not open)."""
    ok = (lambda v: True) if allowed is None else (lambda v: v == "" or v in allowed)  # noqa: E731
    views = [
        {"name": v.name, "title": v.title, "description": v.description, "entity": v.entity}
        for v in all_views()
        if ok(v.name)
    ]
    charts = [c for c in data.charts if ok(c["view"])]
    return _env.get_template("home.html").render(
        figures=[f for f in data.figures if ok(f.view)],
        lists=[t for t in data.lists if ok(t.view)],
        views=views,
        as_of=as_of.isoformat(),
        role_title=role_title,
        viewer=viewer,
        favicon=FAVICON,
        marking=MARKING,
        charts_json=json_for_script(charts),
        echarts_js=echarts_asset() if charts else "",
    )
