"""Colours, shapes, Chinese titles, tooltips and legends: all derived from ``graph.schema``."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from graph.schema import NODE_SPECS, REL_SPECS, node_spec, rel_spec
from viz.model import GraphView, LegendItem, ViewEdge, ViewNode

AGGREGATE_COLOR = "#c7c7c7"
HIGHLIGHT_COLOR = "#d62728"

# vis-network shapes that draw the label inside the shape (the label is not below it).
_LABEL_INSIDE = {"box", "ellipse", "circle", "database", "text"}


def node_color(label: str) -> str:
    return _node_spec_or_none(label).color if _node_spec_or_none(label) else "#888888"


def node_shape(label: str) -> str:
    spec = _node_spec_or_none(label)
    return spec.shape if spec else "dot"


def _node_spec_or_none(label: str) -> Any:
    try:
        return node_spec(label)
    except KeyError:
        return None


def _rel_spec_or_none(rel_type: str) -> Any:
    try:
        return rel_spec(rel_type)
    except KeyError:
        return None


@lru_cache(maxsize=1)
def schema_legend_data() -> dict[str, Any]:
    """Titles, colours, shapes and field titles of every type, embedded in the page so nodes
    added by expansion are drawn and described like the rest."""
    nodes = {
        s.label: {
            "title": s.title, "color": s.color, "shape": s.shape, "key": s.key, "name_field": s.name_field,
            "fields": {n: (f.title or n) for n, f in s.model.model_fields.items()},
        }
        for s in NODE_SPECS
    }
    rels = {
        s.type: {
            "title": s.title, "color": s.color, "dashes": s.dashes,
            "fields": {n: (s.model.model_fields[n].title or n) for n in s.prop_fields},
        }
        for s in REL_SPECS
    }
    return {"nodes": nodes, "rels": rels}


def format_value(value: Any) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, list | tuple):
        return "、".join(format_value(v) for v in value)
    return str(value)


def _prop_lines(props: dict[str, Any], titles: dict[str, str]) -> list[str]:
    lines = []
    # Schema order first, then any other property the query returned.
    ordered = [k for k in titles if k in props] + [k for k in props if k not in titles]
    for k in ordered:
        v = props[k]
        if v is None or v == "":
            continue
        lines.append(f"{titles.get(k, k)}：{format_value(v)}")
    return lines


def node_tooltip(node: ViewNode) -> str:
    """Plain text (vis-network shows string titles as text, never as HTML)."""
    data = schema_legend_data()["nodes"].get(node.type)
    head = f"{data['title'] if data else node.type} {node.caption}".strip()
    lines = [head]
    if node.aggregate:
        lines.append(f"（汇总节点，代表 {node.aggregate} 个）")
    lines += _prop_lines(node.props, data["fields"] if data else {})
    lines += [f"{k}：{v}" for k, v in node.facts]
    return "\n".join(lines)


def edge_tooltip(edge: ViewEdge) -> str:
    data = schema_legend_data()["rels"].get(edge.type)
    lines = [data["title"] if data else (edge.label or edge.type)]
    lines += _prop_lines(edge.props, data["fields"] if data else {})
    return "\n".join(lines)


def style_node(node: ViewNode) -> ViewNode:
    """Fill colour and shape from the schema unless the view already chose them."""
    if node.color is None:
        node.color = AGGREGATE_COLOR if node.aggregate else node_color(node.type)
    if node.shape is None:
        node.shape = node_shape(node.type)
    return node


def style_edge(edge: ViewEdge) -> ViewEdge:
    spec = _rel_spec_or_none(edge.type)
    if edge.color is None:
        edge.color = spec.color if spec else "#999999"
    if edge.dashes is None:
        edge.dashes = spec.dashes if spec else False
    return edge


def type_legend(nodes: Iterable[ViewNode], edges: Iterable[ViewEdge]) -> list[LegendItem]:
    """One legend entry per node type and relationship type present, in schema order."""
    node_types = {n.type for n in nodes}
    edge_types = {e.type for e in edges}
    items = [LegendItem(label=s.title, kind="node", color=s.color, shape=s.shape)
             for s in NODE_SPECS if s.label in node_types]
    items += [LegendItem(label=s.title, kind="edge", color=s.color, dashes=s.dashes)
              for s in REL_SPECS if s.type in edge_types]
    return items


def finish(view: GraphView, extra_legend: Iterable[LegendItem] = ()) -> GraphView:
    """Apply schema styles and append the type legend after the view's own entries."""
    for n in view.nodes:
        style_node(n)
    for e in view.edges:
        style_edge(e)
    own = list(extra_legend) + list(view.legend)
    seen = {(i.kind, i.label) for i in own}
    view.legend = own + [i for i in type_legend(view.nodes, view.edges) if (i.kind, i.label) not in seen]
    if not view.total_nodes:
        view.total_nodes = len(view.nodes)
    return view


def label_inside(shape: str) -> bool:
    return shape in _LABEL_INSIDE
