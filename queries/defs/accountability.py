"""``accountability_chain``: who answers for what in one case (四责协同)."""

from __future__ import annotations

from typing import Any

import neo4j
from pydantic import Field

from graph.errors import NotFound
from graph.schema import DutyType, SupervisionType
from graph.shape import EntityCollector, node_entity, plain
from queries.common import (
    AsOf,
    Params,
    as_of_field,
    run_cypher,
)
from queries.period import data_presence, resolve_window
from queries.registry import QueryDef, QueryResult, register

COLUMNS = [
    "level",
    "role",
    "responsibility",
    "id",
    "name",
    "for_officer",
    "allegation",
    "finding",
    "disposition",
]
DIRECT = "直接责任"


class ChainParams(Params):
    case_no: str = Field(..., min_length=1, max_length=64, title="案件编号")
    supervision_type: SupervisionType = Field(SupervisionType.DISCIPLINE, title="监督类型")
    as_of: AsOf | None = as_of_field()


def _join(values: list[Any]) -> str | None:
    out: list[str] = []
    for v in values:
        if v not in (None, "") and str(plain(v)) not in out:
            out.append(str(plain(v)))
    return "；".join(out) or None


def allegation_facts(links: list[Any]) -> dict[str, str | None]:
    """What one officer was alleged, found and given in a case: one entry per allegation link
    (``allegation_category``：``allegation``; ``finding`` with the source's raw term; ``disposition``
    or ``sanction`` with ``disposition_form`` or ``form``), in the same order in the three columns
    ("—" where a link lacks the item)."""

    def key(link: Any) -> tuple[str, str, str]:
        return (
            str(link.get("allegation_category") or ""),
            str(link.get("allegation") or ""),
            str(link.get("finding") or ""),
        )

    allegations, findings, dispositions = [], [], []
    for link in sorted(links, key=key):
        what = "：".join(str(x) for x in (link.get("allegation_category"), link.get("allegation")) if x)
        allegations.append(what or None)
        finding, raw = link.get("finding"), link.get("finding_raw")
        findings.append(f"{finding}（{raw}）" if finding and raw and raw != finding else finding or raw)
        penalty = link.get("disposition") or link.get("sanction")
        form = link.get("disposition_form") or link.get("form")
        dispositions.append("，".join(str(plain(x)) for x in (penalty, form) if x) or None)

    def column(values: list[str | None]) -> str | None:
        if not any(values):
            return None
        if len(values) == 1:
            return values[0]
        return "；".join(v or "—" for v in values)

    return {
        "allegation": column(allegations),
        "finding": column(findings),
        "disposition": column(dispositions),
    }


def run_chain(driver: neo4j.Driver, database: str, p: ChainParams) -> QueryResult:
    w = resolve_window(driver, database, as_of=p.as_of)
    records = run_cypher(
        driver,
        database,
        "accountability_chain",
        {
            **p.model_dump(),
            "as_of": w.as_of,
            "supervision_type": p.supervision_type.value,
        },
    )
    if not records:
        raise NotFound(f"没有案件 {p.case_no!r} / no case {p.case_no!r}")
    col = EntityCollector()
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()

    def add(
        level: int,
        role: str,
        duty: str,
        node: Any,
        rel: Any,
        officer: str | None,
        facts: dict[str, str | None] | None = None,
    ) -> None:
        if node is None:
            return
        nid = col.add_node(node)
        col.add_rel(rel)
        ent = node_entity(node)
        if nid is None or ent is None or (nid, role, officer or "") in seen:
            return
        seen.add((nid, role, officer or ""))
        rows.append(
            {
                "level": level,
                "role": role,
                "responsibility": duty,
                "id": nid,
                "name": ent["caption"],
                "for_officer": officer,
                **(facts or {"allegation": None, "finding": None, "disposition": None}),
            }
        )

    case = records[0]["case"]
    add(0, "案件", "", case, None, None)
    for rel, body in records[0]["handlers"]:
        add(6, "查办机构", DutyType.SUPERVISION.value, body, rel, None)
    no_posting: list[str] = []
    for rec in records:
        o = rec["officer"]
        if o is None:
            continue
        badge = o.get("badge_no")
        links = list(rec["involvements"])
        roles = _join([link.get("role") for link in links]) or ""
        add(1, f"涉案民警（{roles}）", DIRECT, o, rec["involvement"], badge, allegation_facts(links))
        for link in links[1:]:
            col.add_rel(link)
        if rec["unit"] is None:
            no_posting.append(badge)
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
    presence = data_presence(driver, database)
    notes = list(w.notes)
    if not officers:
        notes.append("案件没有涉案民警数据，责任链无从追溯。")
    if no_posting:
        notes.append(
            f"{len(no_posting)} 名涉案民警没有当前任职数据（{'、'.join(no_posting[:10])}），"
            "其单位、支部、分管领导和监督机构无从追溯。"
        )
    for key, text in (
        ("heads", "单位负责人"),
        ("in_charge", "分管领导"),
        ("committee_seats", "党委班子成员"),
        ("secretaries", "支部书记"),
        ("supervisions", "监督关系"),
    ):
        if officers and not presence.get(key):
            notes.append(f"未导入{text}数据，责任链缺少这一环。")
    if officers and not any(r["finding"] for r in rows):
        notes.append("涉案记录没有认定结果（finding），无法说明每名民警被查实的问题。")
    return QueryResult(
        columns=COLUMNS,
        rows=rows,
        nodes=col.nodes,
        edges=col.edges,
        notes=notes,
        summary={
            "case_no": p.case_no,
            "officers": officers,
            **w.summary(),
            "responsibilities": sorted({r["responsibility"] for r in rows if r["responsibility"]}),
        },
    )


register(
    QueryDef(
        name="accountability_chain",
        title="案件责任链（四责协同）",
        description="一个案件从涉案民警到所在单位和负责人、党支部和书记、分管的党委班子成员（本单位或最近上级单位）、"
        "党委和书记、监督机构的责任链，标明每一方的责任类型（主体责任、监督责任、第一责任人责任、一岗双责），"
        "以及每名涉案民警被反映的问题、认定结果和处理（每项问题一条涉及记录），并给出自上而下展示用的节点和关系。",
        params=ChainParams,
        run=run_chain,
        scopes=frozenset({"cases", "officers", "org"}),
        entity="Case",
        columns=tuple(COLUMNS),
        cypher=("accountability_chain", "data_as_of", "data_presence"),
    )
)
