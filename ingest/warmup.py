"""Warm a freshly started Neo4j for ingest: run every write the ingest job sends, then roll back.

A new JVM plans each generated ``UNWIND … CREATE/MERGE`` statement for the first time and runs
it interpreted until the JIT has compiled the hot paths, so the first ingest into a fresh server
was several times slower than the next. ``warm_up`` sends each node and relationship write of
the schema (CREATE and MERGE, every column present) with a few synthetic rows, in one
transaction that is rolled back: the graph is unchanged, the plans are cached and the code paths
compiled. Keys are prefixed with an invisible separator so they cannot meet real keys even
inside the rolled-back transaction.

``kg db start`` (and every command that starts the embedded server) runs it in a detached child
process once Bolt answers, so the start itself does not wait for it:
``python -m ingest.warmup HOME PORT``. It skips a store without the schema's constraints (a new
store: creating them would wait for its transactions), keeps each transaction short and stops
when an ingest run starts.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from pathlib import Path
from typing import Any

import neo4j

from graph.constraints import q
from graph.schema import INTERNAL_LABELS, NodeSpec
from ingest.columns import InputSpec, field_type, input_specs
from ingest.loader import absent_defaults, wire_value
from ingest.querybuilder import node_create, node_merge, rel_create, rel_merge

__all__ = ["warm_up", "has_schema", "ROWS", "ROUNDS"]

log = logging.getLogger(__name__)

ROWS = 200
"""Synthetic rows per statement."""
ROUNDS = 3
"""Each statement runs this many times (the JIT compiles what runs often)."""
_PREFIX = "\u2063warm-up-"


def _value(spec: InputSpec, name: str, i: int) -> Any:
    ft = field_type(spec.model.model_fields[name])
    if ft.kind == "date":
        return wire_value(dt.date(2024, 1, 1) + dt.timedelta(days=i % 365))
    if ft.kind == "int":
        return i
    if ft.kind == "bool":
        return i % 2 == 0
    if ft.kind == "enum" and ft.enum is not None:
        members = list(ft.enum)
        return members[i % len(members)].value
    return f"{_PREFIX}{i}"


def _key(i: int) -> str:
    return f"{_PREFIX}{i}"


def _node_rows(spec: InputSpec, props: tuple[str, ...], key: str) -> list[dict[str, Any]]:
    return [{key: _key(i), **{f: _value(spec, f, i) for f in props}} for i in range(ROWS)]


def _statements() -> list[list[tuple[str, list[dict[str, Any]], dict[str, Any]]]]:
    """Groups of (query, rows, defaults), each group one transaction: every write the ingest job
    can send, with all columns present; a relationship group first creates its endpoints."""
    specs = input_specs()
    nodes = {s.spec.label: s for s in specs if isinstance(s.spec, NodeSpec)}
    groups: list[list[tuple[str, list[dict[str, Any]], dict[str, Any]]]] = []

    def node_writes(spec: InputSpec) -> list[tuple[str, list[dict[str, Any]], dict[str, Any]]]:
        ns = spec.spec
        assert isinstance(ns, NodeSpec)
        props = tuple(f for f in spec.model.model_fields if f != ns.key)
        defaults = absent_defaults(spec, set(spec.model.model_fields), (ns.key,))
        rows = _node_rows(spec, props, ns.key)
        return [
            (node_create(ns, props, tuple(defaults)), rows, defaults),
            (node_merge(ns, props, tuple(defaults)), rows, defaults),
        ]

    for spec in specs:
        if isinstance(spec.spec, NodeSpec):
            groups.append(node_writes(spec))
            continue
        rs = spec.spec
        ends = (rs.from_field, rs.to_field)
        direct = tuple(k for k, stored in rs.merge_keys.items() if stored == k)
        props = tuple(f for f in spec.model.model_fields if f not in ends and f not in direct)
        rows = []
        for i in range(ROWS):
            row = {f: _value(spec, f, i) for f in spec.model.model_fields}
            row[rs.from_field], row[rs.to_field] = _key(i), _key((i + 1) % ROWS)
            for k, stored in rs.merge_keys.items():
                if stored != k:
                    row[stored] = str(row[k])
            rows.append(row)
        defaults = absent_defaults(spec, set(spec.model.model_fields), (*ends, *rs.key_props))
        endpoints = [node_writes(nodes[label])[0] for label in dict.fromkeys((rs.from_label, rs.to_label))]
        groups.append(
            [
                *endpoints,
                (rel_create(rs, props, tuple(defaults)), rows, defaults),
                (rel_merge(rs, props, tuple(defaults)), rows, defaults),
            ]
        )
    return groups


def has_schema(driver: neo4j.Driver, database: str) -> bool:
    """True once the uniqueness constraints exist (the store has been loaded into)."""
    records, _, _ = driver.execute_query(
        "SHOW CONSTRAINTS YIELD name RETURN count(*) AS n",
        database_=database,
        routing_=neo4j.RoutingControl.READ,
    )
    return int(records[0]["n"]) > 0


def _ingest_running(session: neo4j.Session) -> bool:
    """True while an ``IngestRun`` is ``running``: the warm-up then gives way (the CPU is the
    ingest's, and that ingest warms the JVM itself)."""
    run = next(i for i in INTERNAL_LABELS if i.label == "IngestRun")
    record = session.run(f"MATCH (r:{q(run.label)} {{status: 'running'}}) RETURN count(r) AS n").single()
    return record is not None and int(record["n"]) > 0


def warm_up(driver: neo4j.Driver, database: str) -> float:
    """Run every ingest write on synthetic rows in rolled-back transactions; returns seconds.

    Each transaction is short (one file's writes, with the endpoints a relationship write
    needs), so a real ingest started meanwhile never waits long on its locks; and the warm-up
    stops as soon as it sees a run ``running``."""
    t0 = time.perf_counter()
    groups = _statements()
    with driver.session(database=database) as session:
        for _ in range(ROUNDS):
            for group in groups:
                if _ingest_running(session):
                    log.info("an ingest run started: the warm-up stops")
                    return time.perf_counter() - t0
                tx = session.begin_transaction()
                try:
                    for query, rows, defaults in group:
                        tx.run(
                            query,  # type: ignore[arg-type]
                            rows=rows,
                            defaults=defaults,
                            run_id=f"{_PREFIX}run",
                            source_file=f"{_PREFIX}file",
                        ).consume()
                finally:
                    tx.rollback()
    return time.perf_counter() - t0


def main(argv: list[str]) -> int:
    """``python -m ingest.warmup HOME PORT``: warm the embedded server of HOME on PORT."""
    from graph.server import EmbeddedServer

    logging.basicConfig(level=logging.WARNING)
    server = EmbeddedServer(Path(argv[0]), int(argv[1]))
    try:
        with neo4j.GraphDatabase.driver(server.uri, auth=server.auth()) as driver:
            if not has_schema(driver, "neo4j"):
                # A new store: its first ingest creates the constraints, which would wait for
                # the warm-up's transactions; nothing to warm for yet.
                print(f"warm-up of {server.uri} skipped: no schema yet", flush=True)
                return 0
            seconds = warm_up(driver, "neo4j")
    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError) as e:
        log.warning("warm-up of %s skipped: %s", server.uri, e)
        return 1
    print(f"warm-up of {server.uri}: {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
