"""``liaison_coverage`` and ``supervision_coverage``: 不缺位、不越位."""

from __future__ import annotations

from typing import Any

import neo4j
from pydantic import Field

from graph.schema import SupervisionType
from graph.shape import EntityCollector, edge, entity_id, plain
from queries.common import (
    STALE_DAYS,
    UNKNOWN,
    AsOf,
    Params,
    as_of_field,
    date_from_field,
    date_to_field,
    record_rows,
    run_cypher,
)
from queries.period import data_presence, resolve_window
from queries.registry import QueryDef, QueryResult, load_cypher, register

NO_LIAISON_DATA = "未导入联系基层数据"


class LiaisonParams(Params):
    as_of: AsOf | None = as_of_field()
    stale_days: int = Field(
        STALE_DAYS, ge=1, le=3650, title="久未走访天数", description="最近走访早于此天数即为久未走访"
    )
    date_from: AsOf | None = date_from_field("不限（风险值计入截至日期及以前的全部线索和案件）")
    date_to: AsOf | None = date_to_field()
    include_covered: bool = Field(False, title="列出已覆盖单位", description="默认只列未覆盖和久未走访的单位")
    graph: bool = Field(False, title="返回网络图", description="同时返回班子成员—基层单位的节点与关系")


def liaison_notes(presence: dict[str, int], judge_coverage: bool, judge_stale: bool) -> list[str]:
    notes: list[str] = []
    if not presence.get("liaisons"):
        notes.append(
            f"{NO_LIAISON_DATA}（班子成员联系点），无法判断基层单位是否有人联系；各单位不计为未覆盖。"
        )
    elif not presence.get("committee_seats"):
        notes.append(
            "未导入党委班子成员数据：联系人无法确认为班子成员，联系覆盖无法判断；各单位不计为未覆盖。"
        )
    elif not judge_stale:
        notes.append("联系记录都没有最近走访日期，无法判断是否久未走访；有联系人的单位都计为已覆盖。")
    if not presence.get("grassroots_units"):
        notes.append("没有层级为“基层”的单位，联系覆盖无从统计。")
    if presence.get("unknown_level_units"):
        notes.append(f"{presence['unknown_level_units']} 个单位层级未知，未计入基层单位。")
    if judge_coverage and not presence.get("party_orgs"):
        notes.append("未导入党组织数据，党支部覆盖率无法计算。")
    return notes


def run_liaison(driver: neo4j.Driver, database: str, p: LiaisonParams) -> QueryResult:
    w = resolve_window(driver, database, as_of=p.as_of, date_from=p.date_from, date_to=p.date_to)
    presence = data_presence(driver, database)
    judge_coverage = bool(presence.get("liaisons") and presence.get("committee_seats"))
    judge_stale = bool(presence.get("visit_dates"))
    params = {
        **p.model_dump(),
        "as_of": w.as_of,
        "date_from": w.date_from,
        "date_to": w.date_to,
        "judge_coverage": judge_coverage,
        "judge_stale": judge_stale,
    }
    rows = record_rows(run_cypher(driver, database, "liaison_coverage", params))
    members = record_rows(run_cypher(driver, database, "liaison_members", params))
    total = len(rows)
    covered = [r for r in rows if r["status"] in ("已覆盖", "久未走访")]
    branches = sum(r["branches"] for r in rows)
    covered_branches = sum(r["branches"] for r in covered)
    summary: dict[str, Any] = {
        "grassroots_units": total,
        "covered_units": len(covered) if judge_coverage else None,
        "coverage_rate": round(len(covered) / total, 4) if total and judge_coverage else None,
        "uncovered_units": sorted(r["unit_code"] for r in rows if r["status"] == "未覆盖"),
        "stale_units": sorted(r["unit_code"] for r in rows if r["status"] == "久未走访"),
        "branches": branches,
        "covered_branches": covered_branches if judge_coverage else None,
        "branch_coverage_rate": round(covered_branches / branches, 4)
        if branches and judge_coverage
        else None,
        "members": members,
        **w.summary(),
    }
    if not presence.get("liaisons"):
        summary["coverage"] = NO_LIAISON_DATA
    notes = w.notes + liaison_notes(presence, judge_coverage, judge_stale)
    order = {"无法判断": 0, "未覆盖": 0, "久未走访": 1, "已覆盖": 2}
    shown = [r for r in rows if p.include_covered or r["status"] != "已覆盖"]
    shown.sort(key=lambda r: (order[r["status"]], -r["risk"], r["unit_code"]))
    result = QueryResult(
        columns=list(load_cypher("liaison_coverage").columns),
        rows=shown,
        summary=summary,
        notes=notes,
        period=w.period(),
    )
    if p.graph:
        col = EntityCollector()
        for rec in run_cypher(driver, database, "liaison_graph", params):
            col.add_node(rec["m"])
            col.add_node(rec["u"])
            col.add_rel(rec["l"])
        result.nodes, result.edges = col.nodes, col.edges
    return result


