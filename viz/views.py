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

from graph.errors import NotFound, QueryParamError
from graph.schema import SupervisionType, node_spec
from queries.common import STALE_DAYS
from queries.defs.coverage import ISSUE_ORDER as SUPERVISION_ISSUES
from queries.registry import QueryResult, get_query
from viz.large import aggregate_members
from viz.model import GraphView, LegendItem, ViewEdge, ViewNode
from viz.style import HIGHLIGHT_COLOR, finish

log = logging.getLogger(__name__)

__all__ = ["ViewDef", "all_views", "get_view", "RATING_COLORS"]

RATING_COLORS = {"好": "#2ca02c", "较好": "#98df8a", "一般": "#ffbb78", "差": "#d62728", "无数据": "#bbbbbb"}
STATUS_COLORS = {"未覆盖": "#d62728", "久未走访": "#ff7f0e"}
LEADER_BORDER = "#9467bd"
AGGREGATE_ABOVE = 300
"""Unit view: above this many nodes, officers are shown as one node per unit."""


class ViewParams(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    as_of: dt.date | None = Field(None, title="截至日期", description="不填则为数据截至日期（图中最新的业务日期）")


@dataclass(frozen=True)
class ViewDef:
    name: str
    title: str                       # Chinese
    description: str                 # Chinese
    params: type[BaseModel]
    builder: Callable[[neo4j.Driver, str, Any], GraphView]
    entity: str | None = None        # label when the view is about one entity (its key is required)
    queries: tuple[str, ...] = ()    # the prepared queries it calls (their scopes apply)

    def validate(self, raw: dict[str, Any]) -> BaseModel:
        try:
            return self.params.model_validate(raw)
        except ValidationError as e:
            parts = [f"{'.'.join(str(p) for p in err['loc']) or '(参数)'}: {err['msg']}" for err in e.errors()]
            raise QueryParamError(f"视图 {self.name} 的参数有误 / bad parameters for view {self.name}: "
                                  + "; ".join(parts)) from e

    def build(self, driver: neo4j.Driver, database: str, raw: dict[str, Any]) -> GraphView:
        p = self.validate(raw)
        view = self.builder(driver, database, p)
        view.params = {k: (v.isoformat() if isinstance(v, dt.date) else v)
                       for k, v in p.model_dump(mode="json").items() if v is not None}
        return view

    def param_list(self) -> list[dict[str, Any]]:
        """``name``, ``type``, ``required``, ``default`` (and title) of each parameter, as for queries."""
        from queries.commands import param_specs

        return param_specs(self)  # type: ignore[arg-type]  # only .params is read


_VIEWS: dict[str, ViewDef] = {}


def _register(v: ViewDef) -> ViewDef:
    assert v.name not in _VIEWS, v.name
    _VIEWS[v.name] = v
    return v


def all_views() -> list[ViewDef]:
    return list(_VIEWS.values())


def get_view(name: str) -> ViewDef:
    try:
        return _VIEWS[name]
    except KeyError:
        raise NotFound(f"没有名为 {name!r} 的视图 / no view named {name!r}; "
                       f"可用 / known: {', '.join(_VIEWS)}") from None


# --- helpers -----------------------------------------------------------------------------------


def _run(driver: neo4j.Driver, database: str, query: str, params: dict[str, Any]) -> QueryResult:
    clean = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items() if v is not None}
    return get_query(query).execute(driver, database, clean)


def _as_of(p: Any, res: QueryResult | None = None) -> str:
    """The date the view's data is as of: the query's own (by default the data's date), not today."""
    used = (res.summary.get("as_of") if res is not None else None) or (p.as_of.isoformat() if p.as_of else None)
    return used or dt.date.today().isoformat()


def _nodes(result: QueryResult) -> list[ViewNode]:
    return [ViewNode(**n) for n in result.nodes]


def _edges(result: QueryResult) -> list[ViewEdge]:
    return [ViewEdge(**e) for e in result.edges]


