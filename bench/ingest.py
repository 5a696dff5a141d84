"""Ingest benchmark: ``python -m bench.ingest [--scale city|province] [--batch-size N]``.

Generates the sample (``ingest.sample.generate``), starts a fresh, empty Neo4j in a temporary
folder (the demo database is never touched), runs ``ingest.job.run_ingest`` on it, wipes the
database and, on the same files, runs Neo4j's own ``LOAD CSV … CALL { … } IN TRANSACTIONS`` as
the reference. Prints rows/s of both, their ratio and the peak memory of this process.
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Annotated

import neo4j
import typer
from rich.console import Console
from rich.table import Table

from graph.constraints import apply_schema, q
from graph.schema import PROVENANCE_PROPS, NodeSpec, RelSpec, node_spec
from graph.testing import start_test_server
from ingest.columns import InputSpec, field_type, header_index, input_specs, normalise_header
from ingest.job import DEFAULT_BATCH_SIZE, run_ingest

log = logging.getLogger(__name__)
console = Console()

DATABASE = "neo4j"


def _convert(expr: str, kind: str) -> str:
    """Cypher that turns a LOAD CSV string into the schema's type (empty → null)."""
    value = f"CASE WHEN {expr} IS NULL OR trim({expr}) = '' THEN null ELSE trim({expr}) END"
    if kind == "date":
        return f"date({value})"
    if kind == "int":
        return f"toInteger({value})"
    if kind == "bool":
        return f"({value} IN ['是', 'true', '1', 'Y', 'y'])"
    return value


def load_csv_statement(spec: InputSpec, header: list[str], batch_size: int) -> str:
    """The reference LOAD CSV statement for one file (same MERGE semantics as the ingest job)."""
    index = header_index(spec.model)
    fields = {index[normalise_header(h)]: h for h in header if normalise_header(h) in index}
    col = {
        f: _convert(f"row[{_lit(h)}]", field_type(spec.model.model_fields[f]).kind) for f, h in fields.items()
    }
    run, src = PROVENANCE_PROPS
    s = spec.spec
    if isinstance(s, NodeSpec):
        body = (
            f"MERGE (n:{q(s.label)} {{{q(s.key)}: {col[s.key]}}}) "
            + "SET "
            + ", ".join(
                [f"n.{q(f)} = {c}" for f, c in col.items() if f != s.key]
                + [f"n.{q(run)} = $run_id", f"n.{q(src)} = $file"]
            )
        )
    else:
        assert isinstance(s, RelSpec)
        a, b = node_spec(s.from_label), node_spec(s.to_label)
        # Optional key fields merge through their derived text key, as in ingest/querybuilder.py.
        keys = ", ".join(
            f"{q(stored)}: {col[k]}" if stored == k else f"{q(stored)}: coalesce(toString({col[k]}), '')"
            for k, stored in s.merge_keys.items()
            if k in col
        )
        direct = [k for k, stored in s.merge_keys.items() if stored == k]
        rest = [f for f in col if f not in (s.from_field, s.to_field, *direct)]
        body = (
            f"MATCH (a:{q(a.label)} {{{q(a.key)}: {col[s.from_field]}}}) "
            f"MATCH (b:{q(b.label)} {{{q(b.key)}: {col[s.to_field]}}}) "
            f"MERGE (a)-[r:{q(s.type)}"
            + (f" {{{keys}}}" if keys else "")
            + "]->(b) "
            + "SET "
            + ", ".join(
                [f"r.{q(f)} = {col[f]}" for f in rest] + [f"r.{q(run)} = $run_id", f"r.{q(src)} = $file"]
            )
        )
    return (
        f"LOAD CSV WITH HEADERS FROM $url AS row CALL (row) {{ {body} }} "
        f"IN TRANSACTIONS OF {int(batch_size)} ROWS"
    )


def _lit(text: str) -> str:
    """A Cypher string literal for a column header read from our own generated sample."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def run_load_csv(driver: neo4j.Driver, sample: Path, home: Path, batch_size: int) -> tuple[float, int]:
    import csv

    # The embedded launcher does not confine LOAD CSV to an import root (file URLs relative to
    # ``server.directories.import`` fail to resolve), so absolute file URLs are used.
    import_dir = home / "import"
    import_dir.mkdir(parents=True, exist_ok=True)
    rows = 0
    t0 = time.perf_counter()
    for spec in input_specs():
        path = sample / f"{spec.file}.csv"
        if not path.exists():
            continue
        shutil.copy(path, import_dir / path.name)
        with path.open(encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f))
            rows += sum(1 for _ in csv.reader(f))
        stmt = load_csv_statement(spec, header, batch_size)
        with driver.session(database=DATABASE) as session:
            session.run(
                stmt, url=(import_dir / path.name).resolve().as_uri(), run_id="loadcsv", file=path.name
            ).consume()  # type: ignore[arg-type]
    return time.perf_counter() - t0, rows


def wipe(driver: neo4j.Driver, database: str) -> None:
    """Empty the benchmark database: relationships first, so no transaction holds a supernode's edges."""
    with driver.session(database=database) as session:
        session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS").consume()
        session.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()


