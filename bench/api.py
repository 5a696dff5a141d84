"""API benchmark: requests/s and p50/p99 latency on loopback, against the bare driver.

``python -m bench.api [--seconds 5] [--clients 1,8,32]``

Starts its own embedded Neo4j in a temporary folder, loads the city sample, starts the API with
uvicorn in a subprocess, then for the neighbourhood endpoint (one officer, depth 1) and a prepared
query (``officer_profile``) runs N concurrent httpx clients in threads for a fixed time. The same
work is then run through the driver directly (the functions the routes call), so the API's own
cost shows as a ratio and as milliseconds per request.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import neo4j

from api.graphread import neighbors
from api.security import get_role
from api.tokens import create_token
from graph.constraints import apply_schema
from graph.server import EmbeddedServer
from graph.settings import REPO_ROOT, Settings
from graph.testing import free_port
from ingest.job import run_ingest
from ingest.sample import generate
from queries.registry import get_query

log = logging.getLogger("bench.api")


def measure(work: Callable[[int], None], clients: int, seconds: float) -> dict[str, float]:
    """Run ``work(i)`` in ``clients`` threads for ``seconds``; latencies in ms."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start_gate = threading.Barrier(clients + 1)
    deadline = 0.0

    def loop(k: int) -> None:
        start_gate.wait()
        i = k
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                work(i)
            except Exception:  # noqa: BLE001 - counted, the run goes on
                errors[k] += 1
            latencies[k].append((time.perf_counter() - t0) * 1000)
            i += clients

    threads = [threading.Thread(target=loop, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    deadline = time.perf_counter() + seconds
    t_start = time.perf_counter()
    start_gate.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t_start
    flat = sorted(x for lat in latencies for x in lat)
    n = len(flat)
    return {
        "clients": clients,
        "requests": n,
        "errors": sum(errors),
        "rps": n / elapsed,
        "mean_ms": statistics.fmean(flat) if flat else 0.0,
        "p50_ms": flat[n // 2] if flat else 0.0,
        "p99_ms": flat[min(n - 1, int(n * 0.99))] if flat else 0.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    levels = [int(c) for c in args.clients.split(",")]

    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-api-"))
    server = EmbeddedServer(tmp / "neo4j", free_port(), heap="1g", pagecache="512m", watch_parent=True)
    proc: subprocess.Popen[bytes] | None = None
    try:
        log.info("starting Neo4j in %s", tmp)
        server.start()
        user, password = server.auth()
        settings = Settings(neo4j_uri=server.uri, neo4j_user=user, neo4j_password=password, kg_var_dir=tmp)
        db = settings.neo4j_database
        driver = neo4j.GraphDatabase.driver(
            server.uri, auth=(user, password), notifications_min_severity="OFF", max_connection_pool_size=64
        )
        apply_schema(driver, db)
        log.info("generating and loading the city sample")
        generate(tmp / "sample", scale="city")
        run_ingest(driver, db, tmp / "sample")
        badges = [
            r["b"]
            for r in driver.execute_query(
                "MATCH (o:Officer) RETURN o.badge_no AS b ORDER BY b", database_=db
            ).records
        ]
        random.Random(7).shuffle(badges)
        badges = badges[:500]
        _, secret = create_token(driver, db, "strict_office", "bench")

        port = free_port()
        env = dict(
            os.environ, NEO4J_URI=server.uri, NEO4J_USER=user, NEO4J_PASSWORD=password, KG_VAR_DIR=str(tmp)
        )
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=REPO_ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError("the API did not come up")

        headers = {"Authorization": f"Bearer {secret}", "X-Access-Purpose": "bench"}
        local = threading.local()

        def client() -> httpx.Client:
            c = getattr(local, "c", None)
            if c is None:
                c = local.c = httpx.Client(base_url=base, headers=headers, timeout=30)
            return c

        def api_neighbors(i: int) -> None:
            r = client().get(f"/entities/Officer/{badges[i % len(badges)]}/neighbors")
            r.raise_for_status()

        def api_query(i: int) -> None:
            r = client().post("/queries/officer_profile", json={"badge_no": badges[i % len(badges)]})
            r.raise_for_status()

        role = get_role("strict_office")
        profile = get_query("officer_profile")
        timeout = settings.kg_query_timeout

        def drv_neighbors(i: int) -> None:
            neighbors(
                driver,
                db,
                role,
                "Officer",
                badges[i % len(badges)],
                depth=1,
                rel_types=None,
                node_types=None,
                limit=200,
                timeout=timeout,
            )

        def drv_query(i: int) -> None:
            profile.execute(driver, db, {"badge_no": badges[i % len(badges)]})

        results: dict[str, list[dict[str, float]]] = {}
        for name, work in (
            ("api_neighbors", api_neighbors),
            ("driver_neighbors", drv_neighbors),
            ("api_query", api_query),
            ("driver_query", drv_query),
        ):
            work(0)  # warm up
            measure(work, 4, 1.0)
            results[name] = [measure(work, c, args.seconds) for c in levels]
            for r in results[name]:
                log.info(
                    "%-17s %3d clients: %7.1f req/s  p50 %6.1f ms  p99 %6.1f ms  errors %d",
                    name,
                    r["clients"],
                    r["rps"],
                    r["p50_ms"],
                    r["p99_ms"],
                    r["errors"],
                )
        print("\n| measure | clients | req/s | p50 ms | p99 ms | mean ms |")
        print("|---|---|---|---|---|---|")
        for name, rows in results.items():
            for r in rows:
                print(
                    f"| {name} | {r['clients']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                    f"{r['mean_ms']:.1f} |"
                )
        print("\n| endpoint | clients | API/driver throughput | API overhead ms/request (mean) |")
        print("|---|---|---|---|")
        for what in ("neighbors", "query"):
            for a, d in zip(results[f"api_{what}"], results[f"driver_{what}"], strict=True):
                print(
                    f"| {what} | {a['clients']} | {a['rps'] / d['rps']:.2f} | {a['mean_ms'] - d['mean_ms']:.2f} |"
                )
        out = REPO_ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        (out / "api.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
        driver.close()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        server.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
