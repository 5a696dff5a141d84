"""Whole-graph export benchmark: ``python -m bench.export [--format graphml|gexf] [--runs 2]``.

Measures, on a fresh test server holding the sample city (``--use-settings``: the server of the
current settings, which must hold a loaded graph, e.g. after ``make demo``), the streamed writer
of ``kg export`` against the previous way, side by side in the same run: reading every node and
relationship into memory, building a networkx MultiDiGraph and writing it with ``networkx.write_graphml`` / ``write_gexf``. Prints seconds per run and the
peak memory each way adds (each way runs in a child process of its own), then the best run of
each as one JSON line (``bench/results/export-<scale>.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.results import emit

if TYPE_CHECKING:
    from graph.server import EmbeddedServer


def _one(way: str, fmt: str, out: Path) -> dict[str, float]:
    import networkx as nx

    from graph.db import session_driver
    from graph.settings import get_settings
    from queries.export import whole_graph_stream, write_export

    s = get_settings()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with session_driver(s) as driver:
        t = time.perf_counter()
        stream = whole_graph_stream(driver, s.neo4j_database)
        if way == "streamed":
            g = write_export(stream, out, fmt)  # type: ignore[arg-type]
            counts = (g.node_count, g.edge_count)
        else:
            mg = nx.MultiDiGraph()
            for node_id, label, caption, props in list(stream.nodes()):
                mg.add_node(
                    node_id,
                    label=caption,
                    type=label,
                    **{
                        k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
                        for k, v in props.items()
                    },
                )
            for i, (rtype, a, b, props) in enumerate(list(stream.edges())):
                mg.add_edge(a, b, key=i, type=rtype, **{k: str(v) for k, v in props.items()})
            (nx.write_graphml if fmt == "graphml" else nx.write_gexf)(mg, out)
            counts = (mg.number_of_nodes(), mg.number_of_edges())
        seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "added_mb": (peak - base) / 1024, "nodes": counts[0], "edges": counts[1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--format", default="graphml", choices=["graphml", "gexf"])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--use-settings", action="store_true", help="use the server of the current settings")
    ap.add_argument("--child", nargs=2, metavar=("WAY", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        sys.stdout.write(json.dumps(_one(args.child[0], args.format, Path(args.child[1]))) + "\n")
        return
    results: dict[str, list[dict[str, float]]] = {"networkx": [], "streamed": []}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        server = None
        if not args.use_settings:
            server = _city_server(Path(tmp))
            user, password = server.auth()
            env.update(NEO4J_URI=server.uri, NEO4J_USER=user, NEO4J_PASSWORD=password, NEO4J_DATABASE="neo4j")
        try:
            for run in range(1, args.runs + 1):
                for way in ("networkx", "streamed"):
                    done = subprocess.run(
                        [
                            sys.executable,
                            "-m",
                            "bench.export",
                            "--format",
                            args.format,
                            "--child",
                            way,
                            str(Path(tmp) / f"{way}.{args.format}"),
                        ],
                        capture_output=True,
                        text=True,
                        check=True,
                        env=env,
                    )
                    r = json.loads(done.stdout.strip().splitlines()[-1])
                    results[way].append(r)
                    print(
                        f"run {run} {way:8} {args.format}: {r['nodes']:,} nodes, {r['edges']:,} edges, "
                        f"{r['seconds']:.2f} s, +{r['added_mb']:.0f} MB peak",
                        flush=True,
                    )
        finally:
            if server is not None:
                server.stop()
    best = {way: min(rs, key=lambda r: r["seconds"]) for way, rs in results.items()}
    emit(
        {
            "bench": "export",
            "scale": "settings" if args.use_settings else "city",
            "format": args.format,
            "streamed_s": round(best["streamed"]["seconds"], 2),
            "networkx_s": round(best["networkx"]["seconds"], 2),
            "streamed_added_mb": round(best["streamed"]["added_mb"]),
            "networkx_added_mb": round(best["networkx"]["added_mb"]),
            "nodes": int(best["streamed"]["nodes"]),
            "edges": int(best["streamed"]["edges"]),
        }
    )


def _city_server(tmp: Path) -> EmbeddedServer:
    """A fresh test server holding the sample city."""
    import neo4j

    from graph.constraints import apply_schema
    from graph.testing import start_test_server
    from ingest.job import run_ingest
    from ingest.sample import generate

    server = start_test_server(tmp / "neo4j")
    driver = neo4j.GraphDatabase.driver(server.uri, auth=server.auth())
    try:
        apply_schema(driver, "neo4j")
        generate(tmp / "sample", scale="city", seed=7)
        run_ingest(driver, "neo4j", tmp / "sample")
    finally:
        driver.close()
    return server


if __name__ == "__main__":
    main()
