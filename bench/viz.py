"""Time to a settled network in headless Chromium, with and without the large-graph handling.

``python -m bench.viz [--sizes 200,2000,10000] [--timeout 120]``: synthetic unit trees with extra
cross links; "handled" = the views' rendering (capped physics, or server-side layout above the
threshold); "raw" = vis-network defaults (physics, 1,000 stabilization iterations, improvedLayout).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from viz.browser import PageLog, chromium, guarded_page, wait_stable
from viz.model import GraphView, ViewEdge, ViewNode
from viz.render import render_html


def synthetic(n: int, seed: int = 7) -> GraphView:
    rng = random.Random(seed)
    nodes = [ViewNode(id=f"Unit:U{i}", type="Unit" if i % 5 == 0 else "Officer", key=f"U{i}", caption=f"N{i}")
             for i in range(n)]
    edges = [ViewEdge(id=f"t{i}", type="PART_OF", to=f"Unit:U{rng.randrange(i)}", **{"from": f"Unit:U{i}"})
             for i in range(1, n)]
    edges += [ViewEdge(id=f"x{i}", type="CONCERNS", to=f"Unit:U{rng.randrange(n)}", **{"from": f"Unit:U{rng.randrange(n)}"})
              for i in range(n // 2)]
    return GraphView(name="bench", title=f"基准 {n}", as_of="2026-06-30", nodes=nodes, edges=edges)


def measure(browser: object, html: str, timeout_s: float) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "b.html"
        f.write_text(html, encoding="utf-8")
        page = guarded_page(browser, PageLog())
        t0 = time.perf_counter()
        try:
            page.goto(f.as_uri(), timeout=timeout_s * 1000)
            wait_stable(page, timeout_ms=timeout_s * 1000)
            return f"{time.perf_counter() - t0:.2f}"
        except Exception:  # noqa: BLE001 - a timeout is the measurement
            return f">{timeout_s:.0f}"
        finally:
            page.context.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="200,2000,10000")
    ap.add_argument("--timeout", type=float, default=120.0)
    a = ap.parse_args()
    print("| nodes | handled (s) | raw vis-network defaults (s) | ratio |")
    print("|---:|---:|---:|---:|")
    with chromium() as browser:
        for n in (int(s) for s in a.sizes.split(",")):
            view = synthetic(n)
            t = time.perf_counter()
            handled_html = render_html(view)
            render_s = time.perf_counter() - t
            handled = measure(browser, handled_html, a.timeout)
            raw = measure(browser, render_html(view, large_handling=False), a.timeout)
            try:
                ratio = f"{float(raw.lstrip('>')) / (float(handled) + render_s):.1f}×" + ("+" if raw.startswith(">") else "")
            except ValueError:
                ratio = "—"
            print(f"| {n} | {float(handled) + render_s:.2f} (render {render_s:.2f} + browser {handled}) | {raw} | {ratio} |",
                  flush=True)


if __name__ == "__main__":
    main()