def _unit_node(code: str, name: str | None, **props: Any) -> ViewNode:
    spec = node_spec("Unit")
    return ViewNode(id=f"Unit:{code}", type="Unit", key=code, caption=name or code,
                    props={spec.key: code, "name": name, **{k: v for k, v in props.items() if v is not None}})


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


# --- 1. political ecosystem map ----------------------------------------------------------------


class EcosystemViewParams(ViewParams):
    group_by: Literal["tree", "sub_bureau"] = Field("tree", title="展示方式",
                                                    description="tree=单位树；sub_bureau=按分局汇总")
    year: int | None = Field(None, ge=2000, le=2100, title="年度")


def build_ecosystem(driver: neo4j.Driver, database: str, p: EcosystemViewParams) -> GraphView:
    level = "unit" if p.group_by == "tree" else "sub_bureau"
    eco = _run(driver, database, "political_ecosystem", {"level": level, "as_of": p.as_of, "year": p.year})
    rows = {r["unit_code"]: r for r in eco.rows}
    # The unit tree comes from the overview of the root unit(s): units nobody is part of.
    all_units = eco.rows if level == "unit" else _run(
        driver, database, "political_ecosystem", {"level": "unit", "as_of": p.as_of, "year": p.year}).rows
    roots = [r["unit_code"] for r in all_units if r.get("unit_kind") == "市公安局"]
    tree_nodes: dict[str, ViewNode] = {}
    tree_edges: list[ViewEdge] = []
    for root in roots:
        ov = _run(driver, database, "unit_overview", {"unit_code": root, "depth": 6, "limit": 5000, "as_of": p.as_of})
        tree_nodes.update({n.id: n for n in _nodes(ov) if n.type == "Unit"})
        tree_edges += [e for e in _edges(ov) if e.type == "PART_OF"]
    max_officers = max([r.get("officers") or 0 for r in rows.values()] + [1])
    nodes: list[ViewNode] = []
    for code, r in sorted(rows.items(), key=lambda kv: (kv[1]["score"] is None, kv[1]["score"] or 0, kv[0])):
        node = tree_nodes.get(f"Unit:{code}") or _unit_node(code, r.get("unit_name"), kind=r.get("unit_kind"),
                                                            district=r.get("district"))
        rating = r.get("rating")
        node.color = RATING_COLORS.get(rating or "", "#bbbbbb")
        node.shape = "dot"
        node.size = 8 + 32 * math.sqrt((r.get("officers") or 0) / max_officers)
        node.facts = [("在职人数", str(r.get("officers") or 0)), ("得分", str(r.get("score"))),
                      ("评定", rating or "—"),
                      ("原因", "；".join(r.get("reasons") or []) or "无扣分项"),
                      ("线索/案件", f"{r.get('clues', 0)} / {r.get('cases', 0)}")]
        if rating == "差":
            node.border = HIGHLIGHT_COLOR
        nodes.append(node)
    ids = {n.id for n in nodes}
    if level == "unit":
        edges = [e for e in tree_edges if e.from_ in ids and e.to in ids]
    else:  # each sub-bureau hangs off the bureau
        root_ids = [f"Unit:{c}" for c in roots if f"Unit:{c}" in ids]
        edges = [ViewEdge.model_validate({"id": f"PART_OF:{n.id}->{root_ids[0]}", "type": "PART_OF",
                                            "from": n.id, "to": root_ids[0]})
                 for n in nodes if root_ids and n.id not in root_ids]
    ratings = eco.summary.get("ratings", {})
    view = GraphView(
        name="ecosystem_map", title="政治生态全景图", as_of=_as_of(p, eco), notes=eco.notes, nodes=nodes, edges=edges,
        figures=[(f"评定“{k}”", f"{ratings.get(k, 0)} 个") for k in RATING_COLORS] +
                [("统计期", str(eco.summary.get("period") or "—"))],
        legend=[LegendItem(label=f"评定：{k}", kind="node", color=c, shape="dot") for k, c in RATING_COLORS.items()]
        + [LegendItem(label="节点大小 = 在职人数", kind="mark", color="#bbbbbb")])
    return finish(view)


