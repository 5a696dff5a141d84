"""Turn validated rows into write rows and write them in batched, retried transactions.

Duplicate rows within a file (same node key, or same endpoints and relationship key
properties) collapse to the last one. Relationship rows whose endpoint exists neither in the
graph nor among the nodes of this run are rejected, so no ghost node is ever created.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import neo4j

from graph.schema import NodeSpec, RelSpec, derived_key_value, node_spec
from ingest.columns import InputSpec
from ingest.querybuilder import key_lookup, node_merge, rel_merge
from ingest.validate import Reject, ValidRow

__all__ = ["Prepared", "prepare_nodes", "prepare_rels", "existing_keys", "write_rows", "DEFAULT_BATCH_SIZE"]

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 10_000
LOOKUP_CHUNK = 50_000


def _value(v: Any) -> Any:
    return v.value if isinstance(v, enum.Enum) else v


@dataclass
class Prepared:
    """Write rows of one file, the defaults for its absent columns and its duplicate count."""

    rows: list[dict[str, Any]]
    props: tuple[str, ...]  # properties SET from each row (the columns present)
    defaults: dict[str, Any]
    duplicates: int


def _defaults(spec: InputSpec, present: set[str], skip: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    skipped = set(skip)
    for name, info in spec.model.model_fields.items():
        if name in present or name in skipped or info.is_required() or info.default is None:
            continue
        out[name] = _value(info.default)
    return out


def prepare_nodes(spec: InputSpec, valid: Sequence[ValidRow], present: set[str]) -> Prepared:
    ns = spec.spec
    assert isinstance(ns, NodeSpec)
    props = tuple(f for f in spec.model.model_fields if f in present and f != ns.key)
    fields = (ns.key, *props)
    by_key: dict[Any, dict[str, Any]] = {}
    for _, rec in valid:
        by_key[getattr(rec, ns.key)] = {f: _value(getattr(rec, f)) for f in fields}
    return Prepared(
        list(by_key.values()), props, _defaults(spec, present, (ns.key,)), len(valid) - len(by_key)
    )


def prepare_rels(
    spec: InputSpec,
    valid: Sequence[ValidRow],
    present: set[str],
    known_from: set[Any],
    known_to: set[Any],
    file: str,
    original: Callable[[int], dict[str, str]],
    headers: dict[str, str],
) -> tuple[Prepared, list[Reject]]:
    """Rows whose endpoints are in ``known_from``/``known_to``; the others become rejects."""
    rs = spec.spec
    assert isinstance(rs, RelSpec)
    ends = (rs.from_field, rs.to_field)
    merge = rs.merge_keys
    direct = tuple(k for k, stored in merge.items() if stored == k)
    derived = {k: stored for k, stored in merge.items() if stored != k}
    props = tuple(f for f in spec.model.model_fields if f in present and f not in ends and f not in direct)
    fields = tuple(dict.fromkeys((*ends, *rs.key_props, *props)))
    identity = (*ends, *merge.values())
    src, dst = node_spec(rs.from_label), node_spec(rs.to_label)
    by_id: dict[tuple[Any, ...], dict[str, Any]] = {}
    rejects: list[Reject] = []
    kept = 0
    for line, rec in valid:
        a, b = getattr(rec, rs.from_field), getattr(rec, rs.to_field)
        missing = []
        if a not in known_from:
            missing.append((rs.from_field, src, a))
        if b not in known_to:
            missing.append((rs.to_field, dst, b))
        if missing:
            rejects.append(
                Reject(
                    file,
                    line,
                    "; ".join(headers.get(f, f) for f, _, _ in missing),
                    "; ".join(
                        f"引用的{n.title}不存在（图中和本次导入中都没有）/ unknown {n.label} {n.key}={v!r}: "
                        "not in the graph nor in this run"
                        for _, n, v in missing
                    ),
                    original(line),
                )
            )
            continue
        row = {f: _value(getattr(rec, f)) for f in fields}
        for k, stored in derived.items():
            row[stored] = derived_key_value(row[k])
        by_id[tuple(row[f] for f in identity)] = row
        kept += 1
    return Prepared(
        list(by_id.values()), props, _defaults(spec, present, (*ends, *rs.key_props)), kept - len(by_id)
    ), rejects


def existing_keys(driver: neo4j.Driver, database: str, label: str, keys: Iterable[Any]) -> set[Any]:
    """The subset of ``keys`` that exist as ``label`` nodes in the graph (bulk lookup)."""
    wanted = list(keys)
    found: set[Any] = set()
    query = key_lookup(label)
    for i in range(0, len(wanted), LOOKUP_CHUNK):
        records, _, _ = driver.execute_query(
            query,
            {"keys": wanted[i : i + LOOKUP_CHUNK]},
            database_=database,
            routing_=neo4j.RoutingControl.READ,
        )
        found.update(r["k"] for r in records)
    return found


def write_rows(
    driver: neo4j.Driver,
    database: str,
    spec: InputSpec,
    prepared: Prepared,
    *,
    run_id: str,
    source_file: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Write in batches of ``batch_size`` (each its own managed, retried transaction).

    Returns the number of rows written; for relationships, counted by the database.
    """
    is_node = spec.kind == "node"
    build = node_merge if is_node else rel_merge
    query = build(spec.spec, prepared.props, tuple(prepared.defaults))  # type: ignore[arg-type]
    written = 0
    rows = prepared.rows
    for i in range(0, len(rows), batch_size):
        batch = rows[i : i + batch_size]
        params = {"rows": batch, "defaults": prepared.defaults, "run_id": run_id, "source_file": source_file}
        records, _, _ = driver.execute_query(query, params, database_=database)
        n = len(batch) if is_node else int(records[0]["written"])
        if n != len(batch):
            log.error("%s: batch at row %d wrote %d of %d rows", source_file, i, n, len(batch))
        written += n
        if on_batch:
            on_batch(len(batch))
    return written
