"""Benchmark of the prepared queries: ``python -m bench.queries [--scale city|province]``.

Starts a fresh test Neo4j in a temporary folder, loads the sample (ingest.sample.generate +
ingest.job.run_ingest), then times every query warm (p50/p95 over ``--runs`` for single-entity
queries, ``--whole-runs`` for whole-graph ones, after one warm-up call each) and compares networkx
Louvain with igraph's Leiden on the same co-involvement projection.
``--use-settings`` measures the server of the current settings instead (it must hold the sample).

Prints the table and, as its last line, ``{"bench": "queries", "scale": …,
"whole_graph_p95_s_max": …, "clusters_s": …, "entity_p95_ms_max": …, …}`` (also written to
bench/results/queries-<scale>.json). ``clusters_s`` is ``risk_clusters`` end to end (p95).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import neo4j

from bench.results import emit, table
from queries.analysis.communities import leiden, louvain
from queries.registry import get_query

log = logging.getLogger("bench.queries")
AS_OF = "2026-06-30"


@dataclass(frozen=True)
class Case:
    name: str
    params: dict[str, Any]
    entity: bool  # one entity's neighbourhood (goal p95 ≤ 50 ms) rather than the whole graph

    @property
    def label(self) -> str:
        keys = {"unit_code", "case_no", "badge_no", "source", "target"}
        shown = {k: v for k, v in self.params.items() if k not in keys}
        return self.name + (f" {shown}" if shown else "")


@dataclass(frozen=True)
class Timing:
    case: Case
    p50: float
    p95: float
    runs: int


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and p95 (nearest rank) of ``runs`` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95


def sample_keys(driver: neo4j.Driver, database: str) -> dict[str, str]:
    rec = driver.execute_query(
        "MATCH (c:Case)-[:INVOLVES]->(o:Officer)-[:SERVES_IN]->(u:Unit) "
        "RETURN c.case_no AS case_no, o.badge_no AS badge_no, u.code AS unit_code "
        "ORDER BY c.case_no LIMIT 1",
        database_=database,
        routing_=neo4j.RoutingControl.READ,
    ).records
    return dict(rec[0]) if rec else {}


def cases(keys: dict[str, str]) -> list[Case]:
    whole: list[tuple[str, dict[str, Any]]] = [
        ("political_ecosystem", {}),
        ("political_ecosystem", {"level": "sub_bureau"}),
        ("risk_clusters", {}),
        ("risk_clusters", {"algorithm": "louvain"}),
        ("liaison_coverage", {}),
        ("supervision_coverage", {}),
        ("closed_loop", {}),
        ("conflict_of_interest", {}),
        ("order_statistics", {}),
        ("violation_statistics", {}),
        ("violation_statistics_time", {}),
        ("violation_statistics_yoy", {}),
        ("violation_statistics_forms", {}),
        # one unit, but its whole subtree's indicators for five years: timed with the whole-graph ones
        ("political_ecosystem_trend", {"unit_code": keys["unit_code"]}),
    ]
    entity: list[tuple[str, dict[str, Any]]] = [
        ("accountability_chain", {"case_no": keys["case_no"]}),
        ("officer_profile", {"badge_no": keys["badge_no"]}),
        ("officer_profile", {"badge_no": keys["badge_no"], "depth": 2}),
        ("unit_overview", {"unit_code": keys["unit_code"]}),
        ("unit_subtree", {"unit_code": keys["unit_code"]}),
        ("path_between", {"source": f"Officer:{keys['badge_no']}", "target": f"Case:{keys['case_no']}"}),
    ]
    return [Case(n, p, False) for n, p in whole] + [Case(n, p, True) for n, p in entity]


def run_case(driver: neo4j.Driver, database: str, case: Case) -> Any:
    q = get_query(case.name)
    raw = {"as_of": AS_OF, **case.params} if "as_of" in q.params.model_fields else case.params
    return q.execute(driver, database, raw)


def bench(
    driver: neo4j.Driver, database: str, runs: int, whole_runs: int, only: set[str] | None = None
) -> list[Timing]:
    out = []
    for case in cases(sample_keys(driver, database)):
        if only and case.name not in only:
            continue
        n = runs if case.entity else whole_runs
        p50, p95 = timed(partial(run_case, driver, database, case), n)
        out.append(Timing(case, p50, p95, n))
        log.info("%-60s p50 %8.1f ms  p95 %8.1f ms", case.label, p50 * 1000, p95 * 1000)
    return out


def clustering(driver: neo4j.Driver, database: str) -> dict[str, float]:
    """The default risk_clusters' projection, then both algorithms on it (one call each)."""
    from queries.defs.clusters import ClusterParams, cluster_projection

    t = time.perf_counter()
    g = cluster_projection(driver, database, ClusterParams.model_validate({"as_of": AS_OF})).graph
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


