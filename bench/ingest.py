"""Ingest benchmark: ``python -m bench.ingest [--scale city|province] [--rounds 3] [--sample DIR]``.

On one temporary server of its own (the demo database is never touched) it measures:

* ``kg db start`` times: the first start (store created) and a warm start (store exists);
* the first ingest of the sample into that freshly started server (a cold JVM), and again into
  a restarted server after ``ingest.warmup.warm_up`` (what ``kg db start`` runs in the
  background once Bolt answers);
* then ``--rounds`` rounds, each a wipe + ``run_ingest`` and a wipe + Neo4j's own
  ``LOAD CSV … CALL { … } IN TRANSACTIONS`` on the same files and keys (order alternated,
  one untimed LOAD CSV first so both sides are warm); medians and spreads;
* the node count per label and relationship count per type after each load: they must be
  identical on both sides, or the bench fails;
* the peak RSS of this process, which reads, validates and sends every row (the sample is
  generated in a child process).

Prints a table, then as its last line one JSON object with the figures, also written to
``bench/results/ingest-<scale>.json``.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import neo4j
import typer
from rich.console import Console
from rich.table import Table

from graph.constraints import apply_schema, q
from graph.schema import NODE_SPECS, PROVENANCE_PROPS, REL_SPECS, NodeSpec, RelSpec, node_spec
from graph.server import EmbeddedServer
from graph.testing import free_port
from ingest.columns import InputSpec, field_type, header_index, input_specs, normalise_header
from ingest.job import DEFAULT_BATCH_SIZE, run_ingest
from ingest.warmup import warm_up

log = logging.getLogger(__name__)
console = Console(stderr=True)

DATABASE = "neo4j"
RESULTS = Path(__file__).resolve().parent / "results"


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
        keys = ", ".join(f"{q(stored)}: {_key_expr(s, k, stored, col)}" for k, stored in s.merge_keys.items())
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


def _key_expr(s: RelSpec, k: str, stored: str, col: dict[str, str]) -> str:
    """A relationship merge key as the ingest job writes it: an optional key through its derived
    text key (``''`` when unknown), a defaulted key as its default when empty or absent."""
    expr = col.get(k)
    if stored != k:
        return f"coalesce(toString({expr}), '')" if expr else "''"
    default = s.model.model_fields[k].default
    value = getattr(default, "value", default)
    if value is None or not isinstance(value, str | int):
        assert expr is not None, (s.type, k)
        return expr
    literal = _lit(value) if isinstance(value, str) else str(value)
    return f"coalesce({expr}, {literal})" if expr else literal


def _lit(text: str) -> str:
    """A Cypher string literal for a column header read from our own generated sample."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def run_load_csv(driver: neo4j.Driver, sample: Path, batch_size: int) -> int:
    """Load the sample's files with LOAD CSV (absolute file URLs: the embedded launcher does not
    confine LOAD CSV to an import folder). Returns the data rows of the files."""
    rows = 0
    for spec in input_specs():
        path = sample / f"{spec.file}.csv"
        if not path.exists():
            continue
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows += sum(1 for _ in reader)
        stmt = load_csv_statement(spec, header, batch_size)
        with driver.session(database=DATABASE) as session:
            session.run(
                stmt,  # type: ignore[arg-type]
                url=path.resolve().as_uri(),
                run_id="loadcsv",
                file=path.name,
            ).consume()
    return rows


def wipe(driver: neo4j.Driver) -> None:
    """Empty the benchmark database: relationships first, so no transaction holds a supernode's edges."""
    with driver.session(database=DATABASE) as session:
        session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS").consume()
        session.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()


def wipe_with(server: EmbeddedServer) -> None:
    with neo4j.GraphDatabase.driver(server.uri, auth=server.auth()) as driver:
        wipe(driver)


def graph_counts(driver: neo4j.Driver) -> dict[str, int]:
    """Nodes per label and relationships per type of the schema (from Neo4j's count store)."""
    out: dict[str, int] = {}
    for n in NODE_SPECS:
        records, _, _ = driver.execute_query(
            f"MATCH (n:{q(n.label)}) RETURN count(n) AS c", database_=DATABASE
        )
        out[n.label] = int(records[0]["c"])
    for r in REL_SPECS:
        records, _, _ = driver.execute_query(
            f"MATCH ()-[r:{q(r.type)}]->() RETURN count(r) AS c", database_=DATABASE
        )
        out[r.type] = int(records[0]["c"])
    return out


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def _spread(values: list[float]) -> str:
    return f"{min(values):.1f}–{max(values):.1f}"


