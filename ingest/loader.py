"""Turn validated rows into write rows and write them in batched, retried transactions.

Duplicate rows within a file (same node key, or same endpoints and relationship key
properties) collapse to the last one. Relationship rows whose endpoint exists neither in the
graph nor among the nodes of this run are rejected, so no ghost node is ever created.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import operator
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import neo4j

from graph.schema import NodeSpec, RelSpec, derived_key_value, node_spec
from ingest.columns import InputSpec
from ingest.querybuilder import key_lookup, label_counts, node_create, node_merge, rel_create, rel_merge
from ingest.validate import Reject, ValidRow

__all__ = [
    "Prepared",
    "NodeRows",
    "RelRows",
    "prepare_nodes",
    "existing_keys",
    "node_counts",
    "batch_writes",
    "wire_value",
    "write_batch",
    "run_write",
    "DEFAULT_BATCH_SIZE",
]

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 10_000
LOOKUP_CHUNK = 50_000


def _value(v: Any) -> Any:
    return v.value if isinstance(v, enum.Enum) else v


def wire_value(v: Any) -> Any:
    """A row value as it is sent: enums as their value, dates as ISO text (the generated Cypher
    turns them back into dates: ``ingest.querybuilder.row_value``; the driver's own date
    encoding costs more per value than Neo4j's parsing)."""
    v = _value(v)
    return v.isoformat() if isinstance(v, dt.date) else v


@dataclass
class Prepared:
    """Write rows of one file, the defaults for its absent columns and its duplicate count."""

    rows: list[dict[str, Any]]
    props: tuple[str, ...]  # properties SET from each row (the columns present)
    defaults: dict[str, Any]
    duplicates: int


def absent_defaults(spec: InputSpec, present: set[str], skip: Iterable[str]) -> dict[str, Any]:
    """Defaults of the columns a file lacks (set only when the entity is created)."""
    out: dict[str, Any] = {}
    skipped = set(skip)
    for name, info in spec.model.model_fields.items():
        if name in present or name in skipped or info.is_required() or info.default is None:
            continue
        out[name] = _value(info.default)
    return out


class NodeRows:
    """Collects the write rows of a node file as its rows are validated (one dict per key)."""

    def __init__(self, spec: InputSpec, present: set[str]) -> None:
        ns = spec.spec
        assert isinstance(ns, NodeSpec)
        self.spec, self.key = spec, ns.key
        self.props = tuple(f for f in spec.model.model_fields if f in present and f != ns.key)
        self.fields = (ns.key, *self.props)
        self.defaults = absent_defaults(spec, present, (ns.key,))
        self.by_key: dict[Any, dict[str, Any]] = {}
        self.valid = 0

    def add(self, rec: Any) -> None:
        self.valid += 1
        self.by_key[getattr(rec, self.key)] = {f: wire_value(getattr(rec, f)) for f in self.fields}

    def prepared(self) -> Prepared:
        return Prepared(list(self.by_key.values()), self.props, self.defaults, self.valid - len(self.by_key))


def prepare_nodes(spec: InputSpec, valid: Iterable[ValidRow], present: set[str]) -> Prepared:
    rows = NodeRows(spec, present)
    for _, rec in valid:
        rows.add(rec)
    return rows.prepared()


class RelRows:
    """Collects the write rows of a relationship file as its rows are validated; ``prepared``
    then keeps those whose endpoints are known and turns the others into rejects."""

    def __init__(self, spec: InputSpec, present: set[str]) -> None:
        rs = spec.spec
        assert isinstance(rs, RelSpec)
        self.spec, self.rs = spec, rs
        ends = (rs.from_field, rs.to_field)
        merge = rs.merge_keys
        direct = tuple(k for k, stored in merge.items() if stored == k)
        self.derived = {k: stored for k, stored in merge.items() if stored != k}
        self.props = tuple(
            f for f in spec.model.model_fields if f in present and f not in ends and f not in direct
        )
        self.fields = tuple(dict.fromkeys((*ends, *rs.key_props, *self.props)))
        self.identity = (*ends, *merge.values())
        self.defaults = absent_defaults(spec, present, (*ends, *rs.key_props))
        self.rows: list[tuple[int, dict[str, Any]]] = []
        self.from_keys: set[Any] = set()
        self.to_keys: set[Any] = set()

    def add(self, line: int, rec: Any) -> dict[str, Any]:
        row = {f: wire_value(getattr(rec, f)) for f in self.fields}
        for k, stored in self.derived.items():
            row[stored] = derived_key_value(row[k])
        self.rows.append((line, row))
        self.from_keys.add(row[self.rs.from_field])
        self.to_keys.add(row[self.rs.to_field])
        return row

    def prepared(
        self,
        known_from: set[Any],
        known_to: set[Any],
        file: str,
        original: Callable[[int], dict[str, str]],
        headers: dict[str, str],
    ) -> tuple[Prepared, list[Reject]]:
        """Rows whose endpoints are in ``known_from``/``known_to``; the others become rejects."""
        rs = self.rs
        src, dst = node_spec(rs.from_label), node_spec(rs.to_label)
        by_id: dict[tuple[Any, ...], dict[str, Any]] = {}
        rejects: list[Reject] = []
        kept = 0
        for line, row in self.rows:
            a, b = row[rs.from_field], row[rs.to_field]
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
            by_id[tuple(row[f] for f in self.identity)] = row
            kept += 1
        self.rows = []
        # Ordered by the endpoint with fewer distinct keys (the one many rows share), so that
        # concurrent batches (ingest.writer) share few endpoints and seldom wait for each other's locks.
        ends = (rs.from_field, rs.to_field)
        denser = ends if len(self.from_keys) <= len(self.to_keys) else ends[::-1]
        rows = sorted(by_id.values(), key=operator.itemgetter(*denser))
        return Prepared(rows, self.props, self.defaults, kept - len(by_id)), rejects


def node_counts(driver: neo4j.Driver, database: str, labels: tuple[str, ...]) -> dict[str, int]:
    """The node count of each of ``labels``, in one read of Neo4j's count store (no scan): a
    label without nodes needs no key lookup. A label the store has never seen counts 0 (Neo4j
    5.26 returns no row at all for its branch of the union)."""
    records, _, _ = driver.execute_query(
        label_counts(labels), {"labels": list(labels)}, database_=database, routing_=neo4j.RoutingControl.READ
    )
    found = {r["label"]: int(r["c"]) for r in records}
    return {label: found.get(label, 0) for label in labels}


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


def batch_writes(
    driver: neo4j.Driver,
    database: str,
    spec: InputSpec,
    prepared: Prepared,
    *,
    run_id: str,
    source_file: str,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
    is_new: Callable[[dict[str, Any]], bool] | None = None,
) -> list[Callable[[], int]]:
    """The file's writes as batches of ``batch_size`` rows, each its own managed, retried
    transaction, to run in any order or side by side (``ingest.writer``); each returns the
    number of rows it wrote (for relationships, counted by the database).

    ``is_new`` tells the rows the run knows cannot exist in the graph yet (their node key was
    looked up and not found, or an endpoint was created by this run): those are written with
    CREATE, the rest with MERGE (relationship rows come ordered by their denser endpoint:
    ``RelRows.prepared``).
    """
    is_node = spec.kind == "node"
    args = (spec.spec, prepared.props, tuple(prepared.defaults))
    merge = (node_merge if is_node else rel_merge)(*args)  # type: ignore[arg-type]
    create = (node_create if is_node else rel_create)(*args)  # type: ignore[arg-type]
    fresh: list[dict[str, Any]] = []
    known: list[dict[str, Any]] = []
    for row in prepared.rows:
        (fresh if is_new is not None and is_new(row) else known).append(row)
    common = {"defaults": prepared.defaults, "run_id": run_id, "source_file": source_file}

    def write(query: str, batch: list[dict[str, Any]], first: int) -> Callable[[], int]:
        def run() -> int:
            n = write_batch(driver, database, query, merge, {"rows": batch, **common}, is_node)
            if n != len(batch):
                log.error("%s: batch at row %d wrote %d of %d rows", source_file, first, n, len(batch))
            if on_batch:
                on_batch(len(batch))
            return n

        return run

    return [
        write(query, part[i : i + batch_size], i)
        for query, part in ((create, fresh), (merge, known))
        for i in range(0, len(part), batch_size)
    ]


def write_batch(
    driver: neo4j.Driver, database: str, query: str, merge: str, params: dict[str, Any], is_node: bool
) -> int:
    """Run one batch's write; a CREATE that meets a key another writer created since the lookup
    is redone as the MERGE ``merge``. Returns the rows written."""
    try:
        records = run_write(driver, database, query, params)
    except neo4j.exceptions.ConstraintError:
        if query == merge:
            raise
        records = run_write(driver, database, merge, params)
    return len(params["rows"]) if is_node else int(records[0]["written"])


RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8)
"""Seconds before each retry of a write that failed with a retryable error (≈ 25 s in all)."""


def run_write(driver: neo4j.Driver, database: str, query: str, params: dict[str, Any]) -> list[neo4j.Record]:
    """Run one write in its own transaction and return its records, retrying what Neo4j calls
    retryable (a deadlock between concurrent batches, a lost connection).

    The driver's managed transactions would too, but wait a whole second before the first retry:
    concurrent batches that create relationships on the same officers or units can deadlock
    (Neo4j rolls one back), and a fresh server's slower transactions overlap more, so a first
    ingest lost about a second to the wait. The first retry here comes after 50 ms."""
    for delay in (*RETRY_DELAYS, None):
        try:
            with driver.session(
                database=database,
                default_access_mode=neo4j.WRITE_ACCESS,
                bookmark_manager=driver.execute_query_bookmark_manager,
            ) as session:
                with session.begin_transaction() as tx:
                    records = list(tx.run(query, params))  # type: ignore[arg-type]
                    tx.commit()
                    return records
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as e:
            if delay is None or not e.is_retryable():
                raise
            log.info("write retried in %.2f s: %s", delay, getattr(e, "code", type(e).__name__))
            time.sleep(delay * random.uniform(0.8, 1.2))
    raise AssertionError("unreachable")
