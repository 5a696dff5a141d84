"""Cypher for bulk upserts, generated from the schema (cartography-style query builder).

Only schema identifiers enter the query text, backtick-quoted with ``graph.constraints.q``;
every value travels as a parameter. A row holds the
validated fields by name: the node key, or both endpoint fields and the relationship's key
properties, plus the properties of the columns present in the file. Only those columns are
SET, so a partial export never overwrites what another export set; ``$defaults`` (defaults of
the columns a file lacks) are set only when the entity is created. Explicit ``SET x.p = row.p``
(rather than ``SET x += map``) lets the planner see that the key is never written, so the plan
has no Eager step.
"""

from __future__ import annotations

from functools import cache

from graph.constraints import q
from graph.schema import CHANGE_STAMP, INTERNAL_LABELS, PROVENANCE_PROPS, NodeSpec, RelSpec, node_spec

__all__ = ["node_merge", "rel_merge", "key_lookup", "ingest_run_merge"]

_RUN, _FILE = PROVENANCE_PROPS


def _stamp(var: str) -> str:
    return f"{var}.{q(_RUN)} = $run_id, {var}.{q(_FILE)} = $source_file"


def _changed(var: str, props: tuple[str, ...]) -> str:
    """Set the change stamp first (SET items apply in order): only when a value differs."""
    differs = " OR ".join(f"NOT coalesce({var}.{q(p)} = row.{q(p)}, {var}.{q(p)} IS NULL AND row.{q(p)} IS NULL)"
                          for p in props)
    cond = f"{var}.{q(CHANGE_STAMP)} IS NULL" + (f" OR {differs}" if differs else "")
    return f"{var}.{q(CHANGE_STAMP)} = CASE WHEN {cond} THEN $run_id ELSE {var}.{q(CHANGE_STAMP)} END"


def _sets(var: str, props: tuple[str, ...], defaults: tuple[str, ...]) -> str:
    on_create = ", ".join(f"{var}.{q(p)} = $defaults.{q(p)}" for p in defaults)
    sets = ", ".join([_changed(var, props)] + [f"{var}.{q(p)} = row.{q(p)}" for p in props] + [_stamp(var)])
    return (f"ON CREATE SET {on_create}\n" if on_create else "") + f"SET {sets}"


@cache
def node_merge(spec: NodeSpec, props: tuple[str, ...], defaults: tuple[str, ...] = ()) -> str:
    """Upsert nodes from rows holding the key field and ``props`` (explicit SETs: no Eager in the plan)."""
    return (
        "UNWIND $rows AS row\n"
        f"MERGE (n:{q(spec.label)} {{{q(spec.key)}: row.{q(spec.key)}}})\n"
        + _sets("n", props, defaults)
    )


@cache
def rel_merge(spec: RelSpec, props: tuple[str, ...], defaults: tuple[str, ...] = ()) -> str:
    """Upsert relationships from rows holding both endpoint fields, the key props and ``props``."""
    src, dst = node_spec(spec.from_label), node_spec(spec.to_label)
    keys = ", ".join(f"{q(k)}: row.{q(k)}" for k in spec.key_props)
    rel = f"[r:{q(spec.type)}" + (f" {{{keys}}}" if keys else "") + "]"
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (a:{q(src.label)} {{{q(src.key)}: row.{q(spec.from_field)}}})\n"
        f"MATCH (b:{q(dst.label)} {{{q(dst.key)}: row.{q(spec.to_field)}}})\n"
        f"MERGE (a)-{rel}->(b)\n"
        + _sets("r", props, defaults) + "\n"
        "RETURN count(r) AS written"
    )


@cache
def key_lookup(label: str) -> str:
    """Which of ``$keys`` exist as nodes of ``label``."""
    key = node_spec(label).key
    return f"UNWIND $keys AS k MATCH (n:{q(label)} {{{q(key)}: k}}) RETURN n.{q(key)} AS k"


def ingest_run_merge() -> str:
    run = next(i for i in INTERNAL_LABELS if i.label == "IngestRun")
    return f"MERGE (r:{q(run.label)} {{{q(run.key)}: $run_id}}) SET r += $props"
