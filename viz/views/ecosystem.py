"""``ecosystem_map``: the political ecosystem of every unit on the unit tree, or per sub-bureau."""

from __future__ import annotations

import math
from typing import Any, Literal

import neo4j
from pydantic import Field

from graph.shape import edge, entity_id
from viz.layout import apply_positions, tree_positions
from viz.model import GraphView, LegendItem, RankedItem, ViewEdge, ViewNode
from viz.style import finish
from viz.views.base import (
    ViewDef,
    ViewParams,
    ancestors,
    register_view,
    resolve_as_of,
    run_query,
    short_unit_name,
    unit_node,
    unit_tree,
)

# Ratings on a sequential blue→vermillion scale (readable with colour-vision deficiencies).
RATING_COLORS = {"好": "#0072b2", "较好": "#56b4e9", "一般": "#e69f00", "差": "#d55e00", "无数据": "#bbbbbb"}


class EcosystemViewParams(ViewParams):
    group_by: Literal["tree", "sub_bureau"] = Field(
        "tree", title="展示方式", description="tree=单位树；sub_bureau=按分局汇总"
    )
    year: int | None = Field(None, ge=2000, le=2100, title="年度")


RATING_ORDER = ("差", "一般", "较好", "好", "无数据")


def score_key(r: dict[str, Any]) -> tuple[bool, float, str]:
    """Worst first; a unit without data to score (score None, rating 无数据) last."""
    return (r.get("score") is None, r.get("score") or 0.0, str(r.get("unit_code")))


def _rating_chart(
    rows: list[dict[str, Any]], sub_of: dict[str, str], names: dict[str, str]
) -> dict[str, Any]:
    """ECharts stacked bars: how many units of each rating in each sub-bureau (worst first)."""
    counts: dict[str, dict[str, int]] = {}
    for r in rows:
        sub = sub_of.get(entity_id("Unit", r["unit_code"]))
        if sub is None:
            continue
        c = counts.setdefault(sub, dict.fromkeys(RATING_ORDER, 0))
        rating = str(r["rating"]) if r.get("rating") in c else "无数据"
        c[rating] += 1
    subs = sorted(counts, key=lambda k: (-counts[k]["差"], -counts[k]["一般"], names.get(k, k)))[:20]
    return {
        "id": "ratings_by_sub_bureau",
        "title": "各分局单位评定分布（“差”最多的 20 个）",
        "option": {
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "legend": {"data": list(RATING_ORDER), "top": 0, "right": 10},
            "grid": {"left": 40, "right": 10, "top": 34, "bottom": 64},
            "xAxis": {
                "type": "category",
                "data": [names.get(k, k) for k in subs],
                "axisLabel": {"rotate": 30, "fontSize": 12, "interval": 0},
            },
            "yAxis": {"type": "value", "name": "单位数"},
            "series": [
                {
                    "name": k,
                    "type": "bar",
                    "stack": "r",
                    "itemStyle": {"color": RATING_COLORS[k]},
                    "data": [
                        {
                            "value": counts[s][k],
                            "label": {
                                "show": k == "差" and counts[s][k] > 0,
                                "position": "inside",
                                "color": "#fff",
                            },
                        }
                        for s in subs
                    ],
                }
                for k in RATING_ORDER
            ],
        },
    }


