"""Benchmark of the prepared queries: ``python -m bench.queries [--scale city|province]``.

Starts a fresh test Neo4j in a temporary folder, loads the sample (ingest.sample.generate +
ingest.job.run_ingest), then times every query warm (p50/p95 over --runs) and compares networkx
Louvain with igraph/leidenalg Leiden on the same co-involvement projection.
``--use-settings`` measures the server of the current settings instead (it must hold the sample).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import neo4j

from queries.analysis.communities import leiden, louvain
from queries.registry import get_query

log = logging.getLogger("bench.queries")
AS_OF = "2026-06-30"


def _timed(fn: Any, runs: int) -> tuple[float, float]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95


def _sample_keys(driver: neo4j.Driver, database: str) -> dict[str, str]:
    rec = driver.execute_query(
        "MATCH (c:Case)-[:INVOLVES]->(o:Officer)-[:SERVES_IN]->(u:Unit) "
        "RETURN c.case_no AS case_no, o.badge_no AS badge_no, u.code AS unit_code LIMIT 1",
        database_=database,
    ).records
    return dict(rec[0]) if rec else {}


def bench(driver: neo4j.Driver, database: str, runs: int) -> list[tuple[str, float, float]]:
    keys = _sample_keys(driver, database)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("political_ecosystem", {}),
        ("political_ecosystem", {"level": "sub_bureau"}),
        ("political_ecosystem_trend", {"unit_code": keys["unit_code"]}),
        ("risk_clusters", {}),
        ("risk_clusters", {"algorithm": "louvain"}),
        ("liaison_coverage", {}),
        ("supervision_coverage", {}),
        ("closed_loop", {}),
        ("accountability_chain", {"case_no": keys["case_no"]}),
        ("violation_statistics", {}),
        ("violation_statistics_time", {}),
        ("violation_statistics_yoy", {}),
        ("violation_statistics_forms", {}),
        ("officer_profile", {"badge_no": keys["badge_no"]}),
        ("officer_profile", {"badge_no": keys["badge_no"], "depth": 2}),
        ("unit_overview", {"unit_code": keys["unit_code"]}),
        ("path_between", {"source": f"Officer:{keys['badge_no']}", "target": f"Case:{keys['case_no']}"}),
    ]
    out = []
    for name, params in cases:
        q = get_query(name)
        raw = {"as_of": AS_OF, **params} if "as_of" in q.params.model_fields else params
        n = (
            runs
            if not (name.startswith(("political_ecosystem", "risk_clusters", "supervision")))
            else max(3, runs // 5)
        )
        p50, p95 = _timed(lambda q=q, raw=raw: q.execute(driver, database, raw), n)
        label = name + (
            "" if not params or set(params) <= {"unit_code", "case_no", "badge_no"} else f" {params}"
        )
        out.append((label, p50, p95))
        log.info("%-60s p50 %7.1f ms  p95 %7.1f ms", label, p50 * 1000, p95 * 1000)
    return out


def clustering(driver: neo4j.Driver, database: str) -> dict[str, float]:
    t = time.perf_counter()
    from queries.defs.clusters import ClusterParams, cluster_projection

    g = cluster_projection(driver, database, ClusterParams.model_validate({"as_of": "2026-06-30"})).graph
    res = {
        "projection_s": time.perf_counter() - t,
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
    }
    for name, fn in (("louvain_networkx_s", louvain), ("leiden_igraph_s", leiden)):
        t = time.perf_counter()
        fn(g)
        res[name] = time.perf_counter() - t
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", choices=["city", "province"], default="city")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--use-settings", action="store_true", help="use the server of the current settings")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = None
    with tempfile.TemporaryDirectory(prefix="kg-bench-queries-") as tmp:
        if args.use_settings:
            from graph.db import open_driver
            from graph.settings import get_settings

            driver, database = open_driver(), get_settings().neo4j_database
        else:
            from graph.constraints import apply_schema
            from graph.testing import settings_for, start_test_server
            from ingest.job import run_ingest
            from ingest.sample import generate

            server = start_test_server(Path(tmp) / "neo4j")
            s = settings_for(server)
            driver = neo4j.GraphDatabase.driver(
                s.neo4j_uri or "", auth=(s.neo4j_user, s.neo4j_password or "")
            )
            database = s.neo4j_database
            apply_schema(driver, database)
            t = time.perf_counter()
            generate(Path(tmp) / "sample", scale=args.scale, seed=7)
            run_ingest(driver, database, Path(tmp) / "sample")
            log.info("sample %s generated and loaded in %.0f s", args.scale, time.perf_counter() - t)
        try:
            rows = bench(driver, database, args.runs)
            cl = clustering(driver, database)
        finally:
            driver.close()
            if server is not None:
                server.stop()
    print(f"\n| query ({args.scale}) | p50 ms | p95 ms |\n|---|---:|---:|")
    for label, p50, p95 in rows:
        print(f"| {label} | {p50 * 1000:.1f} | {p95 * 1000:.1f} |")
    print(
        f"\nclustering ({args.scale}): projection {cl['projection_s']:.2f} s, {cl['nodes']} officers, "
        f"{cl['edges']} ties; networkx Louvain {cl['louvain_networkx_s']:.3f} s; "
        f"igraph/leidenalg Leiden {cl['leiden_igraph_s']:.3f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
