"""Time to the first drawn picture and to a settled layout in headless Chromium, with the views'
large-graph handling and with vis-network's defaults, side by side.

``python -m bench.viz [--sizes 200,2000,10000] [--timeout 300]``: synthetic unit trees with extra
cross links. "handled" = the views' rendering (capped physics below 1,000 nodes, server-side
layout above, physics off); "defaults" = vis-network's own (physics, 1,000 stabilization
iterations, improvedLayout). First picture = the first frame with the nodes drawn; settled = the
layout no longer moves. Every row runs to the end or to the timeout (shown as ">N").
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from viz.browser import PageLog, chromium, guarded_page
from viz.model import GraphView, ViewEdge, ViewNode
from viz.render import render_html


def synthetic(n: int, seed: int = 7) -> GraphView:
    rng = random.Random(seed)
    nodes = [
        ViewNode(
            id=f"Unit:U{i}",
            type="Unit" if i % 5 == 0 else "Officer",
            key=f"U{i}",
            caption=f"N{i}",
            important=i % 50 == 0,
        )
        for i in range(n)
    ]
    edges = [
        ViewEdge(id=f"t{i}", type="PART_OF", to=f"Unit:U{rng.randrange(i)}", from_=f"Unit:U{i}")
        for i in range(1, n)
    ]
    edges += [
        ViewEdge(
            id=f"x{i}",
            type="CONCERNS",
            to=f"Unit:U{rng.randrange(n)}",
            from_=f"Unit:U{rng.randrange(n)}",
        )
        for i in range(n // 2)
    ]
    return GraphView(name="bench", title=f"基准 {n}", as_of="2026-06-30", nodes=nodes, edges=edges)


def measure(browser: object, html: str, timeout_s: float) -> tuple[str, str]:
    """(first picture, settled) in seconds from navigation, as the page itself measured them."""
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "b.html"
        f.write_text(html, encoding="utf-8")
        page = guarded_page(browser, PageLog(), width=1920, height=1080)
        first = settled = f">{timeout_s:.0f}"
        try:
            page.goto(f.as_uri(), timeout=timeout_s * 1000)
            page.wait_for_function("window.kgFirstDrawMs !== undefined", timeout=timeout_s * 1000)
            first = f"{page.evaluate('window.kgFirstDrawMs') / 1000:.2f}"
            page.wait_for_function("window.kgStabilized === true", timeout=timeout_s * 1000)
            settled = f"{page.evaluate('window.kgStableMs') / 1000:.2f}"
        except Exception:  # noqa: BLE001 - a timeout is the measurement
            pass
        finally:
            page.context.close()
        return first, settled


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="200,2000,10000")
    ap.add_argument("--timeout", type=float, default=300.0)
    a = ap.parse_args()
    print(
        "| nodes | render (s) | handled: first picture / settled (s) | vis-network defaults: first picture / settled (s) |"
    )
    print("|---:|---:|---:|---:|")
    with chromium() as browser:
        for n in (int(s) for s in a.sizes.split(",")):
            view = synthetic(n)
            t = time.perf_counter()
            handled_html = render_html(view)
            render_s = time.perf_counter() - t
            h_first, h_settled = measure(browser, handled_html, a.timeout)
            r_first, r_settled = measure(browser, render_html(view, large_handling=False), a.timeout)
            print(f"| {n} | {render_s:.2f} | {h_first} / {h_settled} | {r_first} / {r_settled} |", flush=True)


if __name__ == "__main__":
    main()
