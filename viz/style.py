"""Colours, shapes, Chinese titles, tooltips and legends: all derived from ``graph.schema``."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from graph.schema import NODE_SPECS, REL_SPECS, node_spec, rel_spec
from viz.model import GraphView, LegendItem, ViewEdge, ViewNode

AGGREGATE_COLOR = "#c7c7c7"
HIGHLIGHT_COLOR = "#d55e00"

# The pictures' encoding: the Okabe–Ito palette (safe for the common colour-vision deficiencies),
# and a shape per type, so that colour is never the only cue. It overrides the schema's colours
# in the views only; the schema keeps its own for other outputs.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#e69f00",
    "sky": "#56b4e9",
    "green": "#009e73",
    "yellow": "#f0e442",
    "blue": "#0072b2",
    "vermillion": "#d55e00",
    "purple": "#cc79a7",
    "grey": "#8c8c8c",
}
NODE_STYLE: dict[str, tuple[str, str]] = {
    "Unit": (OKABE_ITO["blue"], "box"),
    "PartyOrg": (OKABE_ITO["green"], "triangle"),
    "Officer": (OKABE_ITO["grey"], "dot"),
    "Clue": (OKABE_ITO["orange"], "diamond"),
    "Case": (OKABE_ITO["purple"], "star"),
    "Inspection": (OKABE_ITO["sky"], "hexagon"),
    "Rectification": (OKABE_ITO["yellow"], "square"),
    "Responsibility": ("#9c755f", "ellipse"),
}
ROLE_STYLE: dict[str, tuple[str, str]] = {
    # Roles of people, strongest first (a person with several roles is drawn as the first).
    "党委班子成员": (OKABE_ITO["vermillion"], "triangleDown"),
    "单位负责人": (OKABE_ITO["orange"], "square"),
    "支部书记": (OKABE_ITO["purple"], "dot"),
    "纪检委员": (OKABE_ITO["yellow"], "dot"),
    "监督机构": (OKABE_ITO["sky"], "hexagon"),
}
ROLE_OF_REL = {
    "COMMITTEE_MEMBER_OF": "党委班子成员",
    "IN_CHARGE_OF": "党委班子成员",
    "LIAISES_WITH": "党委班子成员",
    "HEADS": "单位负责人",
    "SECRETARY_OF": "支部书记",
    "DISCIPLINE_COMMISSIONER_OF": "纪检委员",
}
# Relationship styles: colour, dashes, width and the short label drawn on the edge for the roles
# that the accountability chain is about.
EDGE_STYLE: dict[str, tuple[str, bool, float, str | None]] = {
    "PART_OF": ("#9aa7b4", False, 1.5, None),
    "SERVES_IN": ("#b0b0b0", False, 1.0, None),
    "MEMBER_OF": ("#b0b0b0", True, 1.0, None),
    "SET_UP_IN": (OKABE_ITO["green"], True, 1.0, None),
    "ORG_PART_OF": (OKABE_ITO["green"], False, 1.0, None),
    "HEADS": (OKABE_ITO["orange"], False, 3.0, "负责人"),
    "SECRETARY_OF": (OKABE_ITO["purple"], False, 3.0, "书记"),
    "DISCIPLINE_COMMISSIONER_OF": ("#b8a800", False, 2.5, "纪检委员"),
    "COMMITTEE_MEMBER_OF": (OKABE_ITO["vermillion"], False, 2.0, "班子成员"),
    "IN_CHARGE_OF": (OKABE_ITO["vermillion"], True, 3.0, "分管"),
    "LIAISES_WITH": (OKABE_ITO["sky"], True, 2.0, None),
    "SUPERVISES": (OKABE_ITO["blue"], True, 1.5, None),
    "CONCERNS": (OKABE_ITO["orange"], False, 1.5, "反映"),
    "CONCERNS_UNIT": (OKABE_ITO["orange"], True, 1.0, "反映"),
    "TRANSFERRED_TO": ("#8c6d00", True, 2.0, "移送"),
    "HANDLED_BY": ("#8c6d00", False, 1.0, "承办"),
    "INVOLVES": (OKABE_ITO["black"], False, 2.0, "涉及"),
    "ARISES_FROM": (OKABE_ITO["purple"], True, 1.0, "源于"),
    "INVESTIGATED_BY": (OKABE_ITO["blue"], False, 2.0, "查办"),
}

# vis-network shapes that draw the label inside the shape (the label is not below it).
_LABEL_INSIDE = {"box", "ellipse", "circle", "database", "text"}


def node_color(label: str) -> str:
    if label in NODE_STYLE:
        return NODE_STYLE[label][0]
    return _node_spec_or_none(label).color if _node_spec_or_none(label) else "#888888"


def node_shape(label: str) -> str:
    if label in NODE_STYLE:
        return NODE_STYLE[label][1]
    spec = _node_spec_or_none(label)
    return spec.shape if spec else "dot"


def short_caption(node: ViewNode) -> str:
    """What a clue or case is about (category · date, title) rather than its code."""
    p = node.props
    if node.type == "Clue" and (node.caption in ("", node.key)):
        parts = [p.get("category") or "问题线索", p.get("received_on")]
        return " · ".join(str(x) for x in parts if x)
    if node.type == "Case" and (node.caption in ("", node.key)):
        head = " · ".join(str(x) for x in (p.get("violation_type") or "案件", p.get("opened_on")) if x)
        return f"{head}\n{p['title']}" if p.get("title") else head
    return node.caption or node.key


def roles_from_edges(nodes: Iterable[ViewNode], edges: Iterable[ViewEdge]) -> None:
    """Give each person the strongest role the drawn relationships show (see ``ROLE_STYLE``)."""
    order = list(ROLE_STYLE)
    found: dict[str, str] = {}
    for e in edges:
        role = ROLE_OF_REL.get(e.type)
        if role and (e.from_ not in found or order.index(role) < order.index(found[e.from_])):
            found[e.from_] = role
    for n in nodes:
        if n.type == "Officer" and n.role is None and n.id in found:
            n.role = found[n.id]


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
            "title": s.title,
            "color": node_color(s.label),
            "shape": node_shape(s.label),
            "key": s.key,
            "name_field": s.name_field,
            "fields": {n: (f.title or n) for n, f in s.model.model_fields.items()},
        }
        for s in NODE_SPECS
    }
    rels = {
        s.type: {
            "title": s.title,
            "color": EDGE_STYLE.get(s.type, (s.color,))[0],
            "dashes": EDGE_STYLE[s.type][1] if s.type in EDGE_STYLE else s.dashes,
            "width": EDGE_STYLE[s.type][2] if s.type in EDGE_STYLE else 1.0,
            "short": EDGE_STYLE[s.type][3] if s.type in EDGE_STYLE else None,
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
    """Fill colour and shape from the type (or the person's role) unless the view chose them."""
    role = ROLE_STYLE.get(node.role or "")
    if node.color is None:
        node.color = AGGREGATE_COLOR if node.aggregate else (role[0] if role else node_color(node.type))
    if node.shape is None:
        node.shape = role[1] if role else node_shape(node.type)
    return node


def legend_label(node: ViewNode) -> str:
    """The legend entry a node belongs to: the view's own, else its role, else its type."""
    if node.legend:
        return node.legend
    title = schema_legend_data()["nodes"].get(node.type, {}).get("title", node.type)
    if node.aggregate:
        return f"{title}（汇总）"
    return f"{title}·{node.role}" if node.role and node.type == "Officer" else (node.role or title)


def style_edge(edge: ViewEdge) -> ViewEdge:
    spec = _rel_spec_or_none(edge.type)
    style = EDGE_STYLE.get(edge.type)
    if edge.color is None:
        edge.color = style[0] if style else (spec.color if spec else "#999999")
    if edge.dashes is None:
        edge.dashes = style[1] if style else (spec.dashes if spec else False)
    if edge.width is None and style:
        edge.width = style[2]
    return edge


def edge_legend_label(edge: ViewEdge) -> str:
    if edge.legend or edge.label:
        return str(edge.legend or edge.label)
    spec = _rel_spec_or_none(edge.type)
    return spec.title if spec else edge.type


def type_legend(nodes: Iterable[ViewNode], edges: Iterable[ViewEdge]) -> list[LegendItem]:
    """One legend entry per node type and relationship type present, in schema order."""
    seen: dict[str, LegendItem] = {}
    for n in nodes:
        style_node(n)
        seen.setdefault(
            legend_label(n),
            LegendItem(label=legend_label(n), kind="node", color=n.color or "#888888", shape=n.shape),
        )
    for e in edges:
        style_edge(e)
        seen.setdefault(
            "edge:" + edge_legend_label(e),
            LegendItem(
                label=edge_legend_label(e), kind="edge", color=e.color or "#999999", dashes=bool(e.dashes)
            ),
        )
    return list(seen.values())


def finish(view: GraphView, extra_legend: Iterable[LegendItem] = ()) -> GraphView:
    """Apply the styles and append the type legend after the view's own entries."""
    roles_from_edges(view.nodes, view.edges)
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