def build_ecosystem(driver: neo4j.Driver, database: str, p: EcosystemViewParams) -> GraphView:
    as_of = resolve_as_of(driver, database, p)
    eco = run_query(
        driver, database, "political_ecosystem", {"level": "unit", "as_of": p.as_of, "year": p.year}
    )
    rows = {entity_id("Unit", r["unit_code"]): r for r in eco.rows}
    tree = unit_tree(driver, database)
    tree_units, parent = tree.units, tree.parent
    roots = [r for r in tree.roots if r in rows]
    sub_of = {}  # unit → its sub-bureau (the root's child on its way up)
    for i in rows:
        chain = [i, *ancestors(i, parent)]
        if len(chain) >= 2:
            sub_of[i] = chain[-2]
    root_name = tree.root_name
    names = {i: short_unit_name(r.get("unit_name") or i, root_name) for i, r in rows.items()}
    worst_below: dict[str, int] = {}
    for i, r in rows.items():
        if r.get("rating") == "差":
            for a in ancestors(i, parent):
                worst_below[a] = worst_below.get(a, 0) + 1
    chart = _rating_chart(eco.rows, sub_of, names)
    ratings = eco.summary.get("ratings", {})
    figures = [(f"评定“{k}”", f"{ratings.get(k, 0)} 个") for k in RATING_ORDER] + [
        ("统计期", str(eco.summary.get("period") or "—"))
    ]
    pickers = [
        {
            "param": "group_by",
            "title": "展示方式",
            "value": p.group_by,
            "options": [["tree", "单位树"], ["sub_bureau", "按分局汇总"]],
        }
    ]
    legend = [
        LegendItem(label=f"评定：{k}", kind="node", color=c, shape="box") for k, c in RATING_COLORS.items()
    ]
    if p.group_by == "sub_bureau":
        return finish(
            _ecosystem_by_sub_bureau(
                driver,
                database,
                p,
                as_of,
                rows,
                roots,
                root_name,
                worst_below,
                figures,
                pickers,
                legend,
                chart,
            )
        )
    max_officers = max([r.get("officers") or 0 for r in rows.values()] + [1])
    nodes: list[ViewNode] = []
    for nid, r in sorted(rows.items(), key=lambda kv: score_key(kv[1])):
        code = r["unit_code"]
        node = tree_units.get(nid) or unit_node(
            code, r.get("unit_name"), kind=r.get("unit_kind"), district=r.get("district")
        )
        rating = r.get("rating")
        node.caption = short_unit_name(node.caption or code, root_name)
        node.color = RATING_COLORS.get(rating or "", "#bbbbbb")
        node.legend = f"评定：{rating}" if rating else "未评定"
        node.shape = "box"
        node.size = 8 + 20 * math.sqrt((r.get("officers") or 0) / max_officers)
        node.facts = [
            ("在职人数", str(r.get("officers") or 0)),
            ("得分", str(r.get("score"))),
            ("评定", rating or "—"),
            ("原因", "；".join(r.get("reasons") or []) or "无扣分项"),
            ("线索/案件", f"{r.get('clues', 0)} / {r.get('cases', 0)}"),
        ]
        if worst_below.get(nid):
            node.mark = f"含差 {worst_below[nid]} 个"
            node.facts.append(("下属评定“差”的单位", f"{worst_below[nid]} 个"))
        if rating == "差":
            node.border = "#000000"
            node.important = True
        nodes.append(node)
    ids = {n.id for n in nodes}
    edges = [
        ViewEdge.model_validate(edge("PART_OF", c, q)) for c, q in parent.items() if c in ids and q in ids
    ]
    bad = [n.id for n in nodes if n.important]
    focus = list(dict.fromkeys([a for i in bad for a in reversed(ancestors(i, parent))] + bad))
    order = {n.id: (n.props.get("name") or n.id) for n in nodes}
    # "Show all": each sub-bureau's subtree, packed in columns, the bureau centred above them.
    below_root = {c: q for c, q in parent.items() if q not in roots}
    all_pos = tree_positions(
        [n.id for n in nodes if n.id not in roots], below_root, sort_key=lambda i: order.get(i, i), columns=6
    )
    if all_pos:
        xs = [x for x, _ in all_pos.values()]
        all_pos.update({r: ((min(xs) + max(xs)) / 2, -300.0) for r in roots})
    apply_positions(
        nodes, all_pos, tree_positions(focus, parent, sort_key=lambda i: order.get(i, i), row=60, col=560)
    )
    for n in nodes:
        if n.id in focus and not n.important:
            n.important = True  # the parent chain is the context of the focus picture: labelled too
    ranked = [
        RankedItem(
            id=entity_id("Unit", r["unit_code"]),
            label=r.get("unit_name") or r["unit_code"],
            note=f"{r.get('rating') or '—'} · {r.get('score')} 分 · "
            + ("；".join((r.get("reasons") or [])[:2]) or "无扣分项"),
            level="bad" if r.get("rating") == "差" else "warn",
        )
        for r in sorted(eco.rows, key=score_key)
        if r.get("rating") in ("差", "一般")
    ][:60]
    view = GraphView(
        name="ecosystem_map",
        title="政治生态全景图",
        as_of=as_of,
        notes=eco.notes,
        nodes=nodes,
        edges=edges,
        layout="preset",
        figures=figures,
        ranked=ranked,
        ranked_title="评定靠后的单位（得分从低到高）",
        focus=focus,
        pickers=pickers,
        charts=[chart],
        legend=legend
        + [
            LegendItem(
                label="黑框 = 评定“差”；“含差 N 个” = 下属单位中评定“差”的个数", kind="mark", color="#000000"
            )
        ],
    )
    return finish(view)


