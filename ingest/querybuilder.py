"""Cypher for bulk upserts, generated from the schema (cartography-style query builder).

Only schema identifiers enter the query text, backtick-quoted with ``graph.constraints.q``;
every value travels as a parameter; dates travel as ISO text and ``row_value`` turns them back
into dates (``date(row.p)``). A row holds the
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
from graph.schema import (
    CHANGE_STAMP,
    INTERNAL_LABELS,
    PROVENANCE_PROPS,
    RENAMED_REL_PROPS,
    SNAPSHOT_PROPS,
    NodeSpec,
    Record,
    RelSpec,
    node_spec,
)
from ingest.columns import field_type

__all__ = [
    "node_merge",
    "node_create",
    "rel_merge",
    "rel_create",
    "key_lookup",
    "ingest_run_merge",
    "snapshot_end",
    "reopen_listed",
    "label_counts",
    "ended_types",
    "upgrade_state",
    "upgrade_statements",
    "mark_interrupted",
]

_RUN, _FILE = PROVENANCE_PROPS


def row_value(model: type[Record], p: str) -> str:
    """The Cypher value of the row's field ``p``: ``date(row.p)`` for a date field (sent as ISO
    text by ``ingest.loader``), ``row.p`` otherwise (derived keys are text)."""
    info = model.model_fields.get(p)
    ref = f"row.{q(p)}"
    return f"date({ref})" if info is not None and field_type(info).kind == "date" else ref


def _stamp(var: str) -> str:
    return f"{var}.{q(_RUN)} = $run_id, {var}.{q(_FILE)} = $source_file"


def _changed(model: type[Record], var: str, props: tuple[str, ...]) -> str:
    """Set the change stamp first (SET items apply in order): only when a value differs."""
    differs = " OR ".join(
        f"NOT coalesce({var}.{q(p)} = {row_value(model, p)}, {var}.{q(p)} IS NULL AND row.{q(p)} IS NULL)"
        for p in props
    )
    cond = f"{var}.{q(CHANGE_STAMP)} IS NULL" + (f" OR {differs}" if differs else "")
    return f"{var}.{q(CHANGE_STAMP)} = CASE WHEN {cond} THEN $run_id ELSE {var}.{q(CHANGE_STAMP)} END"


def _sets(model: type[Record], var: str, props: tuple[str, ...], defaults: tuple[str, ...]) -> str:
    on_create = ", ".join(f"{var}.{q(p)} = $defaults.{q(p)}" for p in defaults)
    sets = ", ".join(
        [_changed(model, var, props)]
        + [f"{var}.{q(p)} = {row_value(model, p)}" for p in props]
        + [_stamp(var)]
    )
    return (f"ON CREATE SET {on_create}\n" if on_create else "") + f"SET {sets}"


@cache
def node_merge(spec: NodeSpec, props: tuple[str, ...], defaults: tuple[str, ...] = ()) -> str:
    """Upsert nodes from rows holding the key field and ``props`` (explicit SETs: no Eager in the plan)."""
    return f"UNWIND $rows AS row\nMERGE (n:{q(spec.label)} {{{q(spec.key)}: row.{q(spec.key)}}})\n" + _sets(
        spec.model, "n", props, defaults
    )


@cache
def node_create(spec: NodeSpec, props: tuple[str, ...], defaults: tuple[str, ...] = ()) -> str:
    """Create nodes the run has looked up and found absent: what ``node_merge`` does when it
    creates, without the per-row index seek and lock of MERGE (the constraint still guards the key)."""
    return (
        f"UNWIND $rows AS row\nCREATE (n:{q(spec.label)} {{{q(spec.key)}: row.{q(spec.key)}}})\n"
        + _created_sets(spec.model, "n", props, defaults)
    )


def _created_sets(model: type[Record], var: str, props: tuple[str, ...], defaults: tuple[str, ...]) -> str:
    """The SETs of a created entity: defaults, the change stamp (always this run), the row, the stamp."""
    items = [f"{var}.{q(p)} = $defaults.{q(p)}" for p in defaults]
    items += [f"{var}.{q(CHANGE_STAMP)} = $run_id"] + [f"{var}.{q(p)} = {row_value(model, p)}" for p in props]
    return "SET " + ", ".join([*items, _stamp(var)])


def _rel_write(spec: RelSpec, verb: str, sets: str) -> str:
    """Match both endpoints by key, then ``verb`` (MERGE or CREATE) the relationship and ``sets``."""
    src, dst = node_spec(spec.from_label), node_spec(spec.to_label)
    keys = ", ".join(f"{q(k)}: {row_value(spec.model, k)}" for k in spec.merge_keys.values())
    rel = f"[r:{q(spec.type)}" + (f" {{{keys}}}" if keys else "") + "]"
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (a:{q(src.label)} {{{q(src.key)}: row.{q(spec.from_field)}}})\n"
        f"MATCH (b:{q(dst.label)} {{{q(dst.key)}: row.{q(spec.to_field)}}})\n"
        f"{verb} (a)-{rel}->(b)\n" + sets + "\n"
        "RETURN count(r) AS written"
    )


@cache
def rel_merge(spec: RelSpec, props: tuple[str, ...], defaults: tuple[str, ...] = ()) -> str:
    """Upsert relationships from rows holding both endpoint fields, the merge keys and ``props``.

    Optional key fields merge through their derived key (``RelSpec.merge_keys``) and are SET
    like any other property when their column is present."""
    return _rel_write(spec, "MERGE", _sets(spec.model, "r", props, defaults))


@cache
def rel_create(spec: RelSpec, props: tuple[str, ...], defaults: tuple[str, ...] = ()) -> str:
    """Create relationships that cannot exist yet (an endpoint was created by this run): what
    ``rel_merge`` does when it creates, without scanning the endpoints' relationships."""
    return _rel_write(spec, "CREATE", _created_sets(spec.model, "r", props, defaults))


