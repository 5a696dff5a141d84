"""``accountability_chain``: who answers for what in one case (四责协同)."""

from __future__ import annotations

from typing import Any

import neo4j
from pydantic import Field

from graph.errors import NotFound
from graph.schema import DutyType, SupervisionType
from queries.common import RANK_SCOPES, AsOf, EntityCollector, Params, as_of_field, node_entity, run_cypher
from queries.registry import QueryDef, QueryResult, register

COLUMNS = ["level", "role", "responsibility", "id", "name", "for_officer"]
DIRECT = "直接责任"


class ChainParams(Params):
    case_no: str = Field(..., min_length=1, max_length=64, title="案件编号")
    supervision_type: SupervisionType = Field(SupervisionType.DISCIPLINE, title="监督类型")
    as_of: AsOf = as_of_field()


def run_chain(driver: neo4j.Driver, database: str, p: ChainParams) -> QueryResult:
    records = run_cypher(driver, database, "accountability_chain",
                         {**p.model_dump(), "supervision_type": p.supervision_type.value, "rank_scopes": RANK_SCOPES})
    if not records:
        raise NotFound(f"没有案件 {p.case_no!r} / no case {p.case_no!r}")
    col = EntityCollector()
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()

    def add(level: int, role: str, duty: str, node: Any, rel: Any, officer: str | None) -> None:
        if node is None:
            return
        nid = col.add_node(node)
        col.add_rel(rel)
        ent = node_entity(node)
        if nid is None or ent is None or (nid, role, officer or "") in seen:
            return
        seen.add((nid, role, officer or ""))
        rows.append({"level": level, "role": role, "responsibility": duty, "id": nid,
                     "name": ent["caption"], "for_officer": officer})

    case = records[0]["case"]
    add(0, "案件", "", case, None, None)
    for rel, body in records[0]["handlers"]:
        add(6, "查办机构", DutyType.SUPERVISION.value, body, rel, None)
    for rec in records:
        o = rec["officer"]
        if o is None:
            continue
        badge = o.get("badge_no")
        add(1, f"涉案民警（{rec['involvement'].get('role') or ''}）", DIRECT, o, rec["involvement"], badge)
        add(2, "所在单位", DutyType.MAIN.value, rec["unit"], rec["posting"], badge)
        for rel, head in rec["heads"]:
            add(2, "单位负责人", DutyType.ONE_POST_TWO_DUTIES.value, head, rel, badge)
        add(3, "党支部", DutyType.MAIN.value, rec["branch"], rec["branch_rel"], badge)
        for rel, sec in rec["secretaries"]:
            add(3, "支部书记", DutyType.FIRST_PERSON.value, sec, rel, badge)
        col.add_any(rec["charge_nodes"])
        col.add_any(rec["charge_path"])
        add(4, "分管领导", DutyType.ONE_POST_TWO_DUTIES.value, rec["leader"], rec["leader_rel"], badge)
        add(5, "党委", DutyType.MAIN.value, rec["committee"], rec["seat"], badge)
        for rel, sec in rec["committee_secretaries"]:
            add(5, "党委书记", DutyType.FIRST_PERSON.value, sec, rel, badge)
        for rel, body, target in rec["supervisions"]:
            col.add_node(target)
            add(6, "监督机构", DutyType.SUPERVISION.value, body, rel, badge)
    rows.sort(key=lambda r: (r["level"], r["for_officer"] or "", r["id"]))
    officers = sorted({r["for_officer"] for r in rows if r["for_officer"]})
    return QueryResult(columns=COLUMNS, rows=rows, nodes=col.nodes, edges=col.edges,
                       summary={"case_no": p.case_no, "officers": officers,
                                "responsibilities": sorted({r["responsibility"] for r in rows if r["responsibility"]})})


register(QueryDef(
    name="accountability_chain", title="案件责任链（四责协同）",
    description="一个案件从涉案民警到所在单位和负责人、党支部和书记、分管的党委班子成员（本单位或最近上级单位）、"
                "党委和书记、监督机构的责任链，标明每一方的责任类型（主体责任、监督责任、第一责任人责任、一岗双责），"
                "并给出自上而下展示用的节点和关系。",
    params=ChainParams, run=run_chain, scopes=frozenset({"cases", "officers", "org"}), entity="Case",
    columns=tuple(COLUMNS), cypher=("accountability_chain",)))
