"""API benchmark: the HTTP API under ``wrk`` against the bare driver doing the same reads.

``python -m bench.api [--seconds 5] [--connections 1,8,32] [--rounds 3] [--workers N]``

Starts its own embedded Neo4j in a temporary folder and loads the city sample (or, with
``--use-settings``, uses the server of the current settings, which must hold the sample), creates
a 从严办 token, and starts the API as a real ``kg serve`` process on a free port. Two reads:

* ``neighbors``: ``GET /entities/Officer/{badge}/neighbors`` (depth 1) with a stated purpose;
* ``query``: ``POST /queries/officer_profile`` with ``{"badge_no": …}`` (one prepared query).

Each read cycles through 500 officers. **API side**: ``wrk`` (a C load generator, one Lua script
per read that sets the token, the purpose and the badge) with 1, 8 and 32 open connections.
**Driver side**: the same Python code the routes run, in this process, with no HTTP, no
authentication, no masking and no access log, as many concurrent readers as connections:

* ``driver``: the sync driver from as many threads (``run_plan`` of
  ``api.graphread.neighbors_plan``; ``QueryDef.execute`` over ``graph.db.SyncAutoCommitReads``,
  as the query route reads);
* ``driver_async``: for ``neighbors``, the async driver on one uvloop event loop, as many tasks
  (``run_plan_async`` over ``AutoCommitReads``, what the route itself runs).

The API is compared with the **stronger** of the two at each level (``driver_rps_32`` is that
figure; both are in the JSON). Both sides are warmed up; rounds alternate which side runs first;
the tables show medians over rounds. ``api_cost_ms_1`` is the API's mean latency minus the
stronger driver side's at one connection.

The last line printed is one JSON object (also written to ``bench/results/api-<scale>.json``).
"""

from __future__ import annotations

import argparse
import asyncio
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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import neo4j
import uvloop

from api.graphread import AutoCommitReads, Expansion, Plan, neighbors_plan, run_plan, run_plan_async
from api.security import get_role
from api.serving import served_process
from api.tokens import create_token
from bench.results import emit
from graph.constraints import apply_schema
from graph.db import SyncAutoCommitReads, connection_target
from graph.server import EmbeddedServer
from graph.settings import Settings, get_settings
from graph.testing import free_port
from ingest.job import run_ingest
from ingest.sample import generate
from queries.registry import get_query

log = logging.getLogger("bench.api")
PURPOSE = "bench"

# wrk: one request per call of ``request()``, cycling through the badges; ``done`` prints one JSON
# line with the counts and latencies (microseconds) so the bench does not parse wrk's table.
LUA = """
local badges = {%(badges)s}
local headers = {["Authorization"] = "Bearer %(token)s", ["X-Access-Purpose"] = "%(purpose)s",
                 ["Content-Type"] = "application/json"}
local counter = 0
function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end
function init(args)
  i = offset
end
request = function()
  i = i + 1
  local b = badges[(i %% #badges) + 1]
  %(request)s
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%%d,"duration_us":%%d,"errors":%%d,"status_errors":%%d,"mean_us":%%.1f,"p50_us":%%d,"p99_us":%%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency.mean, latency:percentile(50), latency:percentile(99)))
end
"""
REQUESTS = {
    "neighbors": 'return wrk.format("GET", "/entities/Officer/" .. b .. "/neighbors", headers)',
    "query": 'return wrk.format("POST", "/queries/officer_profile", headers, \'{"badge_no": "\' .. b .. \'"}\')',
}


