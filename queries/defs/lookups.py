"""The everyday lookups: ``officer_profile``, ``unit_overview``, ``path_between``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import neo4j
from pydantic import Field, field_validator

from graph.constraints import q
from graph.errors import NotFound
from graph.schema import node_spec
from graph.shape import EntityCollector, node_entity, parse_entity_id, plain
from queries.common import (
    AsOf,
    Params,
    as_of_field,
    run_cypher,
)
from queries.period import resolve_window, window_for
from queries.registry import QueryDef, QueryResult, load_cypher, register


class ProfileParams(Params):
    badge_no: str = Field(..., min_length=1, max_length=32, title="警号")
    depth: int = Field(1, ge=1, le=2, title="邻域深度")
    limit: int = Field(300, ge=1, le=5000, title="一度邻居上限")
    per_node: int = Field(30, ge=1, le=500, title="每个邻居的二度邻居上限")
    as_of: AsOf | None = as_of_field()


PROFILE_COLUMNS = load_cypher("officer_profile").columns
"""The summary row's columns; the statement also returns the data's date and the network."""


def run_profile(driver: neo4j.Driver, database: str, p: ProfileParams) -> QueryResult:
    """One read (``officer_profile.cypher``): the data's date, the summary row and the network."""
    today = dt.date.today()
    records = run_cypher(driver, database, "officer_profile", {**p.model_dump(), "today": today})
    if not records:
        raise NotFound(f"没有警号为 {p.badge_no!r} 的民警 / no officer with badge number {p.badge_no!r}")
    rec = records[0]
    data_date = rec["data_date"]
    w = window_for(data_date.to_native() if data_date is not None else None, as_of=p.as_of, today=today)
    summary = {c: plain(rec[c]) for c in PROFILE_COLUMNS}
    col = EntityCollector()
    col.add_node(rec["officer"])
    col.add_any(rec["nodes"])
    col.add_any(rec["rels"])
    notes = list(w.notes)
    if not summary.get("unit_code"):
        notes.append(f"该民警在 {w.as_of.isoformat()} 没有当前任职数据，所在单位不明。")
    return QueryResult(
        columns=list(PROFILE_COLUMNS),
        rows=[summary],
        nodes=col.nodes,
        edges=col.edges,
        notes=notes,
        summary={"badge_no": p.badge_no, "depth": p.depth, "nodes": len(col.nodes), **w.summary()},
    )


register(
    QueryDef(
        name="officer_profile",
        title="民警画像",
        description="一名民警（需要警号）的概况，以及其一至二度关系网络（任职、党组织、职务、线索、案件、联系点等）。",
        params=ProfileParams,
        run=run_profile,
        scopes=frozenset({"officers", "org", "clues", "cases"}),
        entity="Officer",
        columns=PROFILE_COLUMNS,
        cypher=("officer_profile",),
    )
)


class UnitParams(Params):
    unit_code: str = Field(..., min_length=1, max_length=64, title="单位编码")
    depth: int = Field(2, ge=1, le=6, title="下级单位层数")
    limit: int = Field(500, ge=1, le=5000, title="人员和下级单位上限")
    as_of: AsOf | None = as_of_field()


