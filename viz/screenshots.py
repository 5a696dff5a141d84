"""Regenerate docs/screenshots/*.png: the home page and every view, at 1920×1080, as a leader sees
them (served by the real API in this process, logged in with a short-lived 领导 token).

``python -m viz.screenshots`` uses the configured Neo4j (``kg db start`` + the city sample
loaded, e.g. ``make demo``). A page that logs a console error or asks for anything off this
machine makes the run fail.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from api.serving import served
from graph.db import session_driver
from graph.settings import REPO_ROOT, get_settings
from queries.registry import get_query
from viz.browser import PageLog, chromium, guarded_page, wait_stable

log = logging.getLogger(__name__)
OUT = REPO_ROOT / "docs" / "screenshots"
AS_OF = "2026-06-30"
WIDTH, HEIGHT = 1920, 1080
ROLE = "leader"


def sample_params(driver: Any, database: str) -> dict[str, dict[str, Any]]:
    """Parameters for the entity views, picked from the data (the top-ranked risk cluster)."""
    row = get_query("risk_clusters").execute(driver, database, {"as_of": AS_OF, "cluster_id": "K1"}).rows[0]
    return {
        "ecosystem_map": {},
        "risk_cluster": {"cluster_id": "K1"},
        "officer_ego": {"badge_no": row["officers"][0], "depth": 2},
        "unit_view": {"unit_code": row["units"][0]},
        "liaison_coverage": {},
        "supervision_coverage": {},
        "accountability_chain": {"case_no": row["cases"][0]} if row["cases"] else {},
    }


def pages(driver: Any, database: str) -> list[tuple[str, str]]:
    """``(file stem, path)`` of every page photographed."""
    out = [("home", f"/?as_of={AS_OF}")]
    for name, params in sample_params(driver, database).items():
        if name == "accountability_chain" and not params:
            continue
        out.append((name, f"/views/{name}.html?{urlencode({'as_of': AS_OF, **params})}"))
    out.append(("ecosystem_map_sub_bureau", f"/views/ecosystem_map.html?as_of={AS_OF}&group_by=sub_bureau"))
    return out


def main(out: Path = OUT) -> int:
    from api.tokens import create_token, revoke_token

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    db = settings.neo4j_database
    failures = 0
    with session_driver(settings) as driver:
        info, secret = create_token(driver, db, ROLE, "截图")
        try:
            with served(settings) as base, chromium() as browser:
                plog = PageLog()
                page = guarded_page(browser, plog, width=WIDTH, height=HEIGHT)
                page.context.add_cookies(
                    [{"name": "kg_token", "value": secret, "domain": "127.0.0.1", "path": "/"}]
                )
                page.set_default_timeout(180_000)  # a cold server runs the home page's queries first
                page.set_default_navigation_timeout(180_000)
                for stem, path in pages(driver, db):
                    page.goto(base + path)
                    if "/views/" in path:
                        wait_stable(page)
                    else:
                        page.wait_for_function("window.kgHomeReady === true")
                    page.wait_for_timeout(600)  # charts animate in
                    page.screenshot(path=str(out / f"{stem}.png"))
                    if plog.errors or plog.blocked:
                        failures += 1
                        log.error(
                            "%s: console errors %s, blocked requests %s", stem, plog.errors, plog.blocked
                        )
                        plog.errors.clear()
                        plog.blocked.clear()
                    log.info("%s → %s", path, out / f"{stem}.png")
                page.context.close()
        finally:
            revoke_token(driver, db, info.token_id)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
