"""Time to generate the periodic bulletin of a city quarter (goal ≤ 15 s).

``python -m bench.report [--period 2026Q2] [--runs 2] [--use-settings]``: a fresh Neo4j with the
city sample (or the configured server), then the 2026Q2 bulletin built from the prepared
queries and rendered to DOCX, HTML and PDF. The first run includes the server's cold query plans.
Prints a table and, as its last line (also in bench/results/report-city.json), ``{"bench": "report", "scale": "city", "seconds": …}``
(content + DOCX, the best run).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import neo4j

from bench.results import emit
from viz.report.content import build_report
from viz.report.period import parse_period
from viz.report.render import render_docx, render_html, render_pdf

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--period", default="2026Q2")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--use-settings", action="store_true", help="use the server of the current settings")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    period = parse_period(args.period)
    server = None
    rows: list[tuple[int, float, float, float, float, int]] = []
    with tempfile.TemporaryDirectory(prefix="kg-bench-report-") as tmp:
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
            generate(Path(tmp) / "sample", scale="city", seed=7)
            run_ingest(driver, database, Path(tmp) / "sample")
        try:
            for run in range(1, args.runs + 1):
                t0, cpu0 = time.perf_counter(), time.process_time()
                report = build_report(driver, database, period)
                t1 = time.perf_counter()
                cpu = time.process_time() - cpu0
                docx = render_docx(report)
                t2 = time.perf_counter()
                render_html(report)
                t3 = time.perf_counter()
                pdf = render_pdf(report)
                t4 = time.perf_counter()
                rows.append((run, t1 - t0, t2 - t1, t3 - t2, t4 - t3, len(docx) + len(pdf)))
                per_query: dict[str, list[float]] = {}
                for name, sec in report.query_seconds:
                    per_query.setdefault(name, []).append(sec)
                log.info(
                    "run %d: content %.1f s (this process's CPU %.1f s), %d charts, %d query calls: %s",
                    run,
                    t1 - t0,
                    cpu,
                    report.chart_count(),
                    len(report.query_seconds),
                    ", ".join(
                        f"{k} {len(v)}× {sum(v):.1f} s"
                        for k, v in sorted(per_query.items(), key=lambda kv: -sum(kv[1]))
                    ),
                )
        finally:
            driver.close()
            if server is not None:
                server.stop()
    print(
        f"\n| run ({period.code}, city) | content (queries + charts) s | DOCX s | HTML s | PDF (Chromium) s | content + DOCX s |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for run, c, d, h, p, _ in rows:
        print(f"| {run} | {c:.2f} | {d:.2f} | {h:.2f} | {p:.2f} | {c + d:.2f} |")
    best = min(c + d for _, c, d, _, _, _ in rows)
    emit({"bench": "report", "scale": "city", "seconds": round(best, 2)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
