"""API benchmark: the HTTP API under ``wrk`` against the bare driver doing the same reads.

``python -m bench.api [--seconds 5] [--connections 1,8,32] [--rounds 3] [--workers 1]``

Starts its own embedded Neo4j in a temporary folder and loads the city sample (or, with
``--use-settings``, uses the server of the current settings, which must hold the sample), creates
a 从严办 token, and starts the API as a real ``kg serve`` process on a free port. Two reads:

* ``neighbors``: ``GET /entities/Officer/{badge}/neighbors`` (depth 1) with a stated purpose;
* ``query``: ``POST /queries/officer_profile`` with ``{"badge_no": …}`` (one prepared query).

Each read cycles through 500 officers. **API side**: ``wrk`` (a C load generator, one Lua script
per read that sets the token, the purpose and the badge) with 1, 8 and 32 open connections.
**Driver side**: the same Python functions the routes call (``api.graphread.neighbors``,
``QueryDef.execute``) on one sync driver from as many threads as connections, in this process: no
HTTP, no authentication, no masking, no access log. The sync driver in threads is the stronger
baseline here: the async driver on one event loop served fewer reads per second on this machine.
Both sides are warmed up; rounds alternate which side runs first; the tables show medians over
rounds. ``api_cost_ms_1`` is the API's mean latency minus the driver's at one connection.

The last line printed is one JSON object (also written to ``bench/results/api-<scale>.json``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import neo4j

from api.graphread import neighbors
from api.security import get_role
from api.tokens import create_token
from graph.constraints import apply_schema
from graph.server import EmbeddedServer
from graph.settings import REPO_ROOT, Settings, get_settings
from graph.testing import free_port
from ingest.job import run_ingest
from ingest.sample import generate
from queries.registry import get_query

log = logging.getLogger("bench.api")
RESULTS = REPO_ROOT / "bench" / "results"
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
    flat = sorted(x for lat in latencies for x in lat)
    n = len(flat)
    return {
        "connections": connections,
        "requests": n,
        "errors": sum(errors),
        "rps": n / elapsed,
        "mean_ms": statistics.fmean(flat) if flat else 0.0,
        "p50_ms": flat[n // 2] if flat else 0.0,
        "p99_ms": flat[min(n - 1, int(n * 0.99))] if flat else 0.0,
    }


@contextmanager
def kg_serve(settings: Settings, workers: int, var_dir: Path) -> Iterator[str]:
    """A real ``kg serve`` process on a free port; yields its base URL."""
    port = free_port()
    env = dict(
        os.environ,
        NEO4J_URI=settings.neo4j_uri or "",
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=settings.neo4j_password or "",
        NEO4J_DATABASE=settings.neo4j_database,
        KG_VAR_DIR=str(var_dir),
    )
    cmd = [sys.executable, "-m", "kg", "serve", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"kg serve exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
                )
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            raise RuntimeError("the API did not come up within 120 s")
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _median_row(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def _load() -> float:
    return os.getloadavg()[0]


def measure(
    base: str,
    scripts: dict[str, Path],
    driver_work: dict[str, Callable[[int], None]],
    levels: list[int],
    seconds: float,
    rounds: int,
) -> dict[str, dict[str, list[dict[str, float]]]]:
    """``{read: {"api": [median row per level], "driver": [...]}}``."""
    out: dict[str, dict[str, list[dict[str, float]]]] = {}
    for read in scripts:
        per: dict[str, dict[int, list[dict[str, float]]]] = {"api": {}, "driver": {}}
        # warm both sides (the JVM's JIT on a fresh server, query plans, connection pools)
        warm = max(5.0, seconds)
        run_wrk(base, scripts[read], 8, warm)
        run_threads(driver_work[read], 8, warm)
        for rnd in range(rounds):
            sides = ["api", "driver"] if rnd % 2 == 0 else ["driver", "api"]
            for c in levels:
                for side in sides:
                    r = (
                        run_wrk(base, scripts[read], c, seconds)
                        if side == "api"
                        else run_threads(driver_work[read], c, seconds)
                    )
                    per[side].setdefault(c, []).append(r)
                    log.info(
                        "round %d %-9s %-6s %2d conn: %7.1f req/s  mean %6.1f  p50 %6.1f  p99 %6.1f ms  "
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


def summary(results: dict[str, dict[str, list[dict[str, float]]]], levels: list[int]) -> dict[str, Any]:
    def at(read: str, side: str, c: int) -> dict[str, float] | None:
        return next((r for r in results[read][side] if r["connections"] == c), None)

    figures: dict[str, Any] = {}
    for read, prefix in (("neighbors", ""), ("query", "query_")):
        a32, d32, a8, a1, d1 = (
            at(read, "api", 32),
            at(read, "driver", 32),
            at(read, "api", 8),
            at(read, "api", 1),
            at(read, "driver", 1),
        )
        figures[f"{prefix}rps_32"] = round(a32["rps"], 1) if a32 else None
        figures[f"{prefix}driver_rps_32"] = round(d32["rps"], 1) if d32 else None
        figures[f"{prefix}ratio_vs_driver_32"] = round(a32["rps"] / d32["rps"], 3) if a32 and d32 else None
        figures[f"{prefix}p99_ms_8"] = round(a8["p99_ms"], 2) if a8 else None
        figures[f"{prefix}api_cost_ms_1"] = round(a1["mean_ms"] - d1["mean_ms"], 2) if a1 and d1 else None
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="per measurement (default 5)")
    ap.add_argument("--connections", default="1,8,32", help="open connections / driver threads")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per read, order alternated (default 3)")
    ap.add_argument("--workers", type=int, default=1, help="kg serve --workers (default 1)")
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
            settings = get_settings()
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
        driver = neo4j.GraphDatabase.driver(
            uri,
            auth=(settings.neo4j_user, settings.neo4j_password or ""),
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

        with kg_serve(settings, args.workers, tmp) as base:
            load_before = _load()
            results = measure(
                base,
                scripts,
                {"neighbors": drv_neighbors, "query": drv_query},
                levels,
                args.seconds,
                args.rounds,
            )
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
    for read, sides in results.items():
        for side, rows in sides.items():
            for r in rows:
                print(
                    f"| {read} | {side} | {r['connections']:.0f} | {r['rps']:.0f} | {r['mean_ms']:.2f} | "
                    f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']:.0f} |"
                )
    print("\n| read | connections | API / driver req/s | API cost ms (mean latency difference) |")
    print("|---|---|---|---|")
    for read, sides in results.items():
        for a, d in zip(sides["api"], sides["driver"], strict=True):
            print(
                f"| {read} | {a['connections']:.0f} | {a['rps'] / d['rps']:.2f} | {a['mean_ms'] - d['mean_ms']:.2f} |"
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
    RESULTS.mkdir(parents=True, exist_ok=True)
    line = json.dumps(figures, ensure_ascii=False)
    (RESULTS / "api-city.json").write_text(line + "\n", encoding="utf-8")
    print(line)


if __name__ == "__main__":
    main()