_register(ViewDef(
    "ecosystem_map", "政治生态全景图",
    "各单位（单位树或按分局汇总）的政治生态：颜色为评定等次，大小为在职人数，悬停显示得分与扣分原因。",
    EcosystemViewParams, build_ecosystem, queries=("political_ecosystem", "unit_overview")))


# --- 2. risk cluster ---------------------------------------------------------------------------


class ClusterViewParams(ViewParams):
    cluster_id: str = Field("K1", max_length=16, title="群组编号", description="风险排序后的编号，K1 风险最高")


def build_cluster(driver: neo4j.Driver, database: str, p: ClusterViewParams) -> GraphView:
    res = _run(driver, database, "risk_clusters", {"cluster_id": p.cluster_id, "as_of": p.as_of})
    row = res.rows[0]
    kind = row.get("kind") or ""
    leaders = {s.rsplit("（", 1)[-1].rstrip("）") for s in row.get("leaders") or []}
    nodes = _nodes(res)
    for n in nodes:
        if n.type == "Case" and kind in ("窝案", "串案"):
            n.mark = kind
            n.border = HIGHLIGHT_COLOR
            n.size = 22
        if n.type == "Officer" and n.key in leaders:
            n.border = LEADER_BORDER
            n.facts.append(("领导干部", "是"))
        if n.type == "Officer" and n.props.get("high_risk_post"):
            n.facts.append(("风险岗位", "权力集中、资金密集或资源富集"))
    order = {"Case": 0, "Officer": 1, "Clue": 2, "Unit": 3}
    nodes.sort(key=lambda n: order.get(n.type, 9))
    view = GraphView(
        name="risk_cluster", title=f"风险群组 {row['cluster_id']}（{kind}）", as_of=_as_of(p, res), notes=res.notes,
        nodes=nodes, edges=_edges(res),
        figures=[("风险值", str(row.get("risk"))), ("民警", f"{row.get('size')} 人"),
                 ("案件", str(len(row.get("cases") or []))), ("线索", str(len(row.get("clues") or []))),
                 ("单位", "、".join(row.get("unit_names") or []) or "—"),
                 ("群组总数", str(res.summary.get("clusters", "—")))],
        legend=[LegendItem(label=f"{kind}案件" if kind in ("窝案", "串案") else "案件", kind="mark",
                           color=HIGHLIGHT_COLOR),
                LegendItem(label="领导干部", kind="mark", color=LEADER_BORDER)])
    return finish(view)


_register(ViewDef(
    "risk_cluster", "风险群组",
    "一个风险群组（默认风险最高的 K1）的民警、线索、案件、单位和涉及的领导干部，标注窝案、串案。",
    ClusterViewParams, build_cluster, queries=("risk_clusters",)))


# --- 3. officer ego network and unit view -------------------------------------------------------


class EgoParams(ViewParams):
    badge_no: str = Field(..., min_length=1, max_length=32, title="警号")
    depth: int = Field(1, ge=1, le=2, title="邻域深度")


def build_ego(driver: neo4j.Driver, database: str, p: EgoParams) -> GraphView:
    res = _run(driver, database, "officer_profile", {"badge_no": p.badge_no, "depth": p.depth, "as_of": p.as_of})
    nodes = _nodes(res)
    center = f"Officer:{p.badge_no}"
    for n in nodes:
        if n.id == center:
            n.size, n.border = 30, HIGHLIGHT_COLOR
    nodes.sort(key=lambda n: n.id != center)
    view = GraphView(name="officer_ego", title=f"民警关系网络：警号 {p.badge_no}（{p.depth} 度）", as_of=_as_of(p, res), notes=res.notes,
                     nodes=nodes, edges=_edges(res),
                     legend=[LegendItem(label="中心民警", kind="mark", color=HIGHLIGHT_COLOR)])
    return finish(view)


_register(ViewDef(
    "officer_ego", "民警关系网络", "一名民警（需要警号）一至二度的关系网络：任职、党组织、职务、线索、案件、联系点。",
    EgoParams, build_ego, entity="Officer", queries=("officer_profile",)))


