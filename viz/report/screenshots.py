"""Regenerate docs/screenshots/report_p*.png: the sample city's 2026Q2 bulletin, page by page.

``python -m viz.report.screenshots`` uses the configured Neo4j (the city sample loaded, e.g.
after ``make demo``): the bulletin is printed to PDF by headless Chromium and each page rendered
to PNG with ``pdftoppm`` (poppler-utils).
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

from graph.db import session_driver
from graph.settings import REPO_ROOT, get_settings
from viz.report.content import build_report
from viz.report.period import parse_period
from viz.report.render import render_pdf

log = logging.getLogger(__name__)
OUT = REPO_ROOT / "docs" / "screenshots"
PERIOD = "2026Q2"
ISSUED = dt.date(2026, 7, 6)


def main(out: Path = OUT) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = get_settings()
    with session_driver(settings) as driver:
        report = build_report(driver, settings.neo4j_database, parse_period(PERIOD), issued_on=ISSUED)
    pdf = render_pdf(report)
    for old in out.glob("report_p*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "report.pdf"
        f.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "80", "-png", str(f), str(Path(tmp) / "p")], check=True, timeout=300
        )
        for i, page in enumerate(sorted(Path(tmp).glob("p-*.png")), start=1):
            page.replace(out / f"report_p{i}.png")
            log.info("page %d → %s", i, out / f"report_p{i}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