register(
    QueryDef(
        name="liaison_coverage",
        title="联系基层覆盖",
        description="基层单位和党支部的联系覆盖率；未被任何党委班子成员联系的单位和久未走访（超过 stale_days 天）的单位，"
        "按风险（统计期内线索数 + 2×案件数）排序；每位班子成员的联系负荷见 summary.members。"
        "未导入联系基层数据（或班子成员数据）时不判断覆盖（状态“无法判断”），并在 notes 中说明。",
        params=LiaisonParams,
        run=run_liaison,
        scopes=frozenset({"org", "liaisons", "officers"}),
        columns=load_cypher("liaison_coverage").columns,
        cypher=("liaison_coverage", "liaison_members", "liaison_graph", "data_as_of", "data_presence"),
    )
)


# ---------------------------------------------------------------------------------------------


class SupervisionParams(Params):
    supervision_type: SupervisionType = Field(SupervisionType.DISCIPLINE, title="监督类型")
    as_of: AsOf | None = as_of_field()
    limit: int = Field(5000, ge=1, le=100000, title="最多返回行数")
    graph: bool = Field(
        False,
        title="返回网络图",
        description="同时返回监督机构—被监督单位、缺位与多头监督民警、无纪检委员的警种支队的节点与关系",
    )


ISSUE_ORDER = ["无监督主体民警", "多头监督民警", "无监督主体单位", "无纪检委员的警种支队"]


def run_supervision(driver: neo4j.Driver, database: str, p: SupervisionParams) -> QueryResult:
    w = resolve_window(driver, database, as_of=p.as_of)
    presence = data_presence(driver, database)
    params = {
        "supervision_type": p.supervision_type.value,
        "as_of": w.as_of,
    }
    rules = run_cypher(driver, database, "supervision_rules", params)[0]["rules"]
    notes = list(w.notes)
    claimed = run_cypher(driver, database, "supervision_officers", params)[0]
    officers: list[dict[str, Any]] = [{k: plain(v) for k, v in r.items()} for r in claimed["rows"]]
    if rules:
        units = record_rows(run_cypher(driver, database, "supervision_units", params))
    else:
        units = []
        notes.append(
            f"未导入“{p.supervision_type.value}”的监督关系数据，无法判断哪些民警和单位缺少监督主体（不列出）。"
        )
    if presence.get("discipline_commissioners"):
        branches = record_rows(run_cypher(driver, database, "branches_without_discipline_staff", params))
    else:
        branches = []
        notes.append("未导入纪检委员数据，无法判断警种支队是否配备纪检委员（不列出）。")
    if not presence.get("postings"):
        notes.append("未导入任职数据：民警所在单位不明，无法判断民警由谁监督。")
    unknown_rank = 0
    rows: list[dict[str, Any]] = []
    for r in officers:
        if len(r["bodies"]) == 0 and (r["rank"] is None or r["rank"] == UNKNOWN) and r["restricted"]:
            unknown_rank += 1  # only rank-restricted rules reach him: cannot be judged
            continue
        if len(r["bodies"]) == 0 and not rules:
            continue
        if len(r["bodies"]) == 0:
            rows.append(
                {
                    "issue": ISSUE_ORDER[0],
                    "id": entity_id("Officer", r["badge_no"]),
                    "key": r["badge_no"],
                    "name": r["name"],
                    "rank": r["rank"],
                    "unit_code": r["unit_code"],
                    "unit_name": r["unit_name"],
                    "bodies": [],
                }
            )
        elif len(r["bodies"]) >= 2:
            rows.append(
                {
                    "issue": ISSUE_ORDER[1],
                    "id": entity_id("Officer", r["badge_no"]),
                    "key": r["badge_no"],
                    "name": r["name"],
                    "rank": r["rank"],
                    "unit_code": r["unit_code"],
                    "unit_name": r["unit_name"],
                    "bodies": r["bodies"],
                }
            )
    for r in units:
        rows.append(
            {
                "issue": ISSUE_ORDER[2],
                "id": entity_id("Unit", r["unit_code"]),
                "key": r["unit_code"],
                "name": r["unit_name"],
                "rank": None,
                "unit_code": r["unit_code"],
                "unit_name": r["unit_name"],
                "bodies": [],
            }
        )
    for r in branches:
        rows.append(
            {
                "issue": ISSUE_ORDER[3],
                "id": entity_id("Unit", r["unit_code"]),
                "key": r["unit_code"],
                "name": r["unit_name"],
                "rank": None,
                "unit_code": r["unit_code"],
                "unit_name": r["unit_name"],
                "bodies": [],
            }
        )
    if unknown_rank:
        notes.append(
            f"{unknown_rank} 名民警职级未知，按职级范围划分的监督关系对其无法判断，未计入无监督主体民警。"
        )
    counts = {k: sum(1 for r in rows if r["issue"] == k) for k in ISSUE_ORDER}
    summary = {
        "supervision_type": p.supervision_type.value,
        "officers": claimed["officers"],
        **counts,
        "rank_unknown_officers": unknown_rank,
        **w.summary(),
        "unsupervised_officers": sorted(r["key"] for r in rows if r["issue"] == ISSUE_ORDER[0]),
        "double_claimed_officers": sorted(r["key"] for r in rows if r["issue"] == ISSUE_ORDER[1]),
        "unsupervised_units": sorted(r["key"] for r in rows if r["issue"] == ISSUE_ORDER[2]),
        "police_branches_without_discipline_staff": sorted(
            r["key"] for r in rows if r["issue"] == ISSUE_ORDER[3]
        ),
    }
    result = QueryResult(columns=SUP_COLUMNS, rows=rows[: p.limit], summary=summary, notes=notes)
    if p.graph:
        result.nodes, result.edges = _supervision_graph(driver, database, params, result.rows)
    return result


