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
from viz.style import edge_tooltip, label_inside, node_tooltip, schema_legend_data, style_edge, style_node

HERE = Path(__file__).resolve().parent
VIS_DIR = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2"
EXPAND_LIMIT = 25

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                          autoescape=jinja2.select_autoescape(["html"]))


@cache
def _asset(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    # A source-map comment would make developer tools fetch a file that is not there.
    return re.sub(r"//# sourceMappingURL=\S+", "", text)


def vis_assets() -> tuple[str, str]:
    """vis-network's script and stylesheet, from the pyvis package."""
    return _asset(VIS_DIR / "vis-network.min.js"), _asset(VIS_DIR / "vis-network.css")


def _json_for_script(obj: Any) -> str:
    """JSON safe inside <script>: no ``</`` and no HTML comment openers."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--").replace("\u2028", "\\u2028").replace(
        "\u2029", "\\u2029")


def vis_node(node: ViewNode) -> dict[str, Any]:
    style_node(node)
    shape = node.shape or "dot"
    label = node.caption or node.key
    if node.mark:
        label = f"{label}【{node.mark}】"
    opts: dict[str, Any] = {"title": node_tooltip(node), "kgType": node.type, "kgKey": node.key}
    fill = node.color or "#888888"
    if node.border:
        opts["color"] = {"background": fill, "border": node.border,
                         "highlight": {"background": fill, "border": node.border}}
        opts["borderWidth"] = 4
    else:
        opts["color"] = fill
    if node.size is not None:
        opts["size"] = node.size
    if label_inside(shape):
        opts["font"] = {"color": "#ffffff" if not node.aggregate else "#222222"}
    if node.x is not None and node.y is not None:
        opts["x"], opts["y"] = node.x, node.y
    if node.level is not None:
        opts["level"] = node.level
    if node.group:
        opts["kgGroup"] = node.group
    if node.aggregate:
        opts["kgAggregate"] = node.aggregate
    return Node(node.id, shape, label=label, **opts).options


def vis_edge(edge: ViewEdge) -> dict[str, Any]:
    style_edge(edge)
    opts: dict[str, Any] = {"id": edge.id, "title": edge_tooltip(edge), "color": {"color": edge.color},
                            "dashes": bool(edge.dashes)}
    if edge.label:
        opts["label"] = edge.label
        opts["font"] = {"size": 11, "align": "middle"}
    if edge.width:
        opts["width"] = edge.width
    return Edge(edge.from_, edge.to, directed=True, **opts).options


def vis_options(view: GraphView, *, large_handling: bool = True) -> dict[str, Any]:
    """Network options; with ``large_handling`` off, vis-network's own defaults (for the bench)."""
    n = len(view.nodes)
    interaction = {"hover": True, "tooltipDelay": 150, "navigationButtons": False, "keyboard": False}
    if not large_handling:
        return {"physics": {"enabled": True, "stabilization": {"enabled": True, "iterations": 1000}},
                "layout": {"improvedLayout": True}, "edges": {"smooth": {"enabled": True, "type": "dynamic"}},
                "interaction": interaction}
    if view.hierarchical:
        return {"layout": {"hierarchical": {"enabled": True, "direction": "UD", "sortMethod": "directed",
                                            "levelSeparation": 120, "nodeSpacing": 150, "treeSpacing": 180}},
                "physics": {"enabled": False}, "edges": {"smooth": {"enabled": True, "type": "cubicBezier",
                                                                   "forceDirection": "vertical"}},
                "interaction": interaction}
    if n > LAYOUT_THRESHOLD:
        return {"physics": {"enabled": False}, "layout": {"improvedLayout": False},
                "edges": {"smooth": False},
                "interaction": {**interaction, "hideEdgesOnDrag": True, "hover": False}}
    return {"physics": {"enabled": True, "solver": "barnesHut",
                        "barnesHut": {"gravitationalConstant": -6000, "springLength": 120, "damping": 0.4},
                        "stabilization": {"enabled": True, "iterations": PHYSICS_ITERATIONS, "updateInterval": 50}},
            "layout": {"improvedLayout": n <= 150, "randomSeed": 7},
            "edges": {"smooth": {"enabled": True, "type": "continuous"} if n <= 300 else False},
            "interaction": interaction}


def prepare(view: GraphView, *, large_handling: bool = True) -> GraphView:
    """Apply the large-graph rules: cap the node count, lay out big graphs server-side."""
    if not large_handling:
        return view
    limit_nodes(view)
    if len(view.nodes) > LAYOUT_THRESHOLD and not view.hierarchical:
        if any(n.x is None for n in view.nodes):
            compute_layout(view)
    return view


def render_html(view: GraphView, *, api_base: str | None = None, home_link: str | None = None,
                large_handling: bool = True, expand_limit: int = EXPAND_LIMIT) -> str:
    """A self-contained HTML page for ``view``. ``api_base`` (``""`` for the serving origin) turns
    on double-click expansion; ``None`` means a file opened without a server."""
    view = prepare(view.model_copy(deep=True), large_handling=large_handling)
    payload = {
        "name": view.name, "title": view.title, "as_of": view.as_of,
        "nodes": [vis_node(n) for n in view.nodes], "edges": [vis_edge(e) for e in view.edges],
        "legend": [i.model_dump() for i in view.legend],
        "options": vis_options(view, large_handling=large_handling),
        "api_base": api_base, "expand_limit": expand_limit, "schema": schema_legend_data(),
    }
    vis_js, vis_css = vis_assets()
    return _env.get_template("view.html").render(
        title=view.title, as_of=view.as_of, shown=len(view.nodes), total=max(view.total_nodes, len(view.nodes)),
        notice=view.notice, figures=view.figures, notes=view.notes, expand_limit=expand_limit, offline=api_base is None,
        home_link=home_link, payload=_json_for_script(payload), vis_js=vis_js, vis_css=vis_css,
        page_js=_asset(HERE / "static" / "view.js"), page_css=_asset(HERE / "static" / "view.css"))
