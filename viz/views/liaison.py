"""``liaison_coverage``: committee members and the grassroots units they liaise with; gaps first."""

from __future__ import annotations

import math

import neo4j
from pydantic import Field

from graph.shape import edge, entity_id, parse_entity_id
from graph.thresholds import STALE_DAYS
from viz.large import compute_layout
from viz.layout import apply_positions, tree_positions
from viz.model import GraphView, LegendItem, RankedItem, ViewEdge
from viz.style import finish
from viz.views.base import (
    ViewDef,
    ViewParams,
    ancestors,
    pct,
    register_view,
    resolve_as_of,
    run_query,
    short_unit_name,
    unit_node,
    unit_tree,
    view_edges,
    view_nodes,
)

STATUS_COLORS = {"未覆盖": "#d55e00", "久未走访": "#e69f00"}


class LiaisonViewParams(ViewParams):
    stale_days: int = Field(STALE_DAYS, ge=1, le=3650, title="久未走访天数")


def build_liaison(driver: neo4j.Driver, database: str, p: LiaisonViewParams) -> GraphView:
    as_of = resolve_as_of(driver, database, p)
    res = run_query(
        driver,
        database,
        "liaison_coverage",
        {"as_of": p.as_of, "stale_days": p.stale_days, "include_covered": True, "graph": True},
    )
    by_id = {n.id: n for n in view_nodes(res)}
    edges = view_edges(res)
    gaps = sorted(
        (r for r in res.rows if r["status"] != "已覆盖"),
        key=lambda r: (r["status"] != "未覆盖", -(r.get("risk") or 0), r["unit_code"]),
    )
    rank = {r["unit_code"]: i for i, r in enumerate(gaps, start=1)}
    max_risk = max([r.get("risk") or 0 for r in res.rows] + [1])
    for r in res.rows:
        nid = entity_id("Unit", r["unit_code"])
        n = by_id.setdefault(nid, unit_node(r["unit_code"], r.get("unit_name"), district=r.get("district")))
        n.size = 10 + 20 * math.sqrt((r.get("risk") or 0) / max_risk)
        n.facts = [
            ("联系状态", r["status"]),
            ("联系领导", f"{len(r.get('liaisons') or [])} 人"),
            ("最近走访", str(r.get("last_visit_on") or "无")),
            ("党组织数", str(r.get("branches", 0))),
            ("线索/案件", f"{r.get('clues', 0)} / {r.get('cases', 0)}"),
            ("风险值", str(r.get("risk", 0))),
        ]
        n.legend = "已覆盖单位"
        n.color = "#9ecae1"
        if r["status"] in STATUS_COLORS:
            n.color = STATUS_COLORS[r["status"]]
            n.legend = r["status"] + "单位"
            n.border = "#000000"
            n.mark = f"#{rank[r['unit_code']]}"
            n.important = True
            n.facts.append(("风险排名", f"第 {rank[r['unit_code']]} 位（共 {len(gaps)} 个未覆盖或久未走访）"))
    load = {m["badge_no"]: m for m in res.summary.get("members", [])}
    for n in by_id.values():
        if n.type == "Officer":
            m = load.get(n.key, {})
            n.size = 12
            n.role = "党委班子成员"
            n.facts = [
                ("职务", str(m.get("position") or "班子成员")),
                ("联系单位数", str(m.get("units", 0))),
                ("近期走访", str(m.get("visited_recently", 0))),
                ("久未走访", str(m.get("stale", 0))),
            ]
    # Context of the gaps: their parent chain, and the members who already liaise in that sub-bureau
    # (the natural candidates to take the gap on).
    tree = unit_tree(driver, database)
    units, parent = tree.units, tree.parent
    gap_ids = [entity_id("Unit", r["unit_code"]) for r in gaps]
    chain = [a for g in gap_ids for a in ancestors(g, parent)[:-1]]  # up to the sub-bureau, not the bureau
    for a in chain:
        if a not in by_id and a in units:
            by_id[a] = units[a].model_copy()
            by_id[a].legend, by_id[a].color, by_id[a].important = "上级单位", "#c6dbef", True
    edges += [
        ViewEdge.model_validate(edge("PART_OF", c, parent[c]))
        for c in list(by_id)
        if c in parent and parent[c] in by_id and by_id[c].type == "Unit"
    ]
    sub_of = {i: ([i, *ancestors(i, parent)][-2:][0]) for i in units}
    gap_subs = {sub_of.get(g) for g in gap_ids}
    # Candidates: per sub-bureau with a gap, the two least-loaded members already liaising there.
    per_sub: dict[str, set[str]] = {}
    for e in edges:
        if e.type == "LIAISES_WITH" and sub_of.get(e.to) in gap_subs:
            per_sub.setdefault(sub_of[e.to], set()).add(e.from_)
    layout_parent = dict(parent)
    for sub, members in per_sub.items():
        for m in sorted(members, key=lambda m: (load.get(parse_entity_id(m)[1], {}).get("units", 0), m))[:2]:
            if m in by_id and m not in layout_parent:
                layout_parent[m] = sub
                by_id[m].important = True
                by_id[m].facts.append(("建议", "同一分局已有联系点，可就近承担联系"))
                edges.append(
                    ViewEdge.model_validate(
                        {
                            **edge("CANDIDATE", m, sub),
                            "label": "可就近联系",
                            "dashes": True,
                            "color": "#56b4e9",
                        }
                    )
                )
    focus = [
        i for i in by_id if i in gap_ids or i in chain or (i in layout_parent and by_id[i].type == "Officer")
    ]
    root_name = tree.root_name
    for n in by_id.values():
        if n.type == "Unit":
            n.caption = short_unit_name(n.caption or n.key, root_name)
    nodes = sorted(
        by_id.values(),
        key=lambda n: (
            0 if n.type == "Unit" and n.key in rank else 1 if n.type == "Officer" else 2,
            rank.get(n.key, 0) if n.type == "Unit" else 0,
            n.id,
        ),
    )
    ranked = [
        RankedItem(
            id=entity_id("Unit", r["unit_code"]),
            label="",
            note=f"#{rank[r['unit_code']]} {r['status']} · 风险值 {r.get('risk', 0)} · "
            f"线索/案件 {r.get('clues', 0)}/{r.get('cases', 0)}",
            level="bad" if r["status"] == "未覆盖" else "warn",
        )
        for r in gaps
    ]
    s = res.summary
    view = GraphView(
        name="liaison_coverage",
        title="党委班子成员联系基层覆盖图",
        as_of=as_of,
        notes=res.notes,
        nodes=nodes,
        edges=edges,
        figures=[
            ("基层单位覆盖率", pct(s.get("coverage_rate"))),
            ("党支部覆盖率", pct(s.get("branch_coverage_rate"))),
            ("未覆盖", f"{len(s.get('uncovered_units', []))} 个"),
            ("久未走访", f"{len(s.get('stale_units', []))} 个"),
        ],
        ranked=ranked,
        ranked_title="未覆盖与久未走访的单位（按风险）",
        focus=focus,
        layout="preset",
        pickers=[
            {
                "param": "stale_days",
                "title": "久未走访天数",
                "value": p.stale_days,
                "options": [[90, "90 天"], [180, "180 天"], [365, "365 天"]],
            }
        ],
        legend=[LegendItem(label="#n = 按风险排名；大小 = 风险值", kind="mark", color="#000000")],
    )
    compute_layout(view)  # "show all": force-directed, server-side
    names = {n.id: n.caption for n in nodes}
    apply_positions(
        nodes,
        {},
        tree_positions(
            focus,
            layout_parent,
            sort_key=lambda i: (parse_entity_id(i)[0] == "Officer", names.get(i, i)),
            row=60,
            columns=3,
        ),
    )
    return finish(view)


register_view(
    ViewDef(
        "liaison_coverage",
        "联系基层覆盖",
        "党委班子成员与其联系的基层单位；默认聚焦未覆盖和久未走访的单位（按风险排名）、其上级单位和同一分局的联系领导，可切换显示全部。",
        LiaisonViewParams,
        build_liaison,
        # The picture sizes units by their clue and case counts: the ecosystem query's scopes apply.
        queries=("liaison_coverage", "unit_tree", "political_ecosystem"),
    )
)
