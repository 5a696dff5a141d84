"""``risk_clusters``: community detection on the weighted co-involvement graph of officers."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

import neo4j
import networkx as nx
from pydantic import Field

from graph.errors import NotFound
from graph.schema import Form
from graph.shape import EntityCollector
from graph.thresholds import NEST_MIN_OFFICERS
from queries.analysis.communities import detect_communities
from queries.analysis.projection import Group, add_unit_ties, co_involvement_graph
from queries.analysis.ranking import cluster_rank_key
from queries.common import (
    AsOf,
    Params,
    as_of_field,
    date_from_field,
    date_to_field,
    run_cypher,
)
from queries.period import Window, resolve_window
from queries.registry import QueryDef, QueryResult, register

log = logging.getLogger(__name__)

FORM_WEIGHT = {Form.FIRST.value: 1, Form.SECOND.value: 2, Form.THIRD.value: 3, Form.FOURTH.value: 4}
OPEN_CASE_WEIGHT = 2  # a case without a form yet
MAX_SUBJECTS = 10
"""A clue or case naming more officers than this ties no one. Co-complaint network studies
(e.g. Chicago's complaint records) drop complaints with more than 10 accused: a mass complaint
names officers who merely shared a shift or an operation, and one such clique would pull
unrelated groups into one community."""

COLUMNS = [
    "cluster_id",
    "kind",
    "nest",
    "linked",
    "risk",
    "size",
    "officers",
    "officer_names",
    "units",
    "unit_names",
    "cases",
    "clues",
    "high_risk_posts",
    "leaders",
    "leader_badges",
]


class ClusterParams(Params):
    as_of: AsOf | None = as_of_field()
    date_from: AsOf | None = date_from_field("不限（最早的记录起）")
    date_to: AsOf | None = date_to_field()
    max_subjects: int = Field(
        MAX_SUBJECTS,
        ge=2,
        le=1000,
        title="涉及人数上限",
        description="涉及民警多于此数的线索或案件（群体性举报）不建立关联，并在 summary 中列出",
    )
    findings: Literal["all", "sustained"] = Field(
        "all", title="认定结果", description="all=全部涉及记录；sustained=只用认定为查实或部分查实的记录"
    )
    algorithm: Literal["leiden", "louvain"] = Field(
        "leiden", title="算法", description="leiden（默认）或 louvain"
    )
    min_size: int = Field(3, ge=2, le=1000, title="最小规模", description="群组至少包含的民警数")
    unit_ties: bool = Field(
        False, title="加入同单位弱关联", description="同单位（同岗位更强）的涉案民警之间加弱关联"
    )
    resolution: float = Field(1.0, gt=0, le=10, title="分辨率", description="大于 1 得到更小的群组")
    case_weight: float = Field(3.0, gt=0, le=100, title="共同案件权重")
    clue_weight: float = Field(1.0, gt=0, le=100, title="共同线索权重")
    limit: int = Field(100, ge=1, le=5000, title="最多返回群组数")
    cluster_id: str | None = Field(
        None,
        max_length=16,
        title="群组编号",
        description="只返回该群组（同样参数下的编号，如 K1），含网络图节点与关系",
    )


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
        if len(officers) == 1:  # most groups (a province: 84,000 of 91,000): no vote to count
            if officers[0] not in where:
                continue
            best = where[officers[0]]
        else:
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


def _officer_facts(
    driver: neo4j.Driver, database: str, badges: list[str], as_of: Any
) -> dict[str, dict[str, Any]]:
    if not badges:
        return {}
    recs = run_cypher(driver, database, "officer_facts", {"badges": badges, "as_of": as_of})
    return {r["badge_no"]: dict(r) for r in recs}


def _describe(c: Cluster, facts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    officers = sorted(c.officers)
    units = sorted({facts[b]["unit_code"] for b in officers if facts.get(b, {}).get("unit_code")})
    unit_names = sorted({facts[b]["unit_name"] for b in officers if facts.get(b, {}).get("unit_name")})
    nest = False
    for case_officers in c.case_officers.values():
        per_unit = Counter(
            facts[b]["unit_code"]
            for b in case_officers
            if b in c.officers and facts.get(b, {}).get("unit_code")
        )
        if per_unit and max(per_unit.values()) >= NEST_MIN_OFFICERS:
            nest = True
    linked = len(units) >= 2 and len(c.cases) >= 2
    kind = "窝案" if nest else ("串案" if linked else "关联")
    high_risk = [
        f"{facts[b]['name']}（{facts[b].get('post') or '高风险岗位'}）"
        for b in officers
        if facts.get(b, {}).get("high_risk_post")
    ]
    leader_badges = [b for b in officers if facts.get(b, {}).get("leader")]
    leaders = [f"{facts[b]['name']}（{b}）" for b in leader_badges]
    risk = (
        sum(FORM_WEIGHT.get(c.case_forms.get(k) or "", OPEN_CASE_WEIGHT) for k in c.cases)
        + len(c.clues)
        + 2 * len(leaders)
        + len(high_risk)
        + max(0, len(units) - 1)
    )
    return {
        "kind": kind,
        "nest": nest,
        "linked": linked,
        "risk": risk,
        "size": len(officers),
        "officers": officers,
        "officer_names": [facts.get(b, {}).get("name", b) for b in officers],
        "units": units,
        "unit_names": unit_names,
        "cases": sorted(c.cases),
        "clues": sorted(c.clues),
        "high_risk_posts": high_risk,
        "leaders": leaders,
        "leader_badges": leader_badges,
    }


RawGroup = tuple[str, str, str | None, list[str]]
"""(kind, key, case form, officer badge numbers)."""


def cluster_groups(
    driver: neo4j.Driver, database: str, w: Window, p: ClusterParams
) -> tuple[list[RawGroup], list[dict[str, Any]]]:
    """The clues and cases of the period that tie officers, and the mass ones left out
    (``{"type", "key", "officers"}``: more than ``max_subjects`` officers named)."""
    records = run_cypher(
        driver,
        database,
        "co_involvement",
        {
            "date_from": w.date_from,
            "date_to": w.date_to,
            "findings": p.findings,
        },
    )
    groups: list[RawGroup] = []
    skipped: list[dict[str, Any]] = []
    for kind, key, form, officers, named in records[0]["groups"]:
        if named > p.max_subjects:
            skipped.append({"type": kind, "key": key, "officers": named})
        elif officers:
            groups.append((kind, key, form, sorted(officers) if len(officers) > 1 else officers))
    skipped.sort(key=lambda x: (-x["officers"], x["type"], x["key"]))
    return groups, skipped


def _notes(
    p: ClusterParams, w: Window, groups: list[RawGroup], skipped: list[dict[str, Any]], named_any: bool
) -> list[str]:
    notes = list(w.notes)
    if skipped:
        shown = "、".join(
            f"{'线索' if s['type'] == 'Clue' else '案件'} {s['key']}（{s['officers']} 人）"
            for s in skipped[:10]
        )
        more = f" 等 {len(skipped)} 条" if len(skipped) > 10 else ""
        notes.append(
            f"涉及民警超过 {p.max_subjects} 人的线索或案件不建立关联（群体性举报会把互不相关的民警连成一片）："
            f"{shown}{more}。"
        )
    if not groups and not skipped:
        if p.findings == "sustained" and named_any:
            notes.append(
                "统计期内没有认定为查实或部分查实的涉及记录（或未导入认定结果），findings=sustained 时没有任何关联。"
            )
        else:
            notes.append(f"统计期 {w.label()} 内没有涉及民警的线索或案件，无法发现风险群组。")
    return notes


@dataclass
class Projection:
    graph: nx.Graph
    groups: list[RawGroup]
    skipped: list[dict[str, Any]]
    window: Window


def cluster_projection(driver: neo4j.Driver, database: str, p: ClusterParams) -> Projection:
    """The weighted co-involvement graph the communities are found on (docs/queries.md shows how to
    rebuild it from the input files with networkx)."""
    w = resolve_window(driver, database, as_of=p.as_of, date_from=p.date_from, date_to=p.date_to)
    groups, skipped = cluster_groups(driver, database, w, p)
    plain_groups: list[Group] = [(k, key, offs) for k, key, _, offs in groups]
    g = co_involvement_graph(plain_groups, {"Case": p.case_weight, "Clue": p.clue_weight})
    return Projection(g, groups, skipped, w)


def run_clusters(driver: neo4j.Driver, database: str, p: ClusterParams) -> QueryResult:
    t0 = time.perf_counter()
    proj = cluster_projection(driver, database, p)
    g, groups, skipped, w = proj.graph, proj.groups, proj.skipped, proj.window
    if p.unit_ties:
        g = add_unit_ties(g, _officer_facts(driver, database, sorted(g.nodes), w.as_of))
    t1 = time.perf_counter()
    parts = detect_communities(g, p.algorithm, resolution=p.resolution)
    t2 = time.perf_counter()
    kept = [Cluster(officers=part) for part in parts if len(part) >= p.min_size]
    _assign_groups(groups, kept)
    facts = _officer_facts(driver, database, sorted({b for c in kept for b in c.officers}), w.as_of)
    rows = [_describe(c, facts) for c in kept]
    order = sorted(range(len(rows)), key=lambda i: cluster_rank_key(rows[i]))  # 窝案, 串案, then 关联
    ranked = []
    for rank, i in enumerate(order, start=1):
        ranked.append({"cluster_id": f"K{rank}", **rows[i], "_index": i})
    summary: dict[str, Any] = {
        "algorithm": p.algorithm,
        "officers_in_graph": g.number_of_nodes(),
        "ties": g.number_of_edges(),
        "communities": len(parts),
        "clusters": len(ranked),
        "kinds": dict(Counter(r["kind"] for r in ranked)),
        "projection_seconds": round(t1 - t0, 3),
        "detection_seconds": round(t2 - t1, 3),
        "max_subjects": p.max_subjects,
        "findings": p.findings,
        "skipped_mass": skipped,
        **w.summary(),
    }
    notes = _notes(
        p, w, groups, skipped, named_any=bool(groups or skipped) or _named_any(driver, database, w, p)
    )
    if p.cluster_id is not None:
        chosen = [r for r in ranked if r["cluster_id"] == p.cluster_id.upper()]
        if not chosen:
            raise NotFound(
                f"没有编号为 {p.cluster_id!r} 的风险群组（共 {len(ranked)} 个）/ "
                f"no cluster {p.cluster_id!r} among {len(ranked)}"
            )
        row = chosen[0]
        row.pop("_index")
        col = EntityCollector()
        for rec in run_cypher(
            driver,
            database,
            "cluster_subgraph",
            {"badges": row["officers"], "case_nos": row["cases"], "clue_nos": row["clues"], "as_of": w.as_of},
        ):
            col.add_any(rec["nodes"])
            col.add_any(rec["rels"])
        return QueryResult(
            columns=COLUMNS,
            rows=[row],
            nodes=col.nodes,
            edges=col.edges,
            summary=summary,
            notes=notes,
            period=w.period(),
        )
    for r in ranked:
        r.pop("_index")
    return QueryResult(
        columns=COLUMNS, rows=ranked[: p.limit], summary=summary, notes=notes, period=w.period()
    )


def _named_any(driver: neo4j.Driver, database: str, w: Window, p: ClusterParams) -> bool:
    """With findings=sustained and nothing kept: did the period name anyone at all?"""
    if p.findings != "sustained":
        return False
    records = run_cypher(
        driver,
        database,
        "co_involvement",
        {"date_from": w.date_from, "date_to": w.date_to, "findings": "all"},
    )
    return any(named for *_, named in records[0]["groups"])


register(
    QueryDef(
        name="risk_clusters",
        title="风险群组",
        description="在民警共同涉及图（共同线索、共同案件；可加同单位/同岗位弱关联）上做社区发现（Leiden 或 Louvain，"
        "随机种子固定），按风险值排序列出规模不小于 min_size 的群组：民警、线索、案件、单位、高风险岗位和涉及的"
        f"领导干部，并标注窝案（同一案件同一单位 {NEST_MIN_OFFICERS} 人以上）和串案（跨单位的多个案件）；排序先窝案、再串案、后关联，"
        "同类按风险值、再按规模。风险值 = 各案件形态分"
        "（第一至第四种形态 1–4 分，未定 2 分）+ 线索数 + 2×领导干部数 + 高风险岗位人数 + (单位数−1)。"
        "只用统计期（date_from–date_to，默认截至日期及以前的全部记录）内的线索和案件；涉及民警超过 max_subjects"
        "（默认 10）人的线索或案件不建立关联并在 summary.skipped_mass 列出；findings=sustained 只用查实或部分查实的记录。",
        params=ClusterParams,
        run=run_clusters,
        scopes=frozenset({"officers", "clues", "cases", "org"}),
        columns=tuple(COLUMNS),
        cypher=("co_involvement", "officer_facts", "cluster_subgraph", "data_as_of"),
    )
)
