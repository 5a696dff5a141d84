"""Render a ``GraphView`` to one self-contained, offline HTML page.

vis-network's script and stylesheet are inlined from the pyvis package; node and edge option
dicts are built with pyvis's ``Node``/``Edge``. The page makes no request of its own; the only
one it can make is the double-click expansion, to the API that served it (``api_base``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import pyvis
from pyvis.edge import Edge
from pyvis.node import Node

from viz.large import LAYOUT_THRESHOLD, PHYSICS_ITERATIONS, compute_layout, limit_nodes
from viz.model import GraphView, ViewEdge, ViewNode
from viz.style import (
    edge_legend_label,
    edge_tooltip,
    label_inside,
    legend_label,
    node_tooltip,
    schema_legend_data,
    short_caption,
    style_edge,
    style_node,
)

HERE = Path(__file__).resolve().parent
VIS_DIR = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2"
EXPAND_LIMIT = 25

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=jinja2.select_autoescape(["html"])
)


@cache
def _asset(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    # A source-map comment would make developer tools fetch a file that is not there.
    return re.sub(r"//# sourceMappingURL=\S+", "", text)


def vis_assets() -> tuple[str, str]:
    """vis-network's script and stylesheet, from the pyvis package."""
    return _asset(VIS_DIR / "vis-network.min.js"), _asset(VIS_DIR / "vis-network.css")


def json_for_script(obj: Any) -> str:
    """JSON that cannot end or confuse the ``<script>`` block holding it: ``<``, ``>`` and ``&``
    are written as ``\\u003c`` … (so no ``</script>``, ``<!--`` or ``-->`` can appear), and the
    line separators U+2028/U+2029 escaped. ``JSON.parse`` reads it back unchanged."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


FAVICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E"
    "%3Crect width='32' height='32' rx='6' fill='%238b1a1a'/%3E%3Ccircle cx='10' cy='11' r='4' fill='%23fff'/%3E"
    "%3Ccircle cx='22' cy='11' r='4' fill='%23fff'/%3E%3Ccircle cx='16' cy='23' r='4' fill='%23fff'/%3E"
    "%3Cpath d='M10 11L22 11L16 23Z' stroke='%23fff' stroke-width='2' fill='none'/%3E%3C/svg%3E"
)
"""The pages' icon, inline: no request, no 404."""

MARKING = "内部资料 注意保密"
LABELLED_RELS = {
    "HEADS",
    "SECRETARY_OF",
    "COMMITTEE_MEMBER_OF",
    "IN_CHARGE_OF",
    "DISCIPLINE_COMMISSIONER_OF",
    "INVESTIGATED_BY",
    "TRANSFERRED_TO",
}
"""Relationships whose role the picture spells out on the edge (who heads, who is secretary …)."""
OPEN_VIEW = {
    "Officer": ("officer_ego", "badge_no"),
    "Unit": ("unit_view", "unit_code"),
    "Case": ("accountability_chain", "case_no"),
}
"""Which view a node of each type opens, and the parameter its key fills."""


def _light(color: str) -> bool:
    """True when dark text reads better than white on ``color`` (relative luminance > 0.5)."""
    try:
        r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    except (ValueError, IndexError):
        return False
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5


def vis_node(node: ViewNode) -> dict[str, Any]:
    style_node(node)
    shape = node.shape or "dot"
    label = short_caption(node)
    if node.mark:
        label = f"{label}【{node.mark}】"
    opts: dict[str, Any] = {
        "title": node_tooltip(node),
        "kgType": node.type,
        "kgKey": node.key,
        "kgLegend": legend_label(node),
        "kgCaption": node.caption or node.key,
    }
    fill = node.color or "#888888"
    if node.border:
        opts["color"] = {
            "background": fill,
            "border": node.border,
            "highlight": {"background": fill, "border": "#000000"},
        }
        opts["borderWidth"] = 4
    else:
        opts["color"] = {
            "background": fill,
            "border": "#555555" if fill in ("#f0e442", "#c7c7c7") else fill,
            "highlight": {"background": fill, "border": "#000000"},
        }
    if node.size is not None:
        opts["size"] = node.size
    font: dict[str, Any] = {"size": 14, "face": "Noto Sans CJK SC, Microsoft YaHei, sans-serif"}
    if label_inside(shape):
        font["color"] = "#111111" if node.aggregate or _light(fill) else "#ffffff"
    if node.important:
        opts["kgImportant"] = True
        font.update({"bold": {"size": 14}, "background": "rgba(255,255,255,0.85)"})
        if label_inside(shape):
            font.pop("background")
    opts["font"] = font
    if node.x is not None and node.y is not None:
        opts["x"], opts["y"] = node.x, node.y
    if node.fx is not None and node.fy is not None:
        opts["kgFx"], opts["kgFy"] = node.fx, node.fy
    if node.level is not None:
        opts["level"] = node.level
    if node.group:
        opts["kgGroup"] = node.group
    if node.aggregate:
        opts["kgAggregate"] = node.aggregate
    district = node.props.get("district")
    if district:
        opts["kgDistrict"] = district
    opts["kgProps"] = node.props
    opts["kgFacts"] = node.facts
    return Node(node.id, shape, label=label, **opts).options


