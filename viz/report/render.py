"""Renderers of the bulletin: DOCX, HTML (offline: images inlined) and PDF (that HTML printed by
headless Chromium, so PDF and HTML never differ)."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

import jinja2

from graph.errors import KgError
from viz.report.model import Figure, Report
from viz.report.word import render_docx

log = logging.getLogger(__name__)

__all__ = ["render", "render_html", "render_pdf", "render_docx", "FORMATS", "MEDIA_TYPES"]

Format = Literal["docx", "pdf", "html"]
FORMATS: tuple[Format, ...] = ("docx", "pdf", "html")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}
CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
PDF_TIMEOUT = 120.0

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
)


def render_html(report: Report) -> str:
    """One self-contained page (charts as data: URIs, no external request)."""

    def png(fig: Figure) -> str:
        return base64.b64encode(fig.png).decode("ascii")

    return _env.get_template("report.html").render(r=report, png=png)


def render_pdf(report: Report) -> bytes:
    """Print the HTML with headless Chromium (A4; marking and page numbers in the page margins)."""
    with tempfile.TemporaryDirectory(prefix="kg-report-") as tmp:
        page, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(render_html(report), encoding="utf-8")
        cmd = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PDF_TIMEOUT, check=False)
        except FileNotFoundError as e:
            raise KgError(
                f"找不到 Chromium（{CHROMIUM}），无法生成 PDF；可改用 --format docx 或 html / "
                f"Chromium not found at {CHROMIUM}: cannot print the PDF"
            ) from e
        except subprocess.TimeoutExpired as e:
            raise KgError(
                f"Chromium 生成 PDF 超时（{PDF_TIMEOUT:.0f} 秒） / Chromium timed out printing the PDF"
            ) from e
        if not out.exists() or out.stat().st_size == 0:
            log.error("chromium failed (%s): %s", proc.returncode, proc.stderr[-2000:])
            raise KgError(
                f"Chromium 未能生成 PDF（退出码 {proc.returncode}） / Chromium did not print the PDF"
            )
        return out.read_bytes()


def render(report: Report, fmt: str) -> bytes:
    if fmt == "docx":
        return render_docx(report)
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(report)
    raise KgError(f"未知格式 {fmt!r}：可用 docx、pdf、html / unknown format {fmt!r}: use docx, pdf or html")
