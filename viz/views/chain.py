"""``accountability_chain``: a case's chain of responsibility, top-down."""

from __future__ import annotations

import neo4j
from pydantic import Field

from graph.schema import SupervisionType
from graph.shape import entity_id
from viz.layout import apply_positions, layered_positions
from viz.model import GraphView, LegendItem, RankedItem
from viz.style import HIGHLIGHT_COLOR, finish
from viz.views.base import (
    ViewDef,
    ViewParams,
    register_view,
    resolve_as_of,
    run_query,
    view_edges,
    view_nodes,
)


class ChainViewParams(ViewParams):
    case_no: str = Field(..., min_length=1, max_length=64, title="案件编号")
    supervision_type: SupervisionType = Field(SupervisionType.DISCIPLINE, title="监督类型")


def build_chain(driver: neo4j.Driver, database: str, p: ChainViewParams) -> GraphView:
    as_of = resolve_as_of(driver, database, p)
    res = run_query(
        driver,
        database,
        "accountability_chain",
        {"case_no": p.case_no, "supervision_type": p.supervision_type.value, "as_of": p.as_of},
    )
    by_id = {n.id: n for n in view_nodes(res)}
    edges = view_edges(res)
    duties: dict[str, list[str]] = {}
    for r in res.rows:
        n = by_id.get(r["id"])
        if n is None:
            continue
        n.level = r["level"] if n.level is None else min(n.level, r["level"])
        label = f"{r['role']}" + (f"：{r['responsibility']}" if r["responsibility"] else "")
        if label not in duties.setdefault(n.id, []):
            duties[n.id].append(label)
    for nid, lines in duties.items():
        by_id[nid].facts = [("责任", "；".join(lines))]
        by_id[nid].group = lines[0].split("：")[-1]
    for r in res.rows:  # what each involved officer was alleged, found and given
        if r["level"] == 1 and r["id"] in by_id:
            by_id[r["id"]].facts += [
                (title, r[k])
                for k, title in (("allegation", "反映问题"), ("finding", "认定结果"), ("disposition", "处理"))
                if r.get(k)
            ]
    # Nodes the rows do not place (intermediate units on the way to the leader in charge).
    for n in by_id.values():
        n.important = True
        if n.level is None:
            n.level = 3 if n.type == "Unit" else 4
    center = entity_id("Case", p.case_no)
    if center in by_id:
        by_id[center].border, by_id[center].size = HIGHLIGHT_COLOR, 30
    nodes = sorted(by_id.values(), key=lambda n: (n.level or 0, n.id))
    apply_positions(nodes, layered_positions(nodes, edges))
    ranked = [
        RankedItem(
            id=n.id,
            label="",
            note="；".join(duties.get(n.id, [])) or "",
            level="bad" if n.id == center else "info",
        )
        for n in nodes
        if n.id in duties or n.id == center
    ]
    view = GraphView(
        name="accountability_chain",
        title=f"案件责任链（四责协同）：{p.case_no}",
        as_of=as_of,
        notes=res.notes,
        nodes=nodes,
        edges=edges,
        hierarchical=True,
        layout="preset",
        ranked=ranked,
        ranked_title="责任链上的人和组织",
        figures=[
            ("涉案民警", f"{len(res.summary.get('officers', []))} 人"),
            ("责任类型", "、".join(res.summary.get("responsibilities", [])) or "—"),
        ],
        legend=[
            LegendItem(
                label="自上而下：案件→民警→单位→支部→分管领导→党委→监督机构",
                kind="mark",
                color=HIGHLIGHT_COLOR,
            )
        ],
    )
    return finish(view)


register_view(
    ViewDef(
        "accountability_chain",
        "案件责任链",
        "一个案件（需要案件编号）从涉案民警到单位、支部和书记、分管领导、党委、监督机构的责任链，自上而下展示。",
        ChainViewParams,
        build_chain,
        entity="Case",
        queries=("accountability_chain",),
    )
)