def figures(scale: str, rows: list[Timing], cl: dict[str, float], load_s: float | None) -> dict[str, Any]:
    whole = [r for r in rows if not r.case.entity]
    entity = [r for r in rows if r.case.entity]
    default_clusters = [r.p95 for r in whole if r.case.name == "risk_clusters" and not r.case.params]
    return {
        "bench": "queries",
        "scale": scale,
        "whole_graph_p95_s_max": round(max(r.p95 for r in whole), 3) if whole else None,
        "whole_graph_slowest": max(whole, key=lambda r: r.p95).case.label if whole else None,
        "clusters_s": round(default_clusters[0], 3) if default_clusters else None,
        "entity_p95_ms_max": round(max(r.p95 for r in entity) * 1000, 1) if entity else None,
        "projection_s": round(cl["projection_s"], 3),
        "leiden_s": round(cl["leiden_igraph_s"], 3),
        "louvain_s": round(cl["louvain_networkx_s"], 3),
        "projection_nodes": int(cl["nodes"]),
        "projection_edges": int(cl["edges"]),
        "load_s": round(load_s, 1) if load_s is not None else None,
        "p95_s": {r.case.label: round(r.p95, 4) for r in rows},
        "p50_s": {r.case.label: round(r.p50, 4) for r in rows},
    }


def load_sample(driver: neo4j.Driver, database: str, scale: str, folder: Path) -> float:
    """Generate the sample into ``folder`` and ingest it; seconds taken (generation included)."""
    from graph.constraints import apply_schema
    from ingest.job import run_ingest
    from ingest.sample import generate

    apply_schema(driver, database)
    t = time.perf_counter()
    generate(folder, scale=scale, seed=7)
    run_ingest(driver, database, folder)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", choices=["city", "province"], default="city")
    ap.add_argument("--runs", type=int, default=20, help="timed calls per single-entity query")
    ap.add_argument("--whole-runs", type=int, default=None, help="timed calls per whole-graph query")
    ap.add_argument("--only", default="", help="comma-separated query names (default: all)")
    ap.add_argument("--use-settings", action="store_true", help="use the server of the current settings")
    args = ap.parse_args(argv)
    whole_runs = args.whole_runs or (5 if args.scale == "city" else 3)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = None
    load_s: float | None = None
    with tempfile.TemporaryDirectory(prefix="kg-bench-queries-") as tmp:
        if args.use_settings:
            from graph.db import open_driver
            from graph.settings import get_settings

            driver, database = open_driver(), get_settings().neo4j_database
        else:
            from graph.testing import settings_for, start_test_server

            server = start_test_server(Path(tmp) / "neo4j")
            s = settings_for(server)
            driver = neo4j.GraphDatabase.driver(
                s.neo4j_uri or "", auth=(s.neo4j_user, s.neo4j_password or "")
            )
            database = s.neo4j_database
            load_s = load_sample(driver, database, args.scale, Path(tmp) / "sample")
            log.info("sample %s generated and loaded in %.0f s", args.scale, load_s)
        try:
            only = {n.strip() for n in args.only.split(",") if n.strip()} or None
            rows = bench(driver, database, args.runs, whole_runs, only)
            cl = clustering(driver, database)
        finally:
            driver.close()
            if server is not None:
                server.stop()
    print()
    print(
        table(
            [f"query ({args.scale})", "kind", "runs", "p50 ms", "p95 ms"],
            [
                [
                    r.case.label,
                    "entity" if r.case.entity else "whole graph",
                    r.runs,
                    round(r.p50 * 1000, 1),
                    round(r.p95 * 1000, 1),
                ]
                for r in rows
            ],
        )
    )
    print(
        f"\nclustering ({args.scale}): projection {cl['projection_s']:.2f} s, {cl['nodes']:.0f} officers, "
        f"{cl['edges']:.0f} ties; networkx Louvain {cl['louvain_networkx_s']:.3f} s; "
        f"igraph Leiden {cl['leiden_igraph_s']:.3f} s"
    )
    emit(figures(args.scale, rows, cl, load_s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
