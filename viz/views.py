"""The registry of graph views. A view calls prepared queries and turns their results into a
``GraphView``; it never writes Cypher of its own ("views only render")."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import neo4j
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graph.errors import QueryParamError
from graph.schema import SupervisionType, node_spec
from graph.shape import edge, entity_id, parse_entity_id
from queries.analysis.ranking import cluster_reason
from queries.common import STALE_DAYS
from queries.defs.coverage import ISSUE_ORDER as SUPERVISION_ISSUES
from queries.paramerrors import param_specs
from queries.period import data_as_of
from queries.registry import QueryResult, Registry, get_query
from viz.large import aggregate_members, compute_layout
from viz.layout import apply_positions, layered_positions, tree_positions
from viz.model import GraphView, LegendItem, RankedItem, ViewEdge, ViewNode
from viz.style import HIGHLIGHT_COLOR, finish

log = logging.getLogger(__name__)

__all__ = ["ViewDef", "all_views", "get_view", "RATING_COLORS"]

# Ratings on a sequential blue→vermillion scale (readable with colour-vision deficiencies).
RATING_COLORS = {"好": "#0072b2", "较好": "#56b4e9", "一般": "#e69f00", "差": "#d55e00", "无数据": "#bbbbbb"}
STATUS_COLORS = {"未覆盖": "#d55e00", "久未走访": "#e69f00"}
LEADER_BORDER = "#000000"
AGGREGATE_ABOVE = 300
"""Unit view: above this many nodes, officers are shown as one node per unit."""


class ViewParams(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    as_of: dt.date | None = Field(
        None, title="截至日期", description="不填则为数据本身的截至日期（最新业务日期）"
    )


@dataclass(frozen=True)
class ViewDef:
    name: str
    title: str  # Chinese
    description: str  # Chinese
    params: type[BaseModel]
    builder: Callable[[neo4j.Driver, str, Any], GraphView]
    entity: str | None = None  # label when the view is about one entity (its key is required)
    queries: tuple[str, ...] = ()  # the prepared queries it calls (their scopes apply)

    def validate(self, raw: dict[str, Any]) -> BaseModel:
        try:
            return self.params.model_validate(raw)
        except ValidationError as e:
            parts = [
                f"{'.'.join(str(p) for p in err['loc']) or '(参数)'}: {err['msg']}" for err in e.errors()
            ]
            raise QueryParamError(
                f"视图 {self.name} 的参数有误 / bad parameters for view {self.name}: " + "; ".join(parts)
            ) from e

    def build(self, driver: neo4j.Driver, database: str, raw: dict[str, Any]) -> GraphView:
        p = self.validate(raw)
        view = self.builder(driver, database, p)
        view.params = {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in p.model_dump(mode="json").items()
            if v is not None
        }
        return view

    def param_list(self) -> list[dict[str, Any]]:
        """``name``, ``type``, ``required``, ``default`` (and title) of each parameter, as for queries."""
        return param_specs(self.params)


_VIEWS: Registry[ViewDef] = Registry("视图", "view")


def _register(v: ViewDef) -> ViewDef:
    return _VIEWS.add(v)


def all_views() -> list[ViewDef]:
    return _VIEWS.all()


def get_view(name: str) -> ViewDef:
    return _VIEWS.get(name)


# --- helpers -----------------------------------------------------------------------------------


def _run(driver: neo4j.Driver, database: str, query: str, params: dict[str, Any]) -> QueryResult:
    clean = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items() if v is not None}
    return get_query(query).execute(driver, database, clean)


def _resolve_as_of(driver: neo4j.Driver, database: str, p: Any) -> str:
    """The day the view is "as of": the one asked for, else the data's own newest date (old
    exports are not judged against today), else today for an empty graph. Written back to ``p``
    so every query of the view uses the same day."""
    if p.as_of is None:
        p.as_of = data_as_of(driver, database) or dt.date.today()
    return str(p.as_of.isoformat())


@dataclass
class UnitTree:
    """Every unit (``Unit:code`` → node), its parent, and the roots: units without a parent that
    have units below them (the bureau). The root's name comes from the data, never from code."""

    units: dict[str, ViewNode]
    parent: dict[str, str]
    roots: list[str]

    @property
    def root_name(self) -> str:
        """The first root's name (what a unit's full name starts with), "" without a tree."""
        return next((self.units[r].caption or "" for r in self.roots if r in self.units), "")