class UnitViewParams(ViewParams):
    unit_code: str = Field(..., min_length=1, max_length=64, title="单位编码")
    depth: int = Field(2, ge=1, le=6, title="下级单位层数")


def build_unit(driver: neo4j.Driver, database: str, p: UnitViewParams) -> GraphView:
    res = _run(driver, database, "unit_overview", {"unit_code": p.unit_code, "depth": p.depth, "as_of": p.as_of})
    nodes = _nodes(res)
    center = f"Unit:{p.unit_code}"
    supervisors = {e.from_ for e in _edges(res) if e.type == "SUPERVISES"}
    for n in nodes:
        if n.id == center:
            n.size, n.border = 40, HIGHLIGHT_COLOR
        elif n.id in supervisors:
            n.border = "#7f7f7f"
            n.facts.append(("角色", "监督机构"))
    nodes.sort(key=lambda n: (n.id != center, n.type == "Officer"))
    view = GraphView(name="unit_view", title=f"单位视图：{res.summary.get('unit') or p.unit_code}", as_of=_as_of(p, res), notes=res.notes,
                     nodes=nodes, edges=_edges(res),
                     figures=[("在职人数", str(res.summary.get("officers", "—"))),
                              ("相关单位", str(res.summary.get("related_units", "—"))),
                              ("党组织", str(res.summary.get("party_orgs", "—")))],
                     legend=[LegendItem(label="本单位", kind="mark", color=HIGHLIGHT_COLOR),
                             LegendItem(label="监督机构", kind="mark", color="#7f7f7f")])
    aggregate_members(view, "Officer", "SERVES_IN", AGGREGATE_ABOVE)
    return finish(view)


_register(ViewDef(
    "unit_view", "单位视图", "一个单位（需要单位编码）的上下级单位、人员、党组织、负责人、分管和联系领导、监督机构。",
    UnitViewParams, build_unit, entity="Unit", queries=("unit_overview",)))


# --- 4. liaison coverage -----------------------------------------------------------------------


class LiaisonViewParams(ViewParams):
    stale_days: int = Field(STALE_DAYS, ge=1, le=3650, title="久未走访天数")


def build_liaison(driver: neo4j.Driver, database: str, p: LiaisonViewParams) -> GraphView:
    res = _run(driver, database, "liaison_coverage", {"as_of": p.as_of, "stale_days": p.stale_days,
                                                      "include_covered": True, "graph": True})
    by_id = {n.id: n for n in _nodes(res)}
    gaps = sorted((r for r in res.rows if r["status"] != "已覆盖"),
                  key=lambda r: (-(r.get("risk") or 0), r["unit_code"]))
    rank = {r["unit_code"]: i for i, r in enumerate(gaps, start=1)}
    max_risk = max([r.get("risk") or 0 for r in res.rows] + [1])
    for r in res.rows:
        nid = f"Unit:{r['unit_code']}"
        n = by_id.setdefault(nid, _unit_node(r["unit_code"], r.get("unit_name"), district=r.get("district")))
        n.size = 10 + 20 * math.sqrt((r.get("risk") or 0) / max_risk)
        n.facts = [("联系状态", r["status"]), ("联系领导", f"{len(r.get('liaisons') or [])} 人"),
                   ("最近走访", str(r.get("last_visit_on") or "无")), ("党组织数", str(r.get("branches", 0))),
                   ("线索/案件", f"{r.get('clues', 0)} / {r.get('cases', 0)}"), ("风险值", str(r.get("risk", 0)))]
        if r["status"] in STATUS_COLORS:
            n.color = STATUS_COLORS[r["status"]]
            n.border = "#000000"
            n.mark = f"#{rank[r['unit_code']]}"
            n.facts.append(("风险排名", f"第 {rank[r['unit_code']]} 位（共 {len(gaps)} 个未覆盖或久未走访）"))
    load = {m["badge_no"]: m for m in res.summary.get("members", [])}
    for n in by_id.values():
        if n.type == "Officer":
            m = load.get(n.key, {})
            n.size = 26
            n.facts = [("职务", str(m.get("position") or "班子成员")), ("联系单位数", str(m.get("units", 0))),
                       ("近期走访", str(m.get("visited_recently", 0))), ("久未走访", str(m.get("stale", 0)))]
    # Gaps first (ranked by risk), then members, then covered units.
    nodes = sorted(by_id.values(), key=lambda n: (
        0 if n.id.removeprefix("Unit:") in rank else 1 if n.type == "Officer" else 2,
        rank.get(n.id.removeprefix("Unit:"), 0), n.id))
    s = res.summary
    view = GraphView(
        name="liaison_coverage", title="党委班子成员联系基层覆盖图", as_of=_as_of(p, res), notes=res.notes, nodes=nodes, edges=_edges(res),
        figures=[("基层单位覆盖率", _pct(s.get("coverage_rate"))), ("党支部覆盖率", _pct(s.get("branch_coverage_rate"))),
                 ("未覆盖", f"{len(s.get('uncovered_units', []))} 个"), ("久未走访", f"{len(s.get('stale_units', []))} 个")],
        legend=[LegendItem(label="未覆盖单位", kind="node", color=STATUS_COLORS["未覆盖"], shape="box"),
                LegendItem(label=f"久未走访（>{p.stale_days} 天）", kind="node", color=STATUS_COLORS["久未走访"],
                           shape="box"),
                LegendItem(label="#n = 按风险排名；大小 = 风险值", kind="mark", color="#000000")])
    return finish(view)


