"""Cypher for bulk upserts, generated from the schema (cartography-style query builder).

Only schema identifiers enter the query text, backtick-quoted with ``graph.constraints.q``;
every value travels as a parameter. Rows have the shapes

* nodes: ``{"key": …, "props": {…}}``
* relationships: ``{"from": …, "to": …, "k": {key props}, "props": {…}}``

``$defaults`` (defaults of the columns a file lacks) are set only when the entity is created,
so a partial export never overwrites what another export set.
"""

from __future__ import annotations

from functools import lru_cache

from graph.constraints import q
from graph.schema import INTERNAL_LABELS, PROVENANCE_PROPS, NodeSpec, RelSpec, node_spec

__all__ = ["node_merge", "rel_merge", "key_lookup", "ingest_run_merge"]

_RUN, _FILE = PROVENANCE_PROPS


def _stamp(var: str) -> str:
    return f"{var}.{q(_RUN)} = $run_id, {var}.{q(_FILE)} = $source_file"


@lru_cache(maxsize=None)
def node_merge(spec: NodeSpec) -> str:
    return (
        "UNWIND $rows AS row\n"
        f"MERGE (n:{q(spec.label)} {{{q(spec.key)}: row.key}})\n"
        "ON CREATE SET n += $defaults\n"
        f"SET n += row.props, {_stamp('n')}"
    )


@lru_cache(maxsize=None)
def rel_merge(spec: RelSpec) -> str:
    src, dst = node_spec(spec.from_label), node_spec(spec.to_label)
    keys = ", ".join(f"{q(k)}: row.k.{q(k)}" for k in spec.key_props)
    rel = f"[r:{q(spec.type)}" + (f" {{{keys}}}" if keys else "") + "]"
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (a:{q(src.label)} {{{q(src.key)}: row.from}})\n"
        f"MATCH (b:{q(dst.label)} {{{q(dst.key)}: row.to}})\n"
        f"MERGE (a)-{rel}->(b)\n"
        "ON CREATE SET r += $defaults\n"
        f"SET r += row.props, {_stamp('r')}\n"
        "RETURN count(r) AS written"
    )


@lru_cache(maxsize=None)
def key_lookup(label: str) -> str:
    """Which of ``$keys`` exist as nodes of ``label``."""
    key = node_spec(label).key
    return f"UNWIND $keys AS k MATCH (n:{q(label)} {{{q(key)}: k}}) RETURN n.{q(key)} AS k"


def ingest_run_merge() -> str:
    run = next(i for i in INTERNAL_LABELS if i.label == "IngestRun")
    return f"MERGE (r:{q(run.label)} {{{q(run.key)}: $run_id}}) SET r += $props"
