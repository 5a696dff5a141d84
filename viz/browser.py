"""Headless Chromium for screenshots, benchmarks and browser tests: the system's browser,
never a downloaded one, and no request allowed off this machine."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass
class PageLog:
    """What a page did: console errors and the requests that tried to leave localhost."""

    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


def is_local(url: str) -> bool:
    u = urlparse(url)
    return u.scheme in ("file", "data", "blob", "about") or (u.hostname or "") in LOCAL_HOSTS


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def guarded_page(browser: Any, log: PageLog, *, width: int = 1400, height: int = 900) -> Any:
    """A new page whose non-local requests are aborted and recorded, console errors collected."""
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()

    def route(r: Any) -> None:
        if is_local(r.request.url):
            r.continue_()
        else:
            log.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.errors.append(str(e)))
    return page


def wait_stable(page: Any, timeout_ms: float = 120_000) -> float:
    """Wait until the network is drawn and settled; returns the page's own time to it (ms)."""
    page.wait_for_function("window.kgStabilized === true", timeout=timeout_ms)
    return float(page.evaluate("window.kgStableMs"))


def drawn_nodes(page: Any) -> int:
    return int(page.evaluate("window.kgNetwork.body.data.nodes.length"))