def run_unit(driver: neo4j.Driver, database: str, p: UnitParams) -> QueryResult:
    w = resolve_window(driver, database, as_of=p.as_of)
    records = run_cypher(driver, database, "unit_overview", {**p.model_dump(), "as_of": w.as_of})
    if not records:
        raise NotFound(f"没有单位 {p.unit_code!r} / no unit with code {p.unit_code!r}")
    rec = records[0]
    col = EntityCollector()
    col.add_node(rec["unit"])
    col.add_any(rec["tree"])
    rows: list[dict[str, Any]] = []
    for rel, officer in rec["people"]:
        col.add_node(officer)
        col.add_rel(rel)
    for group in ("orgs", "leaders"):
        for rel, node in rec[group]:
            col.add_node(node)
            col.add_rel(rel)
    for rel, body, target in rec["supervisors"]:
        col.add_node(target)
        col.add_node(body)
        col.add_rel(rel)
        body_ent = node_entity(body)
        rows.append(
            {
                "relation": "监督",
                "id": body_ent["id"] if body_ent else None,
                "name": body.get("name"),
                "detail": f"{rel.get('supervision_type') or '类型未知'}（{rel.get('rank_scope') or '全部'}）",
            }
        )
    for rel, node in rec["leaders"]:
        ent = node_entity(node)
        rows.append(
            {
                "relation": LEADER_RELATIONS.get(rel.type, rel.type),
                "id": ent["id"] if ent else None,
                "name": node.get("name"),
                "detail": plain(rel.get("last_visit_on")) or "",
            }
        )
    notes = list(w.notes)
    if not rec["people"]:
        notes.append(f"该单位在 {w.as_of.isoformat()} 没有当前在职人员数据。")
    if not any(r.type == "HEADS" for r, _ in rec["leaders"]):
        notes.append("没有该单位当前负责人的数据。")
    if not rec["supervisors"]:
        notes.append("没有覆盖该单位的监督关系数据。")
    unit = node_entity(rec["unit"]) or {}
    subunits = [n for n in col.nodes if n["type"] == "Unit" and n["id"] != unit.get("id")]
    return QueryResult(
        columns=["relation", "id", "name", "detail"],
        rows=rows,
        nodes=col.nodes,
        edges=col.edges,
        notes=notes,
        summary={
            "unit": unit.get("caption"),
            "unit_code": p.unit_code,
            "officers": rec["officers"],
            "related_units": len(subunits),
            "party_orgs": len(rec["orgs"]),
            **w.summary(),
        },
    )


LEADER_RELATIONS = {"HEADS": "负责人", "IN_CHARGE_OF": "分管领导", "LIAISES_WITH": "联系领导"}


register(
    QueryDef(
        name="unit_overview",
        title="单位概览",
        description="一个单位（需要单位编码）的上下级单位、在职人员、党组织、负责人、分管和联系领导、监督机构，作为节点和关系。",
        params=UnitParams,
        run=run_unit,
        scopes=frozenset({"org", "officers", "liaisons"}),
        entity="Unit",
        columns=("relation", "id", "name", "detail"),
        cypher=("unit_overview", "data_as_of"),
    )
)


class PathParams(Params):
    source: str = Field(..., min_length=3, max_length=120, title="起点实体", description="如 Officer:010203")
    target: str = Field(..., min_length=3, max_length=120, title="终点实体", description="如 Unit:U0101")
    max_hops: int = Field(4, ge=1, le=8, title="最大步数")

    @field_validator("source", "target")
    @classmethod
    def _entity(cls, value: str) -> str:
        parse_entity_id(value)
        return value


def run_path(driver: neo4j.Driver, database: str, p: PathParams) -> QueryResult:
    (fl, fk), (tl, tk) = parse_entity_id(p.source), parse_entity_id(p.target)
    slots = {
        "from_label": q(fl),
        "from_key": q(node_spec(fl).key),
        "to_label": q(tl),
        "to_key": q(node_spec(tl).key),
        "max_hops": str(int(p.max_hops)),
    }
    records = run_cypher(driver, database, "path_between", {"from_value": fk, "to_value": tk}, slots=slots)
    if not records:
        raise NotFound(f"找不到实体 {p.source} 或 {p.target} / entity {p.source} or {p.target} not found")
    col = EntityCollector()
    path = records[0]["path"]
    rows: list[dict[str, Any]] = []
    if path is not None:
        col.add_path(path)
        for step, node in enumerate(path.nodes):
            ent = node_entity(node)
            via = path.relationships[step - 1].type if step else None
            rows.append(
                {
                    "step": step,
                    "via": via,
                    "id": ent["id"] if ent else None,
                    "type": ent["type"] if ent else None,
                    "name": ent["caption"] if ent else None,
                }
            )
    return QueryResult(
        columns=["step", "via", "id", "type", "name"],
        rows=rows,
        nodes=col.nodes,
        edges=col.edges,
        summary={"found": path is not None, "hops": len(path.relationships) if path is not None else None},
    )


register(
    QueryDef(
        name="path_between",
        title="关系路径",
        description="两个实体（“类型:编号”，如 Officer:010203、Unit:U0101）之间不超过 max_hops 步的最短关系路径。",
        params=PathParams,
        run=run_path,
        scopes=frozenset({"org", "officers", "clues", "cases"}),
        columns=("step", "via", "id", "type", "name"),
        cypher=("path_between",),
    )
)