def _ecosystem_by_sub_bureau(
    driver: neo4j.Driver,
    database: str,
    p: EcosystemViewParams,
    as_of: str,
    unit_rows: dict[str, dict[str, Any]],
    roots: list[str],
    root_name: str,
    worst_below: dict[str, int],
    figures: list[tuple[str, str]],
    pickers: list[dict[str, Any]],
    legend: list[LegendItem],
    chart: dict[str, Any],
) -> GraphView:
    """One card per sub-bureau, rated as a whole, its label keeping the count of its 差 units; the
    cards in a grid, worst first (a roll-up must not hide the failing units)."""
    eco = run_query(
        driver, database, "political_ecosystem", {"level": "sub_bureau", "as_of": as_of, "year": p.year}
    )

    def bad_count(r: dict[str, Any]) -> int:
        nid = entity_id("Unit", r["unit_code"])
        return worst_below.get(nid, 0) + (1 if unit_rows.get(nid, {}).get("rating") == "差" else 0)

    rows = sorted(
        (r for r in eco.rows if entity_id("Unit", r["unit_code"]) not in roots),
        key=lambda r: (-bad_count(r), *score_key(r)),
    )
    nodes: list[ViewNode] = []
    for r in rows:
        n = unit_node(r["unit_code"], r.get("unit_name"), district=r.get("district"))
        n.caption = short_unit_name(n.caption, root_name)
        rating, bad = r.get("rating"), bad_count(r)
        n.color, n.shape = RATING_COLORS.get(rating or "", "#bbbbbb"), "box"
        n.legend = f"评定：{rating}" if rating else "未评定"
        n.mark = f"{rating or '—'} · 含差 {bad} 个"
        n.important = True
        n.border = "#000000" if bad else None
        n.facts = [
            ("在职人数", str(r.get("officers") or 0)),
            ("得分", str(r.get("score"))),
            ("评定", rating or "—"),
            ("下属评定“差”的单位", f"{bad} 个"),
            ("原因", "；".join(r.get("reasons") or []) or "无扣分项"),
        ]
        nodes.append(n)
    columns = 5
    for i, n in enumerate(nodes):
        n.x, n.y = (i % columns) * 380.0, (i // columns) * 110.0
    ranked = [
        RankedItem(
            id=entity_id("Unit", r["unit_code"]),
            label=short_unit_name(r.get("unit_name") or "", root_name),
            note=f"{r.get('rating') or '—'} · {r.get('score')} 分 · 含差 {bad_count(r)} 个",
            level="bad" if bad_count(r) else "info",
        )
        for r in rows
    ]
    return GraphView(
        name="ecosystem_map",
        title="政治生态全景图（按分局汇总）",
        as_of=as_of,
        notes=eco.notes,
        nodes=nodes,
        edges=[],
        layout="preset",
        figures=figures,
        ranked=ranked,
        ranked_title="各分局（按下属“差”单位个数）",
        pickers=pickers,
        charts=[chart],
        legend=legend
        + [
            LegendItem(
                label="黑框、“含差 N 个” = 下属评定“差”的单位个数（汇总不掩盖）", kind="mark", color="#000000"
            )
        ],
    )


register_view(
    ViewDef(
        "ecosystem_map",
        "政治生态全景图",
        "各单位的政治生态：默认聚焦评定“差”的单位及其上级链（可切换显示全部），颜色为评定等次；按分局汇总时保留“含差 N 个”；"
        "附各分局评定分布图。",
        EcosystemViewParams,
        build_ecosystem,
        queries=("political_ecosystem", "unit_tree"),
    )
)