_register(ViewDef(
    "liaison_coverage", "联系基层覆盖",
    "党委班子成员与其联系的基层单位；未覆盖和久未走访的单位突出显示，并按风险排名。",
    LiaisonViewParams, build_liaison, queries=("liaison_coverage",)))


# --- 5. supervision coverage -------------------------------------------------------------------


class SupervisionViewParams(ViewParams):
    supervision_type: SupervisionType = Field(SupervisionType.DISCIPLINE, title="监督类型")


GAP_COLOR = "#d62728"
OVERLAP_COLOR = "#ff7f0e"


def build_supervision(driver: neo4j.Driver, database: str, p: SupervisionViewParams) -> GraphView:
    res = _run(driver, database, "supervision_coverage",
               {"supervision_type": p.supervision_type.value, "as_of": p.as_of, "graph": True})
    by_id: dict[str, ViewNode] = {n.id: n for n in _nodes(res)}
    edges = _edges(res)
    bodies = {e.from_ for e in edges if e.type == "SUPERVISES"}
    for r in res.rows:
        # Every row's entity is in the query's graph except units without any body (no edge reaches them).
        if r["id"] not in by_id:
            by_id[r["id"]] = (_unit_node(r["unit_code"], r.get("unit_name")) if r["id"].startswith("Unit:") else
                              ViewNode(id=r["id"], type="Officer", key=r["key"], caption=r.get("name") or r["key"],
                                       props={"badge_no": r["key"], "name": r.get("name"), "rank": r.get("rank")}))
        n = by_id[r["id"]]
        n.facts.append(("问题", r["issue"]))
        n.color = OVERLAP_COLOR if r["bodies"] else GAP_COLOR
        if r["bodies"]:
            n.facts.append(("监督主体", "、".join(r["bodies"])))
        if n.type == "Unit":
            n.border = "#000000"
    for e in edges:
        if e.type == "SUPERVISES" and e.to in by_id and by_id[e.to].type == "Officer":
            e.label, e.color, e.dashes = "多头监督", OVERLAP_COLOR, True  # a claim, not a stored relationship
    for b in bodies & by_id.keys():
        by_id[b].shape = "hexagon"
    # Bodies first, then gaps and overlaps, then the units under jurisdiction: the order limit_nodes keeps.
    nodes = sorted(by_id.values(), key=lambda n: (n.id not in bodies, n.color not in (GAP_COLOR, OVERLAP_COLOR), n.id))
    s = res.summary
    view = GraphView(
        name="supervision_coverage", title=f"监督覆盖图（{p.supervision_type.value}）：不缺位、不越位",
        as_of=_as_of(p, res), notes=res.notes, nodes=nodes, edges=edges,
        figures=[("在职民警", str(s.get("officers", "—"))),
                 ("无监督主体民警", str(len(s.get("unsupervised_officers", [])))),
                 ("多头监督民警", str(len(s.get("double_claimed_officers", [])))),
                 ("无监督主体单位", str(len(s.get("unsupervised_units", [])))),
                 ("无纪检委员的警种支队", str(len(s.get("police_branches_without_discipline_staff", []))))],
        legend=[LegendItem(label="监督机构", kind="node", color="#4e79a7", shape="hexagon"),
                LegendItem(label="缺位：无监督主体 / 无纪检委员", kind="node", color=GAP_COLOR, shape="dot"),
                LegendItem(label="越位：多头监督", kind="node", color=OVERLAP_COLOR, shape="dot"),
                LegendItem(label="多头监督（由上级单位的监督关系推出）", kind="edge", color=OVERLAP_COLOR, dashes=True)])
    # Officers without a body hang off their unit by SERVES_IN; many of them are summed up per unit.
    if len(s.get("unsupervised_officers", [])) > AGGREGATE_ABOVE:
        aggregate_members(view, "Officer", "SERVES_IN", threshold=0)
    for n in view.nodes:
        if n.aggregate:
            n.color = GAP_COLOR
            n.facts.append(("问题", SUPERVISION_ISSUES[0]))
    return finish(view)