def vis_edge(edge: ViewEdge, *, labels: bool = False) -> dict[str, Any]:
    style_edge(edge)
    opts: dict[str, Any] = {
        "id": edge.id,
        "title": edge_tooltip(edge),
        "color": {"color": edge.color},
        "dashes": bool(edge.dashes),
        "kgType": edge.type,
        "kgLegend": edge_legend_label(edge),
    }
    short = (
        schema_legend_data()["rels"].get(edge.type, {}).get("short") if edge.type in LABELLED_RELS else None
    )
    text = edge.label or (short if labels else None)
    if text:
        opts["label"] = text
        opts["font"] = {"size": 12, "align": "middle", "strokeWidth": 3, "color": "#333333"}
    if edge.width:
        opts["width"] = edge.width
    return Edge(edge.from_, edge.to, directed=True, **opts).options


def vis_options(view: GraphView, *, large_handling: bool = True) -> dict[str, Any]:
    """Network options; with ``large_handling`` off, vis-network's own defaults (for the bench)."""
    n = len(view.nodes)
    interaction = {"hover": True, "tooltipDelay": 150, "navigationButtons": False, "keyboard": False}
    if not large_handling:
        return {
            "physics": {"enabled": True, "stabilization": {"enabled": True, "iterations": 1000}},
            "layout": {"improvedLayout": True},
            "edges": {"smooth": {"enabled": True, "type": "dynamic"}},
            "interaction": interaction,
        }
    if view.layout == "preset" or n > LAYOUT_THRESHOLD:
        smooth: Any = (
            {"enabled": True, "type": "curvedCW", "roundness": 0.15} if len(view.edges) <= 300 else False
        )
        return {
            "physics": {"enabled": False},
            "layout": {"improvedLayout": False},
            "edges": {"smooth": smooth, "arrows": {"to": {"scaleFactor": 0.6}}},
            "interaction": {**interaction, "hideEdgesOnDrag": n > LAYOUT_THRESHOLD},
        }
    return {
        "physics": {
            "enabled": True,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -9000,
                "springLength": 140,
                "damping": 0.4,
                "avoidOverlap": 0.3,
            },
            "stabilization": {"enabled": True, "iterations": PHYSICS_ITERATIONS, "updateInterval": 50},
        },
        "layout": {"improvedLayout": n <= 150, "randomSeed": 7},
        "edges": {
            "smooth": {"enabled": True, "type": "continuous"} if n <= 300 else False,
            "arrows": {"to": {"scaleFactor": 0.6}},
        },
        "interaction": interaction,
    }


def prepare(view: GraphView, *, large_handling: bool = True) -> GraphView:
    """Apply the large-graph rules: cap the node count, lay out big graphs server-side."""
    if not large_handling:
        return view
    limit_nodes(view)
    if len(view.nodes) > LAYOUT_THRESHOLD and view.layout != "preset":
        if any(n.x is None for n in view.nodes):
            compute_layout(view)
    return view


def render_html(
    view: GraphView,
    *,
    api_base: str | None = None,
    home_link: str | None = None,
    large_handling: bool = True,
    expand_limit: int = EXPAND_LIMIT,
    viewer: str = "",
) -> str:
    """A self-contained HTML page for ``view``. ``api_base`` (``""`` for the serving origin) turns
    on expansion and the detail panel's lookups; ``None`` means a file opened without a server.
    ``viewer`` ("从严办 · 李明") is printed in the export's footer."""
    view = prepare(view.model_copy(deep=True), large_handling=large_handling)
    ids = view.node_ids()
    focus = [i for i in view.focus or [] if i in ids] or None
    if focus is not None and len(focus) >= len(ids):
        focus = None
    by_id = {n.id: n for n in view.nodes}
    ranked = []
    for r in view.ranked:
        if r.id in by_id:
            n = by_id[r.id]
            ranked.append({**r.model_dump(), "label": r.label or short_caption(n).replace("\n", " ")})
    payload = {
        "name": view.name,
        "title": view.title,
        "as_of": view.as_of,
        "params": view.params,
        "nodes": [vis_node(n) for n in view.nodes],
        "edges": [vis_edge(e, labels=len(view.edges) <= 80) for e in view.edges],
        "legend": [i.model_dump() for i in view.legend],
        "figures": view.figures,
        "ranked": ranked,
        "ranked_title": view.ranked_title,
        "focus": focus,
        "layout": view.layout,
        "pickers": view.pickers,
        "charts": view.charts,
        "options": vis_options(view, large_handling=large_handling),
        "api_base": api_base,
        "expand_limit": expand_limit,
        "schema": schema_legend_data(),
        "viewer": viewer,
        "marking": MARKING,
        "open_view": OPEN_VIEW,
        "labelled_rels": sorted(LABELLED_RELS),
    }
    vis_js, vis_css = vis_assets()
    return _env.get_template("view.html").render(
        title=view.title,
        as_of=view.as_of,
        shown=len(view.nodes),
        total=max(view.total_nodes, len(view.nodes)),
        notice=view.notice,
        figures=view.figures,
        notes=view.notes,
        expand_limit=expand_limit,
        offline=api_base is None,
        home_link=home_link,
        payload=json_for_script(payload),
        vis_js=vis_js,
        vis_css=vis_css,
        echarts_js=echarts_asset() if view.charts else "",
        favicon=FAVICON,
        marking=MARKING,
        pickers=view.pickers,
        params=view.params,
        name=view.name,
        has_focus=focus is not None,
        page_js=_asset(HERE / "static" / "view.js"),
        page_css=_asset(HERE / "static" / "view.css"),
    )


def echarts_asset() -> str:
    """Apache ECharts 5 (npm ``echarts``, dist/echarts.min.js, Apache-2.0), bundled in viz/static."""
    return _asset(HERE / "static" / "echarts.min.js")
