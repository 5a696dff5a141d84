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
``python -m ingest.warmup HOME PORT``.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from pathlib import Path
from typing import Any

import neo4j

from graph.schema import NodeSpec
from ingest.columns import InputSpec, field_type, input_specs
from ingest.loader import absent_defaults
from ingest.querybuilder import node_create, node_merge, rel_create, rel_merge

__all__ = ["warm_up", "ROWS", "ROUNDS"]

log = logging.getLogger(__name__)

ROWS = 200
"""Synthetic rows per statement."""
ROUNDS = 3
"""Each statement runs this many times (the JIT compiles what runs often)."""
_PREFIX = "\u2063warm-up-"


def _value(spec: InputSpec, name: str, i: int) -> Any:
    ft = field_type(spec.model.model_fields[name])
    if ft.kind == "date":
        return dt.date(2024, 1, 1) + dt.timedelta(days=i % 365)
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


def _statements() -> list[tuple[str, list[dict[str, Any]], dict[str, Any]]]:
    """(query, rows, defaults) of every write the ingest job can send, all columns present."""
    out: list[tuple[str, list[dict[str, Any]], dict[str, Any]]] = []
    for spec in input_specs():
        fields = set(spec.model.model_fields)
        if isinstance(spec.spec, NodeSpec):
            ns = spec.spec
            props = tuple(f for f in spec.model.model_fields if f != ns.key)
            rows = [{ns.key: _key(i), **{f: _value(spec, f, i) for f in props}} for i in range(ROWS)]
            defaults = absent_defaults(spec, fields, (ns.key,))
            out.append((node_create(ns, props, tuple(defaults)), rows, defaults))
            out.append((node_merge(ns, props, tuple(defaults)), rows, defaults))
        else:
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
            defaults = absent_defaults(spec, fields, (*ends, *rs.key_props))
            out.append((rel_create(rs, props, tuple(defaults)), rows, defaults))
            out.append((rel_merge(rs, props, tuple(defaults)), rows, defaults))
    return out


def warm_up(driver: neo4j.Driver, database: str) -> float:
    """Run every ingest write on synthetic rows in rolled-back transactions; returns seconds.

    Node statements come first (input order), so the relationship statements find their
    endpoints among the synthetic nodes of the same transaction."""
    t0 = time.perf_counter()
    statements = _statements()
    with driver.session(database=database) as session:
        for _ in range(ROUNDS):
            tx = session.begin_transaction()
            try:
                for query, rows, defaults in statements:
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
            seconds = warm_up(driver, "neo4j")
    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError) as e:
        log.warning("warm-up of %s skipped: %s", server.uri, e)
        return 1
    print(f"warm-up of {server.uri}: {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
