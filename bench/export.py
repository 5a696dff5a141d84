"""Whole-graph export benchmark: ``python -m bench.export [--format graphml|gexf] [--runs 2]``.

Measures, on the server of the current settings (it must hold a loaded graph, e.g. after
``make demo``), the streamed writer of ``kg export`` against the previous way, side by side in
the same run: reading every node and relationship into memory, building a networkx MultiDiGraph
and writing it with ``networkx.write_graphml`` / ``write_gexf``. Prints seconds per run and the
peak memory each way adds (each way runs in a child process of its own).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


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
    ap.add_argument("--child", nargs=2, metavar=("WAY", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        sys.stdout.write(json.dumps(_one(args.child[0], args.format, Path(args.child[1]))) + "\n")
        return
    with tempfile.TemporaryDirectory() as tmp:
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
                )
                r = json.loads(done.stdout.strip().splitlines()[-1])
                print(
                    f"run {run} {way:8} {args.format}: {r['nodes']:,} nodes, {r['edges']:,} edges, "
                    f"{r['seconds']:.2f} s, +{r['added_mb']:.0f} MB peak"
                )


if __name__ == "__main__":
    main()