def run_wrk(base: str, script: Path, connections: int, seconds: float) -> dict[str, float]:
    """One wrk run; requests/s and latencies in ms. Non-2xx answers count as errors."""
    cmd = [
        "wrk",
        "-t",
        str(min(2, connections)),
        "-c",
        str(connections),
        "-d",
        f"{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    r = json.loads(line[4:])
    return {
        "connections": connections,
        "requests": r["requests"],
        "errors": r["errors"] + r["status_errors"],
        "rps": r["requests"] / (r["duration_us"] / 1e6),
        "mean_ms": r["mean_us"] / 1000,
        "p50_ms": r["p50_us"] / 1000,
        "p99_ms": r["p99_us"] / 1000,
    }


def run_threads(work: Callable[[int], None], connections: int, seconds: float) -> dict[str, float]:
    """``work(i)`` from ``connections`` threads for ``seconds``; latencies in ms."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    gate = threading.Barrier(connections + 1)
    deadline = 0.0

    def loop(k: int) -> None:
        gate.wait()
        i = k * 7919
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                work(i)
            except Exception:  # noqa: BLE001 - counted, the run goes on
                errors[k] += 1
            latencies[k].append((time.perf_counter() - t0) * 1000)
            i += 1

    threads = [threading.Thread(target=loop, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    deadline = time.perf_counter() + seconds
    t_start = time.perf_counter()
    gate.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t_start
    return _latency_row(connections, sorted(x for lat in latencies for x in lat), sum(errors), elapsed)


def run_tasks(
    open_driver: Callable[[], neo4j.AsyncDriver],
    work: Callable[[neo4j.AsyncDriver, int], Awaitable[None]],
    connections: int,
    seconds: float,
) -> dict[str, float]:
    """``await work(driver, i)`` from ``connections`` tasks on one uvloop event loop for
    ``seconds`` (after one second of warm-up on the loop's own driver); latencies in ms."""

    async def on_loop() -> dict[str, float]:
        driver = open_driver()
        latencies: list[float] = []
        errors = 0

        async def loop(k: int, until: float, keep: bool) -> None:
            nonlocal errors
            i = k * 7919
            while time.perf_counter() < until:
                t0 = time.perf_counter()
                try:
                    await work(driver, i)
                except Exception:  # noqa: BLE001 - counted, the run goes on
                    errors += 1
                if keep:
                    latencies.append((time.perf_counter() - t0) * 1000)
                i += 1

        try:
            warm_until = time.perf_counter() + 1.0
            await asyncio.gather(*(loop(k, warm_until, False) for k in range(connections)))
            errors = 0
            t_start = time.perf_counter()
            await asyncio.gather(*(loop(k, t_start + seconds, True) for k in range(connections)))
            elapsed = time.perf_counter() - t_start
        finally:
            await driver.close()
        return _latency_row(connections, sorted(latencies), errors, elapsed)

    return uvloop.run(on_loop())


def _latency_row(connections: int, flat: list[float], errors: int, elapsed: float) -> dict[str, float]:
    n = len(flat)
    return {
        "connections": connections,
        "requests": n,
        "errors": errors,
        "rps": n / elapsed,
        "mean_ms": statistics.fmean(flat) if flat else 0.0,
        "p50_ms": flat[n // 2] if flat else 0.0,
        "p99_ms": flat[min(n - 1, int(n * 0.99))] if flat else 0.0,
    }


def _median_row(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def _load() -> float:
    return os.getloadavg()[0]


Runner = Callable[[int, float], dict[str, float]]
"""One measurement of a side: ``run(connections, seconds)`` → its row."""


def measure(
    sides_of: dict[str, dict[str, Runner]],
    levels: list[int],
    seconds: float,
    rounds: int,
) -> dict[str, dict[str, list[dict[str, float]]]]:
    """``{read: {side: [median row per level]}}``; sides are "api", "driver" and, where there is
    one, "driver_async"."""
    out: dict[str, dict[str, list[dict[str, float]]]] = {}
    for read, sides in sides_of.items():
        per: dict[str, dict[int, list[dict[str, float]]]] = {side: {} for side in sides}
        # warm every side (the JVM's JIT on a fresh server, query plans, connection pools)
        warm = max(5.0, seconds)
        for run in sides.values():
            run(8, warm)
        names = list(sides)
        for rnd in range(rounds):
            order = names if rnd % 2 == 0 else names[::-1]
            for c in levels:
                for side in order:
                    r = sides[side](c, seconds)
                    per[side].setdefault(c, []).append(r)
                    log.info(
                        "round %d %-9s %-12s %2d conn: %7.1f req/s  mean %6.1f  p50 %6.1f  p99 %6.1f ms  "
                        "errors %d  (load %.1f)",
                        rnd + 1,
                        read,
                        side,
                        c,
                        r["rps"],
                        r["mean_ms"],
                        r["p50_ms"],
                        r["p99_ms"],
                        r["errors"],
                        _load(),
                    )
        out[read] = {side: [_median_row(per[side][c]) for c in levels] for side in per}
    return out


def strongest_driver(sides: dict[str, list[dict[str, float]]]) -> list[dict[str, float]]:
    """Per level, the driver side with the most requests per second (the ceiling to compare with)."""
    drivers = [rows for side, rows in sides.items() if side.startswith("driver")]
    return [max(level, key=lambda r: r["rps"]) for level in zip(*drivers, strict=True)]


def summary(results: dict[str, dict[str, list[dict[str, float]]]], levels: list[int]) -> dict[str, Any]:
    def at(rows: list[dict[str, float]], c: int) -> dict[str, float] | None:
        return next((r for r in rows if r["connections"] == c), None)

    figures: dict[str, Any] = {}
    for read, prefix in (("neighbors", ""), ("query", "query_")):
        sides = results[read]
        api, best = sides["api"], strongest_driver(sides)
        a32, d32, a8, a1, d1 = at(api, 32), at(best, 32), at(api, 8), at(api, 1), at(best, 1)
        figures[f"{prefix}rps_32"] = round(a32["rps"], 1) if a32 else None
        figures[f"{prefix}driver_rps_32"] = round(d32["rps"], 1) if d32 else None
        for side in ("driver", "driver_async"):
            row = at(sides[side], 32) if side in sides else None
            name = "driver_sync" if side == "driver" else side
            figures[f"{prefix}{name}_rps_32"] = round(row["rps"], 1) if row else None
        figures[f"{prefix}ratio_vs_driver_32"] = round(a32["rps"] / d32["rps"], 3) if a32 and d32 else None
        figures[f"{prefix}p99_ms_8"] = round(a8["p99_ms"], 2) if a8 else None
        figures[f"{prefix}api_cost_ms_1"] = round(a1["mean_ms"] - d1["mean_ms"], 2) if a1 and d1 else None
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="per measurement (default 5)")
    ap.add_argument("--connections", default="1,8,32", help="open connections / driver threads")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per read, order alternated (default 3)")
    ap.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="kg serve --workers (default: one per core, as docs/api.md advises)",
    )
    ap.add_argument(
        "--use-settings", action="store_true", help="use the configured server (holding the sample)"
    )
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    levels = [int(c) for c in args.connections.split(",")]
    if shutil.which("wrk") is None:
        sys.exit("wrk 未安装 / wrk is not installed (make system-deps)")

    t_start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-api-"))
    server: EmbeddedServer | None = None
    try:
        if args.use_settings:
            configured = get_settings()
            uri, (user, password) = connection_target(configured, start=False)
            settings = configured.model_copy(
                update={"neo4j_uri": uri, "neo4j_user": user, "neo4j_password": password}
            )
        else:
            server = EmbeddedServer(
                tmp / "neo4j", free_port(), heap="1g", pagecache="512m", watch_parent=True
            )
            log.info("starting Neo4j in %s", tmp)
            server.start()
            user, password = server.auth()
            settings = Settings(
                neo4j_uri=server.uri, neo4j_user=user, neo4j_password=password, kg_var_dir=tmp
            )
        db = settings.neo4j_database
        uri = settings.neo4j_uri or ""
        auth = (settings.neo4j_user, settings.neo4j_password or "")
        driver = neo4j.GraphDatabase.driver(
            uri,
            auth=auth,
            notifications_min_severity="OFF",
            max_connection_pool_size=64,
        )
        if server is not None:
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
        info, secret = create_token(driver, db, "strict_office", "bench")

        scripts: dict[str, Path] = {}
        for read, req in REQUESTS.items():
            scripts[read] = tmp / f"{read}.lua"
            scripts[read].write_text(
                LUA
                % {
                    "badges": ",".join(json.dumps(b) for b in badges),
                    "token": secret,
                    "purpose": PURPOSE,
                    "request": req,
                },
                encoding="utf-8",
            )

        role = get_role("strict_office")
        profile = get_query("officer_profile")
        timeout = settings.kg_query_timeout

        def expansion(i: int) -> Plan[Expansion]:
            badge = badges[i % len(badges)]
            return neighbors_plan(
                role, "Officer", badge, depth=1, rel_types=None, node_types=None, limit=200, timeout=timeout
            )

        def drv_neighbors(i: int) -> None:
            run_plan(driver, db, expansion(i))

        async def drv_neighbors_async(adriver: neo4j.AsyncDriver, i: int) -> None:
            reads = cast(neo4j.AsyncDriver, AutoCommitReads(adriver))  # as the route reads
            await run_plan_async(reads, db, expansion(i))

        def open_async() -> neo4j.AsyncDriver:
            return neo4j.AsyncGraphDatabase.driver(
                uri, auth=auth, notifications_min_severity="OFF", max_connection_pool_size=64
            )

        reads = cast(neo4j.Driver, SyncAutoCommitReads(driver))  # as the route reads

        def drv_query(i: int) -> None:
            profile.execute(reads, db, {"badge_no": badges[i % len(badges)]})

        with served_process(settings, workers=args.workers, var_dir=tmp) as base:
            load_before = _load()
            sides: dict[str, dict[str, Runner]] = {
                "neighbors": {
                    "api": lambda c, s: run_wrk(base, scripts["neighbors"], c, s),
                    "driver": lambda c, s: run_threads(drv_neighbors, c, s),
                    "driver_async": lambda c, s: run_tasks(open_async, drv_neighbors_async, c, s),
                },
                "query": {
                    "api": lambda c, s: run_wrk(base, scripts["query"], c, s),
                    "driver": lambda c, s: run_threads(drv_query, c, s),
                },
            }
            results = measure(sides, levels, args.seconds, args.rounds)
        driver.execute_query(
            "MATCH (t:ApiToken {token_id: $id}) DETACH DELETE t", id=info.token_id, database_=db
        )
        driver.close()
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print(
        f"\nMedians of {args.rounds} rounds × {args.seconds:g} s; kg serve --workers {args.workers}; "
        f"load average {load_before:.1f} before, {_load():.1f} after, on {os.cpu_count()} cores."
    )
    print("\n| read | side | connections | req/s | mean ms | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for read, measured in results.items():
        for side, rows in measured.items():
            for r in rows:
                print(
                    f"| {read} | {side} | {r['connections']:.0f} | {r['rps']:.0f} | {r['mean_ms']:.2f} | "
                    f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']:.0f} |"
                )
    print(
        "\n| read | connections | stronger driver side | API / driver req/s | "
        "API cost ms (mean latency difference) |"
    )
    print("|---|---|---|---|---|")
    for read, per_side in results.items():
        best = strongest_driver(per_side)
        for a, d in zip(per_side["api"], best, strict=True):
            side = next(k for k, rows in per_side.items() if k.startswith("driver") and d in rows)
            print(
                f"| {read} | {a['connections']:.0f} | {side} | {a['rps'] / d['rps']:.2f} | "
                f"{a['mean_ms'] - d['mean_ms']:.2f} |"
            )
    figures = {
        "bench": "api",
        "scale": "city",
        **summary(results, levels),
        "workers": args.workers,
        "rounds": args.rounds,
        "seconds": args.seconds,
        "load_avg_before": round(load_before, 1),
        "cores": os.cpu_count(),
        "wall_s": round(time.perf_counter() - t_start, 1),
        "results": results,
    }
    emit(figures)


if __name__ == "__main__":
    main()
