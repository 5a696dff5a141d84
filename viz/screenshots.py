"""Regenerate docs/screenshots/*.png: every view on the city sample, in headless Chromium.

``python -m viz.screenshots`` uses the configured Neo4j (``kg db start`` + the city sample
loaded, e.g. ``make demo``); each view is rendered to a file and photographed once settled.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

from graph.db import session_driver
from graph.settings import REPO_ROOT, get_settings
from queries.registry import get_query
from viz.browser import PageLog, chromium, guarded_page, wait_stable
from viz.render import render_html
from viz.views import get_view

log = logging.getLogger(__name__)
OUT = REPO_ROOT / "docs" / "screenshots"
AS_OF = "2026-06-30"


def sample_params(driver: Any, database: str) -> dict[str, dict[str, Any]]:
    """Parameters for the entity views, picked from the data (the top risk cluster)."""
    row = get_query("risk_clusters").execute(driver, database, {"as_of": AS_OF, "cluster_id": "K1"}).rows[0]
    return {"ecosystem_map": {}, "risk_cluster": {"cluster_id": "K1"},
            "officer_ego": {"badge_no": row["officers"][0], "depth": 2},
            "unit_view": {"unit_code": row["units"][0]}, "liaison_coverage": {}, "supervision_coverage": {},
            "accountability_chain": {"case_no": row["cases"][0]} if row["cases"] else {}}


def main(out: Path = OUT) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    failures = 0
    with session_driver(settings) as driver, chromium() as browser, tempfile.TemporaryDirectory() as tmp:
        for name, params in sample_params(driver, settings.neo4j_database).items():
            if name == "accountability_chain" and not params:
                continue
            view = get_view(name).build(driver, settings.neo4j_database, {"as_of": AS_OF, **params})
            page_file = Path(tmp) / f"{name}.html"
            page_file.write_text(render_html(view), encoding="utf-8")
            plog = PageLog()
            page = guarded_page(browser, plog, width=1400, height=900)
            page.goto(page_file.as_uri())
            wait_stable(page)
            page.wait_for_timeout(300)
            page.screenshot(path=str(out / f"{name}.png"))
            page.context.close()
            if plog.errors or plog.blocked:
                failures += 1
                log.error("%s: console errors %s, blocked requests %s", name, plog.errors, plog.blocked)
            log.info("%s: %d nodes → %s", name, len(view.nodes), out / f"{name}.png")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
