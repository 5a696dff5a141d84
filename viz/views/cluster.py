"""``risk_cluster``: one risk cluster, its officers, clues, cases, units and leaders."""

from __future__ import annotations

import neo4j
from pydantic import Field

from queries.analysis.ranking import cluster_reason
from viz.model import GraphView, LegendItem, RankedItem
from viz.style import HIGHLIGHT_COLOR, finish
from viz.views.base import (
    LEADER_BORDER,
    ViewDef,
    ViewParams,
    register_view,
    resolve_as_of,
    run_query,
    view_edges,
    view_nodes,
)


class ClusterViewParams(ViewParams):
    cluster_id: str = Field(
        "K1", max_length=16, title="群组编号", description="风险排序后的编号，K1 风险最高"
    )


def build_cluster(driver: neo4j.Driver, database: str, p: ClusterViewParams) -> GraphView:
    as_of = resolve_as_of(driver, database, p)
    res = run_query(driver, database, "risk_clusters", {"cluster_id": p.cluster_id, "as_of": p.as_of})
    listing = run_query(driver, database, "risk_clusters", {"as_of": p.as_of, "limit": 200}).rows
    row = res.rows[0]
    kind = row.get("kind") or ""
    leaders = set(row.get("leader_badges") or [])
    nodes = view_nodes(res)
    involved: dict[str, int] = {}
    n_cases: dict[str, int] = {}
    n_clues: dict[str, int] = {}
    for e in view_edges(res):
        if e.type in ("INVOLVES", "CONCERNS"):
            involved[e.to] = involved.get(e.to, 0) + (2 if e.type == "INVOLVES" else 1)
            counter = n_cases if e.type == "INVOLVES" else n_clues
            counter[e.to] = counter.get(e.to, 0) + 1
    for n in nodes:
        if n.type == "Case":
            n.important = True
            if kind in ("窝案", "串案"):
                n.mark = kind
                n.border = HIGHLIGHT_COLOR
                n.size = 26
                n.legend = f"{kind}案件"
        if n.type == "Officer":
            n.important = True
            if n.key in leaders:
                n.border = LEADER_BORDER
                n.facts.append(("领导干部", "是"))
            if n.props.get("high_risk_post"):
                n.facts.append(("风险岗位", "权力集中、资金密集或资源富集"))
    order = {"Case": 0, "Officer": 1, "Clue": 2, "Unit": 3}
    nodes.sort(key=lambda n: order.get(n.type, 9))
    ranked = [
        RankedItem(
            id=n.id,
            label="",
            note=("领导干部 · " if n.key in leaders else "")
            + f"涉及 {n_cases.get(n.id, 0)} 案 {n_clues.get(n.id, 0)} 线索",
            level="bad" if n.key in leaders else "warn",
        )
        for n in sorted(
            (n for n in nodes if n.type == "Officer"),
            key=lambda n: (n.key not in leaders, -involved.get(n.id, 0), n.key),
        )
    ]
    ranked = [
        RankedItem(
            id=n.id, label="", note=f"{n.props.get('form') or n.props.get('status') or ''}", level="bad"
        )
        for n in nodes
        if n.type == "Case"
    ] + ranked
    picker = [
        [r["cluster_id"], f"{r['cluster_id']} · {r['kind']} · {r['size']} 人 · 风险 {r['risk']}"]
        for r in listing
    ]
    view = GraphView(
        name="risk_cluster",
        title=f"风险群组 {row['cluster_id']}（{kind}）",
        as_of=as_of,
        notes=res.notes,
        nodes=nodes,
        edges=view_edges(res),
        figures=[
            ("排序依据", cluster_reason(row)),
            ("风险值", str(row.get("risk"))),
            ("民警", f"{row.get('size')} 人"),
            ("案件", str(len(row.get("cases") or []))),
            ("线索", str(len(row.get("clues") or []))),
            ("群组总数", str(res.summary.get("clusters", "—"))),
        ],
        ranked=ranked,
        ranked_title="群组中的案件与民警",
        pickers=[
            {
                "param": "cluster_id",
                "title": "风险群组（窝案、串案在前）",
                "value": row["cluster_id"],
                "options": picker,
                "notes": {r["cluster_id"]: cluster_reason(r) for r in listing},
            }
        ],
        legend=[
            LegendItem(label="红框 = 窝案/串案案件", kind="mark", color=HIGHLIGHT_COLOR),
            LegendItem(label="黑框 = 领导干部", kind="mark", color=LEADER_BORDER),
        ],
    )
    return finish(view)


register_view(
    ViewDef(
        "risk_cluster",
        "风险群组",
        "一个风险群组（默认排名第一的 K1；窝案、串案排在前面）的民警、线索、案件、单位和涉及的领导干部；可在上方选择其他群组。",
        ClusterViewParams,
        build_cluster,
        queries=("risk_clusters",),
    )
)
