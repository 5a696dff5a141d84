"""The leaders' home page: the key figures on top, then the list of views."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from pathlib import Path
from typing import Any

import jinja2
import neo4j

from graph.errors import KgError
from queries.registry import get_query
from viz.views import all_views

log = logging.getLogger(__name__)

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                          autoescape=jinja2.select_autoescape(["html"]))
_CACHE: dict[tuple[str, str], tuple[float, list[tuple[str, str, str]]]] = {}
_LOCK = threading.Lock()
CACHE_SECONDS = 300.0


def key_figures(driver: neo4j.Driver, database: str, as_of: dt.date) -> list[tuple[str, str, str]]:
    """``(title, value, link)`` for the liaison coverage rate, risk clusters and open loops.

    Each figure comes from a prepared query's summary; a figure whose query fails shows "—"
    (logged), so one bad query does not take the page down. Cached for a few minutes.
    """
    cache_key = (database, as_of.isoformat())
    with _LOCK:
        hit = _CACHE.get(cache_key)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    day = as_of.isoformat()
    figures: list[tuple[str, str, str]] = []

    def summary(name: str, params: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return get_query(name).execute(driver, database, params).summary
        except (KgError, neo4j.exceptions.Neo4jError) as e:
            log.warning("key figure from %s failed: %s", name, e)
            return None

    s = summary("liaison_coverage", {"as_of": day})
    rate = s.get("coverage_rate") if s else None
    figures.append(("基层联系覆盖率", "—" if rate is None else f"{rate * 100:.1f}%", "/views/liaison_coverage.html"))
    figures.append(("未覆盖 / 久未走访单位", "—" if not s else
                    f"{len(s.get('uncovered_units', []))} / {len(s.get('stale_units', []))}",
                    "/views/liaison_coverage.html"))
    s = summary("risk_clusters", {"as_of": day})
    kinds = (s or {}).get("kinds", {})
    figures.append(("风险群组", "—" if not s else f"{s.get('clusters', 0)}（窝案 {kinds.get('窝案', 0)}，串案 {kinds.get('串案', 0)}）",
                    "/views/risk_cluster.html"))
    s = summary("closed_loop", {"as_of": day})
    figures.append(("逾期未闭环", "—" if not s else
                    f"移送未反馈 {len(s.get('overdue_transfers', []))}，整改逾期 {len(s.get('overdue_rectifications', []))}",
                    ""))
    with _LOCK:
        _CACHE[cache_key] = (time.monotonic(), figures)
    return figures


def render_home(figures: list[tuple[str, str, str]], as_of: dt.date, *, role_title: str = "") -> str:
    views = [{"name": v.name, "title": v.title, "description": v.description, "entity": v.entity,
              "required": [(p["name"], p["title"]) for p in v.param_list() if p["required"]]} for v in all_views()]
    return _env.get_template("home.html").render(figures=figures, views=views, as_of=as_of.isoformat(),
                                                 role_title=role_title)