def _unit_tree(driver: neo4j.Driver, database: str) -> UnitTree:
    res = _run(driver, database, "unit_tree", {})
    return UnitTree(
        units={n.id: n for n in _nodes(res) if n.type == "Unit"},
        parent={e.from_: e.to for e in _edges(res) if e.type == "PART_OF"},
        roots=[entity_id("Unit", code) for code in res.summary.get("roots", [])],
    )


def _ancestors(nid: str, parent: dict[str, str]) -> list[str]:
    out: list[str] = []
    while nid in parent and parent[nid] not in out and len(out) < 12:
        nid = parent[nid]
        out.append(nid)
    return out


def _nodes(result: QueryResult) -> list[ViewNode]:
    return [ViewNode(**n) for n in result.nodes]


def _edges(result: QueryResult) -> list[ViewEdge]:
    return [ViewEdge(**e) for e in result.edges]


def _unit_node(code: str, name: str | None, **props: Any) -> ViewNode:
    spec = node_spec("Unit")
    return ViewNode(
        id=entity_id("Unit", code),
        type="Unit",
        key=code,
        caption=name or code,
        props={spec.key: code, "name": name, **{k: v for k, v in props.items() if v is not None}},
    )


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


# --- 1. political ecosystem map ----------------------------------------------------------------


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
        rating = r.get("rating") if r.get("rating") in c else "无数据"
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
    as_of = _resolve_as_of(driver, database, p)
    eco = _run(driver, database, "political_ecosystem", {"level": "unit", "as_of": p.as_of, "year": p.year})
    rows = {entity_id("Unit", r["unit_code"]): r for r in eco.rows}
    tree = _unit_tree(driver, database)
    tree_units, parent = tree.units, tree.parent
    roots = [r for r in tree.roots if r in rows]
    sub_of = {}  # unit → its sub-bureau (the root's child on its way up)
    for i in rows:
        chain = [i, *_ancestors(i, parent)]
        if len(chain) >= 2:
            sub_of[i] = chain[-2]
    root_name = tree.root_name
    names = {i: short_unit_name(r.get("unit_name") or i, root_name) for i, r in rows.items()}
    worst_below: dict[str, int] = {}
    for i, r in rows.items():
        if r.get("rating") == "差":
            for a in _ancestors(i, parent):
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
        node = tree_units.get(nid) or _unit_node(
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
    focus = list(dict.fromkeys([a for i in bad for a in reversed(_ancestors(i, parent))] + bad))
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
    eco = _run(
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
        n = _unit_node(r["unit_code"], r.get("unit_name"), district=r.get("district"))
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


def short_unit_name(name: str, root_name: str) -> str:
    """A unit's name without the bureau's own name in front (江州市公安局龙泉县分局 → 龙泉县分局)."""
    return (
        name[len(root_name) :]
        if root_name and name.startswith(root_name) and len(name) > len(root_name)
        else name
    )


_register(
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


# --- 2. risk cluster ---------------------------------------------------------------------------


class ClusterViewParams(ViewParams):
    cluster_id: str = Field(
        "K1", max_length=16, title="群组编号", description="风险排序后的编号，K1 风险最高"
    )


def build_cluster(driver: neo4j.Driver, database: str, p: ClusterViewParams) -> GraphView:
    as_of = _resolve_as_of(driver, database, p)
    res = _run(driver, database, "risk_clusters", {"cluster_id": p.cluster_id, "as_of": p.as_of})
    listing = _run(driver, database, "risk_clusters", {"as_of": p.as_of, "limit": 200}).rows
    row = res.rows[0]
    kind = row.get("kind") or ""
    leaders = set(row.get("leader_badges") or [])
    nodes = _nodes(res)
    involved: dict[str, int] = {}
    n_cases: dict[str, int] = {}
    n_clues: dict[str, int] = {}
    for e in _edges(res):
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
        edges=_edges(res),
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


_register(
    ViewDef(
        "risk_cluster",
        "风险群组",
        "一个风险群组（默认排名第一的 K1；窝案、串案排在前面）的民警、线索、案件、单位和涉及的领导干部；可在上方选择其他群组。",
        ClusterViewParams,
        build_cluster,
        queries=("risk_clusters",),
    )
)


# --- 3. officer ego network and unit view -------------------------------------------------------


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
    as_of = _resolve_as_of(driver, database, p)
    res = _run(
        driver, database, "officer_profile", {"badge_no": p.badge_no, "depth": p.depth, "as_of": p.as_of}
    )
    nodes = _nodes(res)
    edges = _edges(res)
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


_register(
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
    as_of = _resolve_as_of(driver, database, p)
    res = _run(
        driver, database, "unit_overview", {"unit_code": p.unit_code, "depth": p.depth, "as_of": p.as_of}
    )
    nodes = _nodes(res)
    edges = _edges(res)
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


_register(
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


# --- 4. liaison coverage -----------------------------------------------------------------------


class LiaisonViewParams(ViewParams):
    stale_days: int = Field(STALE_DAYS, ge=1, le=3650, title="久未走访天数")


def build_liaison(driver: neo4j.Driver, database: str, p: LiaisonViewParams) -> GraphView:
    as_of = _resolve_as_of(driver, database, p)
    res = _run(
        driver,
        database,
        "liaison_coverage",
        {"as_of": p.as_of, "stale_days": p.stale_days, "include_covered": True, "graph": True},
    )
    by_id = {n.id: n for n in _nodes(res)}
    edges = _edges(res)
    gaps = sorted(
        (r for r in res.rows if r["status"] != "已覆盖"),
        key=lambda r: (r["status"] != "未覆盖", -(r.get("risk") or 0), r["unit_code"]),
    )
    rank = {r["unit_code"]: i for i, r in enumerate(gaps, start=1)}
    max_risk = max([r.get("risk") or 0 for r in res.rows] + [1])
    for r in res.rows:
        nid = entity_id("Unit", r["unit_code"])
        n = by_id.setdefault(nid, _unit_node(r["unit_code"], r.get("unit_name"), district=r.get("district")))
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
    tree = _unit_tree(driver, database)
    units, parent = tree.units, tree.parent
    gap_ids = [entity_id("Unit", r["unit_code"]) for r in gaps]
    chain = [a for g in gap_ids for a in _ancestors(g, parent)[:-1]]  # up to the sub-bureau, not the bureau
    for a in chain:
        if a not in by_id and a in units:
            by_id[a] = units[a].model_copy()
            by_id[a].legend, by_id[a].color, by_id[a].important = "上级单位", "#c6dbef", True
    edges += [
        ViewEdge.model_validate(edge("PART_OF", c, parent[c]))
        for c in list(by_id)
        if c in parent and parent[c] in by_id and by_id[c].type == "Unit"
    ]
    sub_of = {i: ([i, *_ancestors(i, parent)][-2:][0]) for i in units}
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
            ("基层单位覆盖率", _pct(s.get("coverage_rate"))),
            ("党支部覆盖率", _pct(s.get("branch_coverage_rate"))),
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


_register(
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


# --- 5. supervision coverage -------------------------------------------------------------------


class SupervisionViewParams(ViewParams):
    supervision_type: SupervisionType = Field(SupervisionType.DISCIPLINE, title="监督类型")


GAP_COLOR = "#d55e00"
OVERLAP_COLOR = "#e69f00"


def build_supervision(driver: neo4j.Driver, database: str, p: SupervisionViewParams) -> GraphView:
    as_of = _resolve_as_of(driver, database, p)
    res = _run(
        driver,
        database,
        "supervision_coverage",
        {"supervision_type": p.supervision_type.value, "as_of": p.as_of, "graph": True},
    )
    by_id: dict[str, ViewNode] = {n.id: n for n in _nodes(res)}
    edges = _edges(res)
    bodies = {e.from_ for e in edges if e.type == "SUPERVISES"}
    problem: dict[str, str] = {}
    for r in res.rows:
        # Every row's entity is in the query's graph except units without any body (no edge reaches them).
        if r["id"] not in by_id:
            by_id[r["id"]] = (
                _unit_node(r["unit_code"], r.get("unit_name"))
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


_register(
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


# --- 6. accountability chain -------------------------------------------------------------------


class ChainViewParams(ViewParams):
    case_no: str = Field(..., min_length=1, max_length=64, title="案件编号")
    supervision_type: SupervisionType = Field(SupervisionType.DISCIPLINE, title="监督类型")


def build_chain(driver: neo4j.Driver, database: str, p: ChainViewParams) -> GraphView:
    as_of = _resolve_as_of(driver, database, p)
    res = _run(
        driver,
        database,
        "accountability_chain",
        {"case_no": p.case_no, "supervision_type": p.supervision_type.value, "as_of": p.as_of},
    )
    by_id = {n.id: n for n in _nodes(res)}
    edges = _edges(res)
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


_register(
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
