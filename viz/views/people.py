"""``officer_ego`` and ``unit_view``: one officer's network, one unit and its people."""

from __future__ import annotations

import neo4j
from pydantic import Field

from graph.shape import entity_id
from viz.large import aggregate_members
from viz.model import GraphView, LegendItem, RankedItem, ViewEdge, ViewNode
from viz.style import HIGHLIGHT_COLOR, finish
from viz.views.base import (
    AGGREGATE_ABOVE,
    ViewDef,
    ViewParams,
    register_view,
    resolve_as_of,
    run_query,
    view_edges,
    view_nodes,
)


class EgoParams(ViewParams):
    badge_no: str = Field(..., min_length=1, max_length=32, title="警号")
    depth: int = Field(1, ge=1, le=2, title="邻域深度")


def _people_and_matters(nodes: list[ViewNode], edges: list[ViewEdge]) -> list[RankedItem]:
    """Cases and clues first (newest first), then people with a role, for the side list."""
    from viz.style import roles_from_edges

    roles_from_edges(nodes, edges)
    matters = sorted(
        (n for n in nodes if n.type in ("Case", "Clue")),
        key=lambda n: (n.type != "Case", str(n.props.get("opened_on") or n.props.get("received_on") or "")),
        reverse=False,
    )
    out = [
        RankedItem(
            id=n.id,
            label="",
            note=str(n.props.get("form") or n.props.get("status") or ""),
            level="bad" if n.type == "Case" else "warn",
        )
        for n in matters
    ]
    out += [
        RankedItem(id=n.id, label="", note=n.role or "", level="info")
        for n in nodes
        if n.type == "Officer" and n.role
    ]
    return out


def build_ego(driver: neo4j.Driver, database: str, p: EgoParams) -> GraphView:
    as_of = resolve_as_of(driver, database, p)
    res = run_query(
        driver, database, "officer_profile", {"badge_no": p.badge_no, "depth": p.depth, "as_of": p.as_of}
    )
    nodes = view_nodes(res)
    edges = view_edges(res)
    center = entity_id("Officer", p.badge_no)
    for n in nodes:
        if n.id == center:
            n.size, n.border, n.important = 30, HIGHLIGHT_COLOR, True
        elif n.type in ("Case", "Clue"):
            n.important = True
    nodes.sort(key=lambda n: n.id != center)
    ranked = [
        RankedItem(id=center, label="", note="中心民警", level="info"),
        *_people_and_matters(nodes, edges),
    ]
    view = GraphView(
        name="officer_ego",
        title=f"民警关系网络：警号 {p.badge_no}（{p.depth} 度）",
        as_of=as_of,
        notes=res.notes,
        nodes=nodes,
        edges=edges,
        ranked=ranked,
        ranked_title="案件、线索与有职务的人",
        figures=[
            ("案件", str(sum(n.type == "Case" for n in nodes))),
            ("线索", str(sum(n.type == "Clue" for n in nodes))),
            ("关联单位", str(sum(n.type == "Unit" for n in nodes))),
        ],
        legend=[LegendItem(label="红框 = 中心民警", kind="mark", color=HIGHLIGHT_COLOR)],
    )
    return finish(view)


register_view(
    ViewDef(
        "officer_ego",
        "民警关系网络",
        "一名民警（需要警号）一至二度的关系网络：任职、党组织、职务、线索、案件、联系点。",
        EgoParams,
        build_ego,
        entity="Officer",
        queries=("officer_profile",),
    )
)


class UnitViewParams(ViewParams):
    unit_code: str = Field(..., min_length=1, max_length=64, title="单位编码")
    depth: int = Field(2, ge=1, le=6, title="下级单位层数")


def build_unit(driver: neo4j.Driver, database: str, p: UnitViewParams) -> GraphView:
    as_of = resolve_as_of(driver, database, p)
    res = run_query(
        driver, database, "unit_overview", {"unit_code": p.unit_code, "depth": p.depth, "as_of": p.as_of}
    )
    nodes = view_nodes(res)
    edges = view_edges(res)
    center = entity_id("Unit", p.unit_code)
    supervisors = {e.from_ for e in edges if e.type == "SUPERVISES"}
    for n in nodes:
        if n.id == center:
            n.size, n.border, n.important = 40, HIGHLIGHT_COLOR, True
        elif n.id in supervisors:
            n.role = "监督机构"
            n.facts.append(("角色", "监督机构"))
    nodes.sort(key=lambda n: (n.id != center, n.type == "Officer"))
    ranked = _people_and_matters(nodes, edges)
    for n in nodes:
        if n.type == "Officer" and n.role:
            n.important = True
    view = GraphView(
        name="unit_view",
        title=f"单位视图：{res.summary.get('unit') or p.unit_code}",
        as_of=as_of,
        notes=res.notes,
        nodes=nodes,
        edges=edges,
        ranked=ranked,
        ranked_title="负责人、书记、班子成员与案件线索",
        figures=[
            ("在职人数", str(res.summary.get("officers", "—"))),
            ("相关单位", str(res.summary.get("related_units", "—"))),
            ("党组织", str(res.summary.get("party_orgs", "—"))),
        ],
        legend=[LegendItem(label="红框 = 本单位", kind="mark", color=HIGHLIGHT_COLOR)],
    )
    aggregate_members(view, "Officer", "SERVES_IN", AGGREGATE_ABOVE)
    return finish(view)


register_view(
    ViewDef(
        "unit_view",
        "单位视图",
        "一个单位（需要单位编码）的上下级单位、人员、党组织、负责人、分管和联系领导、监督机构。",
        UnitViewParams,
        build_unit,
        entity="Unit",
        queries=("unit_overview",),
    )
)
