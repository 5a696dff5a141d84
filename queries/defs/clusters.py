"""``risk_clusters``: community detection on the weighted co-involvement graph of officers."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

import neo4j
from pydantic import Field

from graph.errors import NotFound
from graph.schema import Form
from queries.analysis.communities import detect_communities
from queries.analysis.projection import Group, add_unit_ties, co_involvement_graph
from queries.analysis.ranking import cluster_rank_key
from queries.common import LEADER_RANKS, AsOf, EntityCollector, Params, as_of_field, run_cypher
from queries.registry import QueryDef, QueryResult, register

log = logging.getLogger(__name__)

FORM_WEIGHT = {Form.FIRST.value: 1, Form.SECOND.value: 2, Form.THIRD.value: 3, Form.FOURTH.value: 4}
OPEN_CASE_WEIGHT = 2       # a case without a form yet
NEST_MIN_OFFICERS = 3      # 窝案: one case, at least this many officers of one unit

COLUMNS = ["cluster_id", "kind", "nest", "linked", "risk", "size", "officers", "officer_names", "units",
           "unit_names", "cases", "clues", "high_risk_posts", "leaders"]


class ClusterParams(Params):
    as_of: AsOf = as_of_field()
    algorithm: Literal["leiden", "louvain"] = Field("leiden", title="算法", description="leiden（默认）或 louvain")
    min_size: int = Field(3, ge=2, le=1000, title="最小规模", description="群组至少包含的民警数")
    unit_ties: bool = Field(False, title="加入同单位弱关联", description="同单位（同岗位更强）的涉案民警之间加弱关联")
    resolution: float = Field(1.0, gt=0, le=10, title="分辨率", description="大于 1 得到更小的群组")
    case_weight: float = Field(3.0, gt=0, le=100, title="共同案件权重")
    clue_weight: float = Field(1.0, gt=0, le=100, title="共同线索权重")
    limit: int = Field(100, ge=1, le=5000, title="最多返回群组数")
    cluster_id: str | None = Field(None, max_length=16, title="群组编号",
                                   description="只返回该群组（同样参数下的编号，如 K1），含网络图节点与关系")


@dataclass
class Cluster:
    officers: set[str]
    cases: list[str] = field(default_factory=list)
    clues: list[str] = field(default_factory=list)
    case_forms: dict[str, str | None] = field(default_factory=dict)
    case_officers: dict[str, list[str]] = field(default_factory=dict)


def _assign_groups(groups: list[tuple[str, str, str | None, list[str]]], clusters: list[Cluster]) -> None:
    """Attach each case/clue to the cluster holding most of its officers (ties: higher-ranked)."""
    where = {b: i for i, c in enumerate(clusters) for b in c.officers}
    for kind, key, form, officers in groups:
        votes = Counter(where[b] for b in set(officers) if b in where)
        if not votes:
            continue
        best = min(votes, key=lambda i: (-votes[i], i))
        c = clusters[best]
        if kind == "Case":
            c.cases.append(key)
            c.case_forms[key] = form
            c.case_officers[key] = officers
        else:
            c.clues.append(key)


def _officer_facts(driver: neo4j.Driver, database: str, badges: list[str], as_of: Any) -> dict[str, dict[str, Any]]:
    if not badges:
        return {}
    recs = run_cypher(driver, database, "officer_facts",
                      {"badges": badges, "as_of": as_of, "leader_ranks": LEADER_RANKS})
    return {r["badge_no"]: dict(r) for r in recs}


def _describe(c: Cluster, facts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    officers = sorted(c.officers)
    units = sorted({facts[b]["unit_code"] for b in officers if facts.get(b, {}).get("unit_code")})
    unit_names = sorted({facts[b]["unit_name"] for b in officers if facts.get(b, {}).get("unit_name")})
    nest = False
    for case_officers in c.case_officers.values():
        per_unit = Counter(facts[b]["unit_code"] for b in case_officers
                           if b in c.officers and facts.get(b, {}).get("unit_code"))
        if per_unit and max(per_unit.values()) >= NEST_MIN_OFFICERS:
            nest = True
    linked = len(units) >= 2 and len(c.cases) >= 2
    kind = "窝案" if nest else ("串案" if linked else "关联")
    high_risk = [f"{facts[b]['name']}（{facts[b].get('post') or '高风险岗位'}）" for b in officers
                 if facts.get(b, {}).get("high_risk_post")]
    leaders = [f"{facts[b]['name']}（{b}）" for b in officers if facts.get(b, {}).get("leader")]
    risk = (sum(FORM_WEIGHT.get(c.case_forms.get(k) or "", OPEN_CASE_WEIGHT) for k in c.cases)
            + len(c.clues) + 2 * len(leaders) + len(high_risk) + max(0, len(units) - 1))
    return {"kind": kind, "nest": nest, "linked": linked, "risk": risk, "size": len(officers),
            "officers": officers, "officer_names": [facts.get(b, {}).get("name", b) for b in officers],
            "units": units, "unit_names": unit_names, "cases": sorted(c.cases), "clues": sorted(c.clues),
            "high_risk_posts": high_risk, "leaders": leaders}


def run_clusters(driver: neo4j.Driver, database: str, p: ClusterParams) -> QueryResult:
    t0 = time.perf_counter()
    records = run_cypher(driver, database, "co_involvement", {"as_of": p.as_of})
    groups = [(r["kind"], r["key"], r["form"], list(r["officers"])) for r in records]
    plain_groups: list[Group] = [(k, key, offs) for k, key, _, offs in groups]
    g = co_involvement_graph(plain_groups, {"Case": p.case_weight, "Clue": p.clue_weight})
    if p.unit_ties:
        g = add_unit_ties(g, _officer_facts(driver, database, sorted(g.nodes), p.as_of))
    t1 = time.perf_counter()
    parts = detect_communities(g, p.algorithm, resolution=p.resolution)
    t2 = time.perf_counter()
    kept = [Cluster(officers=part) for part in parts if len(part) >= p.min_size]
    _assign_groups(groups, kept)
    facts = _officer_facts(driver, database, sorted({b for c in kept for b in c.officers}), p.as_of)
    rows = [_describe(c, facts) for c in kept]
    order = sorted(range(len(rows)), key=lambda i: cluster_rank_key(rows[i]))  # 窝案, 串案, then 关联
    ranked = []
    for rank, i in enumerate(order, start=1):
        ranked.append({"cluster_id": f"K{rank}", **rows[i], "_index": i})
    summary: dict[str, Any] = {
        "algorithm": p.algorithm, "officers_in_graph": g.number_of_nodes(), "ties": g.number_of_edges(),
        "communities": len(parts), "clusters": len(ranked),
        "kinds": dict(Counter(r["kind"] for r in ranked)),
        "projection_seconds": round(t1 - t0, 3), "detection_seconds": round(t2 - t1, 3),
    }
    if p.cluster_id is not None:
        chosen = [r for r in ranked if r["cluster_id"] == p.cluster_id.upper()]
        if not chosen:
            raise NotFound(f"没有编号为 {p.cluster_id!r} 的风险群组（共 {len(ranked)} 个）/ "
                           f"no cluster {p.cluster_id!r} among {len(ranked)}")
        row = chosen[0]
        row.pop("_index")
        col = EntityCollector()
        for rec in run_cypher(driver, database, "cluster_subgraph",
                              {"badges": row["officers"], "case_nos": row["cases"], "clue_nos": row["clues"],
                               "as_of": p.as_of}):
            col.add_any(rec["nodes"])
            col.add_any(rec["rels"])
        return QueryResult(columns=COLUMNS, rows=[row], nodes=col.nodes, edges=col.edges, summary=summary)
    for r in ranked:
        r.pop("_index")
    return QueryResult(columns=COLUMNS, rows=ranked[: p.limit], summary=summary)


register(QueryDef(
    name="risk_clusters", title="风险群组",
    description="在民警共同涉及图（共同线索、共同案件；可加同单位/同岗位弱关联）上做社区发现（Leiden 或 Louvain，"
                "随机种子固定），按风险值排序列出规模不小于 min_size 的群组：民警、线索、案件、单位、高风险岗位和涉及的"
                "领导干部，并标注窝案（同一案件同一单位 3 人以上）和串案（跨单位的多个案件）；排序先窝案、再串案、后关联，"
                "同类按风险值、再按规模。风险值 = 各案件形态分"
                "（第一至第四种形态 1–4 分，未定 2 分）+ 线索数 + 2×领导干部数 + 高风险岗位人数 + (单位数−1)。",
    params=ClusterParams, run=run_clusters, scopes=frozenset({"officers", "clues", "cases", "org"}),
    columns=tuple(COLUMNS), cypher=("co_involvement", "officer_facts", "cluster_subgraph")))