@cache
def key_lookup(label: str) -> str:
    """Which of ``$keys`` exist as nodes of ``label``."""
    key = node_spec(label).key
    return f"UNWIND $keys AS k MATCH (n:{q(label)} {{{q(key)}: k}}) RETURN n.{q(key)} AS k"


_ENDED_BY = SNAPSHOT_PROPS[0]
_INGEST_RUN = next(i for i in INTERNAL_LABELS if i.label == "IngestRun")


def label_counts(labels: tuple[str, ...]) -> str:
    """Node count of each of ``labels`` in one read (Neo4j's count store: no scan); row ``i``
    is ``$labels[i]``."""
    return "\nUNION ALL\n".join(
        f"MATCH (n:{q(label)}) RETURN $labels[{i}] AS label, count(n) AS c" for i, label in enumerate(labels)
    )


def ended_types(specs: tuple[RelSpec, ...]) -> str:
    """The relationship types of ``specs`` (``$types``, in the same order) that have a relationship
    a snapshot ended (``SNAPSHOT_PROPS``), in one read through the index on that property."""
    return "\nUNION ALL\n".join(
        f"MATCH ()-[r:{q(s.type)}]->() WHERE r.{q(_ENDED_BY)} IS NOT NULL WITH r LIMIT 1 RETURN $types[{i}] AS type"
        for i, s in enumerate(specs)
    )


def ingest_run_merge() -> str:
    return f"MERGE (r:{q(_INGEST_RUN.label)} {{{q(_INGEST_RUN.key)}: $run_id}}) SET r += $props"


def upgrade_state() -> str:
    """The relationship count (``rels``) and the ``graph_upgrade`` fingerprint recorded by the
    latest completed run (``upgrade``; null when none has one): when the upgrade statements can
    be skipped."""
    return (
        "MATCH ()-[x]->() WITH count(x) AS rels "
        f"OPTIONAL MATCH (r:{q(_INGEST_RUN.label)}) WHERE r.status STARTS WITH 'completed' "
        "WITH rels, r ORDER BY r.started_at DESC LIMIT 1 RETURN rels, r.graph_upgrade AS upgrade"
    )


@cache
def snapshot_end(spec: RelSpec) -> str:
    """End the open relationships of ``spec`` loaded from the same input file by earlier runs
    and absent from this run (never delete them): ``end_date = $as_of``, stamped with the run."""
    return (
        f"MATCH ()-[r:{q(spec.type)}]->()\n"
        f"WHERE toLower(r.{q(_FILE)}) IN $files AND r.{q(_RUN)} <> $run_id AND r.`end_date` IS NULL\n"
        "  AND (r.`start_date` IS NULL OR r.`start_date` <= $as_of)\n"
        f"SET r.`end_date` = $as_of, r.{q(_ENDED_BY)} = $run_id, r.{q(CHANGE_STAMP)} = $run_id\n"
        "RETURN count(r) AS ended"
    )


@cache
def reopen_listed(spec: RelSpec, clear_end: bool) -> str:
    """Relationships a snapshot ended that this run lists again: reopen them (the file's own
    ``end_date`` stands when the file has that column)."""
    clear = f"SET r.`end_date` = null, r.{q(CHANGE_STAMP)} = $run_id\n" if clear_end else ""
    return (
        f"MATCH ()-[r:{q(spec.type)}]->()\n"
        f"WHERE r.{q(_RUN)} = $run_id AND r.{q(_ENDED_BY)} IS NOT NULL AND r.{q(_ENDED_BY)} <> $run_id\n"
        + clear
        + f"REMOVE r.{q(_ENDED_BY)}\nRETURN count(r) AS reopened"
    )


def upgrade_statements(specs: tuple[RelSpec, ...]) -> list[tuple[str, dict[str, object]]]:
    """Bring relationships written by earlier versions up to the current merge keys (idempotent):
    derived keys of optional key fields, defaults of defaulted key fields, renamed properties."""
    out: list[tuple[str, dict[str, object]]] = []
    for spec in specs:
        t = q(spec.type)
        for field, stored in spec.merge_keys.items():
            if stored != field:
                out.append(
                    (
                        f"MATCH ()-[r:{t}]->() WHERE r.{q(stored)} IS NULL "
                        f"SET r.{q(stored)} = CASE WHEN r.{q(field)} IS NULL THEN '' ELSE toString(r.{q(field)}) END",
                        {},
                    )
                )
            elif not spec.model.model_fields[field].is_required():
                default = spec.model.model_fields[field].default
                value = getattr(default, "value", default)
                if value is not None:
                    out.append(
                        (
                            f"MATCH ()-[r:{t}]->() WHERE r.{q(field)} IS NULL SET r.{q(field)} = $value",
                            {"value": value},
                        )
                    )
        for (rtype, old), new in RENAMED_REL_PROPS.items():
            if rtype == spec.type:
                out.append(
                    (
                        f"MATCH ()-[r:{t}]->() WHERE r.{q(old)} IS NOT NULL "
                        f"SET r.{q(new)} = coalesce(r.{q(new)}, r.{q(old)}) REMOVE r.{q(old)}",
                        {},
                    )
                )
    return out


def mark_interrupted() -> str:
    """Runs left ``running`` by a process that is gone (``$dead``: their run ids) become ``interrupted``."""
    return (
        f"MATCH (r:{q(_INGEST_RUN.label)}) WHERE r.{q(_INGEST_RUN.key)} IN $dead AND r.status = 'running' "
        "SET r.status = 'interrupted', r.interrupted_noted_at = $now RETURN r.run_id AS run_id"
    )