def _graph_size(driver: neo4j.Driver) -> tuple[int, int]:
    n = driver.execute_query(
        "MATCH (n) WHERE NOT n:IngestRun RETURN count(n) AS c", database_=DATABASE
    ).records[0]["c"]
    r = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS c", database_=DATABASE).records[0]["c"]
    return int(n), int(r)


def main(
    scale: Annotated[str, typer.Option(help="city | province")] = "city",
    batch_size: Annotated[int, typer.Option(help="rows per transaction")] = DEFAULT_BATCH_SIZE,
    heap: Annotated[str, typer.Option(help="Neo4j heap of the benchmark server")] = "2g",
    pagecache: Annotated[str, typer.Option(help="Neo4j page cache of the benchmark server")] = "1g",
    skip_load_csv: Annotated[bool, typer.Option(help="measure only the ingest job")] = False,
    keep: Annotated[bool, typer.Option(help="keep the temporary folder")] = False,
) -> None:
    """Measure the ingest job against LOAD CSV on a fresh server."""
    from ingest.sample import generate

    logging.basicConfig(level=logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-ingest-"))
    os.environ["KG_TEST_HEAP"], os.environ["KG_TEST_PAGECACHE"] = heap, pagecache
    server = None
    try:
        t = time.perf_counter()
        sample = tmp / "sample"
        generate(sample, scale=scale)
        t_gen = time.perf_counter() - t
        server = start_test_server(tmp / "neo4j")
        user, password = server.auth()
        with neo4j.GraphDatabase.driver(server.uri, auth=(user, password)) as driver:
            driver.verify_connectivity()
            apply_schema(driver, DATABASE)
            # Warm the JVM and the query cache on the small test fixture, then start from empty.
            run_ingest(
                driver,
                DATABASE,
                Path(__file__).resolve().parent.parent / "tests" / "data" / "ingest" / "clean",
            )
            wipe(driver, DATABASE)
            t = time.perf_counter()
            report = run_ingest(driver, DATABASE, sample, batch_size=batch_size)
            t_ingest = time.perf_counter() - t
            rows = report.totals["read"]
            size = _graph_size(driver)
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            table = Table(title=f"ingest benchmark: {scale} sample, batch {batch_size}")
            for c in ("method", "rows", "seconds", "rows/s", "nodes", "relationships"):
                table.add_column(c, justify="right" if c != "method" else "left")
            table.add_row(
                "kg ingest (run_ingest)",
                f"{rows:,}",
                f"{t_ingest:.1f}",
                f"{rows / t_ingest:,.0f}",
                f"{size[0]:,}",
                f"{size[1]:,}",
            )
            console.print(
                f"kg ingest: {rows:,} rows in {t_ingest:.1f} s = {rows / t_ingest:,.0f} rows/s; "
                f"peak RSS {rss_mb:,.0f} MB"
            )
            if not skip_load_csv:
                wipe(driver, DATABASE)
                apply_schema(driver, DATABASE)
                t_ref, ref_rows = run_load_csv(driver, sample, server.home, batch_size)
                ref_size = _graph_size(driver)
                table.add_row(
                    "LOAD CSV … IN TRANSACTIONS",
                    f"{ref_rows:,}",
                    f"{t_ref:.1f}",
                    f"{ref_rows / t_ref:,.0f}",
                    f"{ref_size[0]:,}",
                    f"{ref_size[1]:,}",
                )
            console.print(table)
            console.print(f"sample generation: {t_gen:.1f} s; rejected rows: {report.totals['rejected']}")
            if not skip_load_csv:
                console.print(
                    f"ratio kg ingest / LOAD CSV (rows/s): {(rows / t_ingest) / (ref_rows / t_ref):.2f}x"
                )
            console.print(f"peak memory of the ingest process (maxrss): {rss_mb:,.0f} MB")
    finally:
        if server is not None:
            server.stop()
        if keep:
            console.print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    typer.run(main)