_register(ViewDef(
    "supervision_coverage", "监督覆盖",
    "按监督类型显示监督机构、其管辖对象，以及缺位（无人监督的民警和单位、无纪检委员的警种支队）和越位（多头监督）。",
    SupervisionViewParams, build_supervision, queries=("supervision_coverage",)))


# --- 6. accountability chain -------------------------------------------------------------------


class ChainViewParams(ViewParams):
    case_no: str = Field(..., min_length=1, max_length=64, title="案件编号")
    supervision_type: SupervisionType = Field(SupervisionType.DISCIPLINE, title="监督类型")


def build_chain(driver: neo4j.Driver, database: str, p: ChainViewParams) -> GraphView:
    res = _run(driver, database, "accountability_chain",
               {"case_no": p.case_no, "supervision_type": p.supervision_type.value, "as_of": p.as_of})
    by_id = {n.id: n for n in _nodes(res)}
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
            by_id[r["id"]].facts += [(title, r[k]) for k, title in (("allegation", "反映问题"), ("finding", "认定结果"),
                                                                     ("disposition", "处理")) if r.get(k)]
    # Nodes the rows do not place (intermediate units on the way to the leader in charge).
    for n in by_id.values():
        if n.level is None:
            n.level = 3 if n.type == "Unit" else 4
    center = f"Case:{p.case_no}"
    if center in by_id:
        by_id[center].border, by_id[center].size = HIGHLIGHT_COLOR, 30
    nodes = sorted(by_id.values(), key=lambda n: (n.level or 0, n.id))
    view = GraphView(name="accountability_chain", title=f"案件责任链（四责协同）：{p.case_no}", as_of=_as_of(p, res), notes=res.notes,
                     nodes=nodes, edges=_edges(res), hierarchical=True,
                     figures=[("涉案民警", f"{len(res.summary.get('officers', []))} 人"),
                              ("责任类型", "、".join(res.summary.get("responsibilities", [])) or "—")],
                     legend=[LegendItem(label="自上而下：案件→民警→单位→支部→分管领导→党委→监督机构", kind="mark",
                                        color=HIGHLIGHT_COLOR)])
    return finish(view)


_register(ViewDef(
    "accountability_chain", "案件责任链",
    "一个案件（需要案件编号）从涉案民警到单位、支部和书记、分管领导、党委、监督机构的责任链，自上而下展示。",
    ChainViewParams, build_chain, entity="Case", queries=("accountability_chain",)))
