"""Uniqueness constraints and indexes, generated from the schema and applied idempotently."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import neo4j
from neo4j.exceptions import Neo4jError

from graph.schema import INTERNAL_LABELS, NODE_SPECS, ORDER_NODE_SPECS, REL_SPECS, RelSpec, node_spec

log = logging.getLogger(__name__)


def q(name: str) -> str:
    """Backtick-quote a schema identifier (labels, types, properties come only from the schema)."""
    return "`" + name.replace("`", "``") + "`"


def rel_slots(spec: RelSpec) -> dict[str, str]:
    """The quoted schema names a relationship template (``.cypher`` with slots) is filled with."""
    return {
        "from_label": q(spec.from_label),
        "rel_type": q(spec.type),
        "to_label": q(spec.to_label),
        "from_key": q(node_spec(spec.from_label).key),
        "to_key": q(node_spec(spec.to_label).key),
    }


@dataclass(frozen=True)
class SchemaStatement:
    name: str
    kind: str  # "constraint" | "index"
    cypher: str


def schema_statements() -> list[SchemaStatement]:
    out: list[SchemaStatement] = []
    keyed = [(n.label, n.key, n.indexes) for n in (*NODE_SPECS, *ORDER_NODE_SPECS)]
    keyed += [(i.label, i.key, i.indexes) for i in INTERNAL_LABELS]
    for label, key, indexes in keyed:
        name = f"constraint_unique_{label}_{key}"
        out.append(
            SchemaStatement(
                name,
                "constraint",
                f"CREATE CONSTRAINT {q(name)} IF NOT EXISTS FOR (n:{q(label)}) REQUIRE n.{q(key)} IS UNIQUE",
            )
        )
        for prop in indexes:
            iname = f"index_{label}_{prop}"
            out.append(
                SchemaStatement(
                    iname,
                    "index",
                    f"CREATE INDEX {q(iname)} IF NOT EXISTS FOR (n:{q(label)}) ON (n.{q(prop)})",
                )
            )
    for rel in REL_SPECS:
        for prop in rel.indexed_props:
            iname = f"index_{rel.type}_{prop}"
            out.append(
                SchemaStatement(
                    iname,
                    "index",
                    f"CREATE INDEX {q(iname)} IF NOT EXISTS FOR ()-[r:{q(rel.type)}]-() ON (r.{q(prop)})",
                )
            )
    return out


def existing_schema(driver: neo4j.Driver, database: str) -> set[str]:
    names: set[str] = set()
    for show in ("SHOW CONSTRAINTS YIELD name", "SHOW INDEXES YIELD name"):
        records, _, _ = driver.execute_query(
            show + " RETURN name", database_=database, routing_=neo4j.RoutingControl.READ
        )
        names.update(r["name"] for r in records)
    return names


def apply_schema(driver: neo4j.Driver, database: str) -> list[str]:
    """Create what is missing; return the names created (empty on a second run)."""
    before = existing_schema(driver, database)
    for st in schema_statements():
        driver.execute_query(st.cypher, database_=database)
    driver.execute_query("CALL db.awaitIndexes(300)", database_=database)
    return sorted({s.name for s in schema_statements()} - before)


def refresh_statistics(driver: neo4j.Driver, database: str, timeout_s: int = 300) -> bool:
    """After a load: resample the indexes, wait for it, and clear the plan cache, so that the next
    queries are planned on the loaded graph (``db.prepareForReplanning``). Otherwise a query
    planned soon after a load may use index samples taken while the store was empty: a city
    ``political_ecosystem`` once ran 8.6 s a call instead of 0.2 s right after a fresh load.
    The procedure needs an admin user; without one the resampling is only scheduled. Returns
    whether the statistics are known to be fresh; never fails the caller."""
    try:
        driver.execute_query("CALL db.prepareForReplanning($timeout)", timeout=timeout_s, database_=database)
        return True
    except Neo4jError as e:
        log.info("db.prepareForReplanning not run (%s); scheduling an index resample instead", e.code)
    try:
        driver.execute_query("CALL db.resampleOutdatedIndexes()", database_=database)
    except Neo4jError as e:
        log.warning("index statistics not refreshed after the load: %s", e)
    return False
