"""``supervision_coverage``: supervision bodies, their jurisdiction, gaps and overlaps."""

from __future__ import annotations

import neo4j
from pydantic import Field

from graph.schema import SupervisionType
from graph.shape import parse_entity_id
from queries.defs.coverage import ISSUE_ORDER as SUPERVISION_ISSUES
from viz.large import aggregate_members
from viz.model import GraphView, LegendItem, RankedItem, ViewNode
from viz.style import finish
from viz.views.base import (
    AGGREGATE_ABOVE,
    ViewDef,
    ViewParams,
    register_view,
    resolve_as_of,
    run_query,
    unit_node,
    view_edges,
    view_nodes,
)


class SupervisionViewParams(ViewParams):
    supervision_type: SupervisionType = Field(SupervisionType.DISCIPLINE, title="监督类型")


GAP_COLOR = "#d55e00"
OVERLAP_COLOR = "#e69f00"


def build_supervision(driver: neo4j.Driver, database: str, p: SupervisionViewParams) -> GraphView:
    as_of = resolve_as_of(driver, database, p)
    res = run_query(
        driver,
        database,
        "supervision_coverage",
        {"supervision_type": p.supervision_type.value, "as_of": p.as_of, "graph": True},
    )
    by_id: dict[str, ViewNode] = {n.id: n for n in view_nodes(res)}
    edges = view_edges(res)
    bodies = {e.from_ for e in edges if e.type == "SUPERVISES"}
    problem: dict[str, str] = {}
    for r in res.rows:
        # Every row's entity is in the query's graph except units without any body (no edge reaches them).
        if r["id"] not in by_id:
            by_id[r["id"]] = (
                unit_node(r["unit_code"], r.get("unit_name"))
                if parse_entity_id(r["id"])[0] == "Unit"
                else ViewNode(
                    id=r["id"],
                    type="Officer",
                    key=r["key"],
                    caption=r.get("name") or r["key"],
                    props={"badge_no": r["key"], "name": r.get("name"), "rank": r.get("rank")},
                )
            )
        n = by_id[r["id"]]
        n.facts.append(("问题", r["issue"]))
        problem.setdefault(n.id, r["issue"])
        n.color = OVERLAP_COLOR if r["bodies"] else GAP_COLOR
        n.legend = "越位：多头监督" if r["bodies"] else "缺位：" + r["issue"]
        n.important = not r["bodies"]  # the gaps carry the message; overlaps are many and named in the list
        if n.type == "Officer":
            n.size = 10 if r["bodies"] else 20
        if r["bodies"]:
            n.facts.append(("监督主体", "、".join(r["bodies"])))
        if n.type == "Unit":
            n.border = "#000000"
    for e in edges:
        if e.type == "SUPERVISES" and e.to in by_id and by_id[e.to].type == "Officer":
            e.color, e.dashes = OVERLAP_COLOR, True  # a claim, not a stored relationship (legend: 多头监督)
            e.legend = "多头监督（由上级单位的监督关系推出）"
    for b in bodies & by_id.keys():
        by_id[b].role = "监督机构"
        by_id[b].important = True
    context = {
        e.to if e.from_ in problem else e.from_ for e in edges if e.from_ in problem or e.to in problem
    }
    focus = [i for i in by_id if i in problem or i in context]
    # Bodies first, then gaps and overlaps, then the units under jurisdiction: the order limit_nodes keeps.
    nodes = sorted(by_id.values(), key=lambda n: (n.id not in bodies, n.id not in problem, n.id))
    # Structural gaps first (a unit or police branch), then unsupervised officers, then overlaps.
    issue_rank = {
        SUPERVISION_ISSUES[2]: 0,
        SUPERVISION_ISSUES[3]: 1,
        SUPERVISION_ISSUES[0]: 2,
        SUPERVISION_ISSUES[1]: 3,
    }
    ranked = [
        RankedItem(id=i, label="", note=problem[i], level="bad" if by_id[i].color == GAP_COLOR else "warn")
        for i in sorted(problem, key=lambda i: (issue_rank.get(problem[i], 9), i))
    ]
    s = res.summary
    view = GraphView(
        name="supervision_coverage",
        title=f"监督覆盖图（{p.supervision_type.value}）：不缺位、不越位",
        as_of=as_of,
        notes=res.notes,
        nodes=nodes,
        edges=edges,
        ranked=ranked,
        ranked_title="缺位与越位",
        focus=focus,
        figures=[
            ("在职民警", str(s.get("officers", "—"))),
            ("无监督主体民警", str(len(s.get("unsupervised_officers", [])))),
            ("多头监督民警", str(len(s.get("double_claimed_officers", [])))),
            ("无监督主体单位", str(len(s.get("unsupervised_units", [])))),
            ("无纪检委员的警种支队", str(len(s.get("police_branches_without_discipline_staff", [])))),
        ],
        pickers=[
            {
                "param": "supervision_type",
                "title": "监督类型",
                "value": p.supervision_type.value,
                "options": [[t.value, t.value] for t in SupervisionType],
            }
        ],
        legend=[
            LegendItem(
                label="多头监督（由上级单位的监督关系推出）", kind="edge", color=OVERLAP_COLOR, dashes=True
            )
        ],
    )
    # Officers without a body hang off their unit by SERVES_IN; many of them are summed up per unit.
    if len(s.get("unsupervised_officers", [])) > AGGREGATE_ABOVE:
        aggregate_members(view, "Officer", "SERVES_IN", threshold=0)
    for n in view.nodes:
        if n.aggregate:
            n.color = GAP_COLOR
            n.facts.append(("问题", SUPERVISION_ISSUES[0]))
    return finish(view)


register_view(
    ViewDef(
        "supervision_coverage",
        "监督覆盖",
        "按监督类型显示监督机构、其管辖对象，以及缺位（无人监督的民警和单位、无纪检委员的警种支队）和越位（多头监督）；"
        "默认聚焦缺位与越位及其监督机构。",
        SupervisionViewParams,
        build_supervision,
        queries=("supervision_coverage",),
    )
)
