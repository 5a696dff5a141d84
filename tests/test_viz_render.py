"""Views rendering without a database: offline pages, schema styles, large-graph handling."""

from __future__ import annotations

import json
import re

from viz.large import LAYOUT_THRESHOLD, aggregate_members, limit_nodes
from viz.model import GraphView, ViewEdge, ViewNode
from viz.render import render_html, vis_options
from viz.style import EDGE_STYLE, NODE_STYLE, finish, node_tooltip
from viz.views import all_views, get_view


def _payload(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', html, re.S)
    assert m
    return json.loads(m.group(1))


def small_view() -> GraphView:
    nodes = [
        ViewNode(
            id="Officer:1",
            type="Officer",
            key="1",
            caption="张三</script><b>",
            props={"badge_no": "1", "name": "张三</script><b>", "rank": "处级", "high_risk_post": True},
        ),
        ViewNode(id="Unit:U1", type="Unit", key="U1", caption="一所", props={"code": "U1", "name": "一所"}),
    ]
    edges = [
        ViewEdge(
            id="e1",
            type="SERVES_IN",
            to="Unit:U1",
            props={"start_date": "2020-01-01"},
            from_="Officer:1",
        )
    ]
    return finish(GraphView(name="t", title="测试", as_of="2026-06-30", nodes=nodes, edges=edges))


def test_page_is_offline_and_escaped() -> None:
    html = render_html(small_view())
    assert "<script src" not in html
    icon = re.search(r'<link rel="icon" href="data:image/svg\+xml,[^"]*">', html)
    assert icon and re.findall(r"<link[^>]*>", html) == [icon[0]]
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", html)
    assert "jsdelivr" not in html and "unpkg" not in html and "bootstrap" not in html
    assert "sourceMappingURL" not in html
    assert "张三</script>" not in html  # caption cannot close the data block
    data = _payload(html)
    assert data["api_base"] is None  # a file: expansion says it needs the server
    assert [n["id"] for n in data["nodes"]] == ["Officer:1", "Unit:U1"]
    assert "vis.Network" in html and "kgExportPng" in html


def test_styles_and_tooltips_come_from_schema() -> None:
    view = small_view()
    data = _payload(render_html(view, api_base=""))
    officer, unit = data["nodes"]
    assert (
        officer["color"]["background"] == NODE_STYLE["Officer"][0]
        and officer["shape"] == NODE_STYLE["Officer"][1]
    )
    assert unit["shape"] == "box"
    assert data["edges"][0]["color"]["color"] == EDGE_STYLE["SERVES_IN"][0]
    tip = node_tooltip(view.nodes[0])
    assert tip.splitlines()[0].startswith("民警 ")
    assert "职级：处级" in tip and "高风险岗位：是" in tip and "警号：1" in tip
    assert data["api_base"] == ""
    legend = {(i["kind"], i["label"]) for i in data["legend"]}
    assert {("node", "民警"), ("node", "单位"), ("edge", "任职于")} <= legend


def _chain(n: int) -> GraphView:
    nodes = [ViewNode(id=f"Unit:U{i}", type="Unit", key=f"U{i}", caption=f"U{i}") for i in range(n)]
    edges = [
        ViewEdge(id=f"p{i}", type="PART_OF", to=f"Unit:U{i // 2}", from_=f"Unit:U{i}") for i in range(1, n)
    ]
    return GraphView(name="big", title="大图", as_of="2026-06-30", nodes=nodes, edges=edges)


def test_large_graph_is_laid_out_server_side() -> None:
    data = _payload(render_html(_chain(LAYOUT_THRESHOLD + 500)))
    assert len(data["nodes"]) == LAYOUT_THRESHOLD + 500
    assert all("x" in n and "y" in n for n in data["nodes"])
    assert data["options"]["physics"]["enabled"] is False
    assert data["options"]["layout"]["improvedLayout"] is False
    small = _payload(render_html(_chain(50)))
    assert "x" not in small["nodes"][0]
    assert small["options"]["physics"]["stabilization"]["iterations"] == 200
    assert vis_options(_chain(50), large_handling=False)["physics"]["stabilization"]["iterations"] == 1000


def test_limit_and_aggregate() -> None:
    view = limit_nodes(_chain(30), 10)
    assert len(view.nodes) == 10 and view.total_nodes == 30
    assert view.notice and "仅显示前 10 个（共 30 个）" in view.notice
    assert all(int(e.from_[6:]) < 10 and int(e.to[6:]) < 10 for e in view.edges)

    units = [
        ViewNode(id="Unit:A", type="Unit", key="A", caption="甲所"),
        ViewNode(id="Unit:B", type="Unit", key="B", caption="乙所"),
    ]
    officers = [ViewNode(id=f"Officer:{i}", type="Officer", key=str(i)) for i in range(7)]
    edges = [
        ViewEdge(id=f"s{i}", type="SERVES_IN", to="Unit:A" if i < 5 else "Unit:B", from_=f"Officer:{i}")
        for i in range(7)
    ]
    edges.append(ViewEdge(id="c", type="CONCERNS", to="Officer:6", from_="Clue:K"))
    v = GraphView(name="u", title="u", as_of="2026-06-30", nodes=units + officers, edges=edges)
    aggregate_members(v, "Officer", "SERVES_IN", threshold=5)
    agg = {n.id: n.aggregate for n in v.nodes if n.aggregate}
    assert agg == {"agg:Officer:Unit:A": 5, "agg:Officer:Unit:B": 2}
    assert {(e.type, e.from_, e.to) for e in v.edges} == {
        ("SERVES_IN", "agg:Officer:Unit:A", "Unit:A"),
        ("SERVES_IN", "agg:Officer:Unit:B", "Unit:B"),
        ("CONCERNS", "Clue:K", "agg:Officer:Unit:B"),
    }
    assert v.notice and "汇总" in v.notice


def test_registry_lists_the_seven_views_with_params() -> None:
    names = [v.name for v in all_views()]
    assert names == [
        "ecosystem_map",
        "risk_cluster",
        "officer_ego",
        "unit_view",
        "liaison_coverage",
        "supervision_coverage",
        "accountability_chain",
    ]
    required = {v.name: [p["name"] for p in v.param_list() if p["required"]] for v in all_views()}
    assert required == {
        "ecosystem_map": [],
        "risk_cluster": [],
        "officer_ego": ["badge_no"],
        "unit_view": ["unit_code"],
        "liaison_coverage": [],
        "supervision_coverage": [],
        "accountability_chain": ["case_no"],
    }
    p = {x["name"]: x for x in get_view("officer_ego").param_list()}
    assert p["depth"] == {**p["depth"], "type": "integer", "required": False, "default": 1}
