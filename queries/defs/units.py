"""``unit_subtree``: a unit and every unit below it (the scope of a unit's bulletin); ``unit_tree``:
every unit and its parent (the tree the views draw, its root found in the data)."""

from __future__ import annotations

import neo4j
from pydantic import Field

from graph.errors import NotFound
from graph.shape import EntityCollector
from queries.common import Params, record_rows, run_cypher
from queries.registry import QueryDef, QueryResult, load_cypher, register


class SubtreeParams(Params):
    unit_code: str = Field(..., min_length=1, max_length=64, title="单位编码")


def run_subtree(driver: neo4j.Driver, database: str, p: SubtreeParams) -> QueryResult:
    rows = record_rows(run_cypher(driver, database, "unit_subtree", p.model_dump()))
    if not rows:
        raise NotFound(f"没有单位 {p.unit_code!r} / no unit with code {p.unit_code!r}")
    return QueryResult(
        columns=list(load_cypher("unit_subtree").columns),
        rows=rows,
        summary={"unit_code": p.unit_code, "unit": rows[0]["name"], "units": len(rows)},
    )


register(
    QueryDef(
        name="unit_subtree",
        title="单位及下属单位",
        description="一个单位（需要单位编码）及其全部下属单位，按层级深度排列；用于按单位出具通报等需要单位范围的场合。",
        params=SubtreeParams,
        run=run_subtree,
        scopes=frozenset({"org"}),
        entity="Unit",
        aggregate=True,
        columns=load_cypher("unit_subtree").columns,
        cypher=("unit_subtree",),
    )
)


class TreeParams(Params):
    pass


TREE_COLUMNS = load_cypher("unit_tree").columns


def run_tree(driver: neo4j.Driver, database: str, p: TreeParams) -> QueryResult:
    col = EntityCollector()
    rows = []
    for rec in run_cypher(driver, database, "unit_tree", {}):
        col.add_node(rec["u"])
        col.add_node(rec["p"])
        col.add_rel(rec["r"])
        rows.append({c: rec[c] for c in TREE_COLUMNS})
    roots = sorted({r["code"] for r in rows if r["parent_code"] is None and r["children"]})
    return QueryResult(
        columns=list(TREE_COLUMNS),
        rows=rows,
        nodes=col.nodes,
        edges=col.edges,
        summary={"units": len({r["code"] for r in rows}), "roots": roots},
    )


register(
    QueryDef(
        name="unit_tree",
        title="单位树",
        description="全部单位及其上级单位；没有上级而有下级的单位是树根（summary.roots）。视图据此画单位树、找分局。",
        params=TreeParams,
        run=run_tree,
        scopes=frozenset({"org"}),
        aggregate=True,
        columns=TREE_COLUMNS,
        cypher=("unit_tree",),
    )
)