def _generate(scale: str, out: Path) -> float:
    """Generate the sample in a child process (its memory is not the ingest's)."""
    t = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"from ingest.sample import generate; generate({str(out)!r}, scale={scale!r})",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t


def _loadavg() -> float:
    return round(os.getloadavg()[0], 1)


def _diff(a: dict[str, int], b: dict[str, int]) -> str:
    return ", ".join(
        f"{k}: {a.get(k)} vs {b.get(k)}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)
    )


def main(
    scale: Annotated[str, typer.Option(help="city | province")] = "city",
    rounds: Annotated[int, typer.Option(help="timed rounds of each method (medians)")] = 3,
    batch_size: Annotated[int, typer.Option(help="rows per transaction")] = DEFAULT_BATCH_SIZE,
    sample: Annotated[
        Path | None, typer.Option(help="use this generated sample (kg sample) instead of generating one")
    ] = None,
    heap: Annotated[str, typer.Option(help="Neo4j heap of the benchmark server")] = "2g",
    pagecache: Annotated[str, typer.Option(help="Neo4j page cache of the benchmark server")] = "1g",
    skip_load_csv: Annotated[bool, typer.Option(help="measure only the ingest job")] = False,
    keep: Annotated[bool, typer.Option(help="keep the temporary folder")] = False,
) -> None:
    """Measure the ingest job against LOAD CSV, warm and on a fresh server."""
    logging.basicConfig(level=logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-ingest-"))
    load_start = _loadavg()
    server: EmbeddedServer | None = None
    try:
        t_gen = 0.0
        if sample is None:
            sample = tmp / "sample"
            console.print(f"generating the {scale} sample …")
            t_gen = _generate(scale, sample)
        server = EmbeddedServer(tmp / "neo4j", free_port(), heap=heap, pagecache=pagecache, watch_parent=True)
        server.command()  # build the launcher before timing the starts
        t_first, _ = _timed(server.start)
        server.stop()
        t_warm_start, _ = _timed(server.start)
        console.print(f"db start: first {t_first:.1f} s, warm {t_warm_start:.1f} s")
        assert sample is not None

        def ours_on(driver: neo4j.Driver) -> Callable[[], int]:
            return lambda: int(run_ingest(driver, DATABASE, sample, batch_size=batch_size).totals["read"])

        with neo4j.GraphDatabase.driver(server.uri, auth=server.auth()) as driver:
            driver.verify_connectivity()
            apply_schema(driver, DATABASE)

            ours = ours_on(driver)

            t_cold, rows = _timed(ours)
            expected = graph_counts(driver)
            console.print(f"fresh server, no warm-up, first ingest: {rows:,} rows in {t_cold:.1f} s")
        wipe_with(server)
        server.stop()
        server.start()
        with neo4j.GraphDatabase.driver(server.uri, auth=server.auth()) as driver:
            t_warm_up = warm_up(driver, DATABASE)
            t_fresh, _ = _timed(ours_on(driver))
            console.print(f"fresh server after its {t_warm_up:.1f} s warm-up, first ingest: {t_fresh:.1f} s")
            if graph_counts(driver) != expected:
                raise SystemExit("the ingest after the warm-up gave another graph")
            ours = ours_on(driver)
            times: dict[str, list[float]] = {"ours": [], "load_csv": []}
            methods: dict[str, Callable[[], int]] = {"ours": ours}
            if not skip_load_csv:
                methods["load_csv"] = lambda: run_load_csv(driver, sample, batch_size)
                wipe(driver)
                t, ref_rows = _timed(methods["load_csv"])  # warm-up: its plans and code paths
                console.print(f"LOAD CSV warm-up: {ref_rows:,} rows in {t:.1f} s")
                if ref_rows != rows:
                    raise SystemExit(
                        f"row counts differ: kg ingest read {rows}, the CSV files hold {ref_rows}"
                    )
            for i in range(rounds):
                order = list(methods) if i % 2 == 0 else list(reversed(methods))
                for name in order:
                    wipe(driver)
                    t, _ = _timed(methods[name])
                    times[name].append(t)
                    counts = graph_counts(driver)
                    if counts != expected:
                        raise SystemExit(
                            f"round {i + 1}, {name}: graph differs from the first ingest: {_diff(expected, counts)}"
                        )
                    console.print(f"round {i + 1}: {name} {t:.1f} s")
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ours_med = statistics.median(times["ours"])
        result: dict[str, Any] = {
            "bench": "ingest",
            "scale": scale,
            "rows": rows,
            "rows_per_s": round(rows / ours_med),
            "seconds_median": round(ours_med, 2),
            "seconds_all": [round(t, 2) for t in times["ours"]],
            "ratio_vs_load_csv": None,
            "load_csv_seconds_median": None,
            "load_csv_seconds_all": [round(t, 2) for t in times["load_csv"]],
            "fresh_s": round(t_fresh, 2),
            "fresh_over_warm": round(t_fresh / ours_med, 2),
            "warm_up_s": round(t_warm_up, 2),
            "fresh_no_warm_up_s": round(t_cold, 2),
            "fresh_no_warm_up_over_warm": round(t_cold / ours_med, 2),
            "peak_rss_mb": round(rss_mb),
            "db_start_first_s": round(t_first, 2),
            "db_start_warm_s": round(t_warm_start, 2),
            "identical_counts": not skip_load_csv,
            "nodes": sum(expected[n.label] for n in NODE_SPECS),
            "relationships": sum(expected[r.type] for r in REL_SPECS),
            "rounds": rounds,
            "batch_size": batch_size,
            "sample_generation_s": round(t_gen, 1),
            "load_average_1m": [load_start, _loadavg()],
            "cores": os.cpu_count(),
        }
        table = Table(
            title=f"ingest benchmark: {scale} sample ({rows:,} rows), batch {batch_size}, {rounds} rounds"
        )
        for c in ("method", "median s", "spread s", "rows/s"):
            table.add_column(c, justify="right" if c != "method" else "left")
        table.add_row(
            "kg ingest (run_ingest), warm",
            f"{ours_med:.1f}",
            _spread(times["ours"]),
            f"{rows / ours_med:,.0f}",
        )
        if times["load_csv"]:
            ref_med = statistics.median(times["load_csv"])
            result["load_csv_seconds_median"] = round(ref_med, 2)
            result["ratio_vs_load_csv"] = round(ref_med / ours_med, 2)
            # Same-round pairs: robust when the load of a shared machine drifts during the run.
            result["ratio_per_round"] = [
                round(ref / own, 2) for own, ref in zip(times["ours"], times["load_csv"], strict=True)
            ]
            table.add_row(
                "LOAD CSV … IN TRANSACTIONS, warm",
                f"{ref_med:.1f}",
                _spread(times["load_csv"]),
                f"{rows / ref_med:,.0f}",
            )
        table.add_row(
            f"kg ingest, fresh server after its {t_warm_up:.1f} s warm-up",
            f"{t_fresh:.1f}",
            "",
            f"{rows / t_fresh:,.0f}",
        )
        table.add_row("kg ingest, fresh server, no warm-up", f"{t_cold:.1f}", "", f"{rows / t_cold:,.0f}")
        table.add_row("kg db start, first / warm", f"{t_first:.1f} / {t_warm_start:.1f}", "", "")
        out = Console()
        out.print(table)
        out.print(
            f"ratio kg ingest / LOAD CSV (rows/s): {result['ratio_vs_load_csv']}×; fresh / warm: "
            f"{result['fresh_over_warm']}× ({result['fresh_no_warm_up_over_warm']}× without the warm-up); peak RSS {rss_mb:,.0f} MB; db start first {t_first:.1f} s, "
            f"warm {t_warm_start:.1f} s; nodes {result['nodes']:,}, relationships {result['relationships']:,} "
            f"(identical per label and type: {result['identical_counts']}); load average "
            f"{load_start} → {_loadavg()} on {os.cpu_count()} cores"
        )
        RESULTS.mkdir(exist_ok=True)
        line = json.dumps(result, ensure_ascii=False)
        (RESULTS / f"ingest-{scale}.json").write_text(line + "\n", encoding="utf-8")
        print(line, flush=True)
    finally:
        if server is not None:
            server.stop()
        if keep:
            console.print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    typer.run(main)