def _supervision_graph(
    driver: neo4j.Driver, database: str, params: dict[str, Any], rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Bodies and the units they directly supervise, plus the shown rows' officers and branches.

    A claim on a double-claimed officer is not a stored relationship (it follows from a
    SUPERVISES on his unit or an ancestor); it is drawn as a SUPERVISES edge body → officer.
    """
    by_issue = {k: [r["key"] for r in rows if r["issue"] == k] for k in ISSUE_ORDER}
    col = EntityCollector()
    for rec in run_cypher(
        driver,
        database,
        "supervision_graph",
        {
            **params,
            "gap_badges": by_issue[ISSUE_ORDER[0]],
            "claimed_badges": by_issue[ISSUE_ORDER[1]],
            "branch_codes": by_issue[ISSUE_ORDER[3]],
        },
    ):
        col.add_node(rec["n"])
        col.add_node(rec["m"])
        col.add_rel(rec["r"])
    nodes, edges = col.nodes, col.edges
    known = col.node_ids()
    claims: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["issue"] != ISSUE_ORDER[1] or r["id"] not in known:
            continue
        for b in r["bodies"]:
            body = entity_id("Unit", b)
            if body in known:
                claim = edge("SUPERVISES", body, r["id"], {"supervision_type": params["supervision_type"]})
                claims[claim["id"]] = claim
    return nodes, edges + list(claims.values())


SUP_COLUMNS = ["issue", "id", "key", "name", "rank", "unit_code", "unit_name", "bodies"]

register(
    QueryDef(
        name="supervision_coverage",
        title="监督覆盖（不缺位、不越位）",
        description="按监督类型（默认纪律监督）找出：没有任何监督主体的民警、被两个以上监督主体同时管辖的民警、"
        "没有监督主体的单位（监督机构和外部机关除外），以及党组织没有在任纪检委员的警种支队。"
        "管辖按监督关系的单位范围（含下级单位）和职级范围判断。graph=true 时另返回监督机构及其直接监督的单位、"
        "缺位民警（连同任职单位）、多头监督民警（连同认领他的监督机构）和无纪检委员的警种支队的节点与关系。",
        params=SupervisionParams,
        run=run_supervision,
        scopes=frozenset({"org", "officers"}),
        columns=tuple(SUP_COLUMNS),
        cypher=(
            "supervision_officers",
            "supervision_units",
            "branches_without_discipline_staff",
            "supervision_graph",
            "supervision_rules",
            "data_as_of",
            "data_presence",
        ),
    )
)
