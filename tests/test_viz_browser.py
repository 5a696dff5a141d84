"""Each view in headless Chromium, served by a real uvicorn and from an exported file: it draws
the expected nodes, logs no console error, and nothing leaves localhost."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
import uvicorn

from api.app import create_app
from api.tokens import create_token
from graph.settings import Settings
from tests.neo4j_fixtures import free_port
from viz.browser import PageLog, chromium, drawn_nodes, guarded_page, wait_stable
from viz.render import render_html
from viz.screenshots import AS_OF, sample_params
from viz.views import get_view

pytestmark = [pytest.mark.browser, pytest.mark.neo4j]


@pytest.fixture(scope="module")
def server(city_driver: neo4j.Driver, city_settings: Settings) -> Iterator[str]:
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(city_settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert srv.started
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path("/usr/bin/chromium").exists() and os.environ.get("KG_SKIP_BROWSER") == "1":
        pytest.skip("Chromium is not installed and KG_SKIP_BROWSER=1")
    with chromium() as b:
        yield b


def test_every_view_served_and_exported(server: str, browser: Any, city_driver: neo4j.Driver,
                                        city_settings: Settings, tmp_path: Path) -> None:
    db = city_settings.neo4j_database
    token = create_token(city_driver, db, "strict_office", "浏览器测试")[1]
    host = server.removeprefix("http://").split(":")[0]
    for name, params in sample_params(city_driver, db).items():
        query = {"as_of": AS_OF, **params}
        view = get_view(name).build(city_driver, db, query)
        ids = view.node_ids()
        focus = {i for i in view.focus or [] if i in ids}
        expected = len(focus) if focus and len(focus) < len(ids) else len(view.nodes)  # gap views open in focus

        plog = PageLog()
        page = guarded_page(browser, plog)
        page.context.add_cookies([{"name": "kg_token", "value": token, "domain": host, "path": "/"}])
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        page.goto(f"{server}/views/{name}.html?{qs}")
        wait_stable(page)
        assert drawn_nodes(page) == expected, name
        if name == "risk_cluster":  # double-click expands through the API, capped
            first = view.nodes[0].id
            page.evaluate("id => window.kgNetwork.body.emitter.emit('doubleClick', {nodes: [id]})", first)
            page.wait_for_function("document.getElementById('kg-status').textContent.startsWith('已展开')")
            assert drawn_nodes(page) > expected
        data_url = page.evaluate("window.kgExportPng()")
        assert data_url.startswith("data:image/png;base64,")
        assert not plog.errors and not plog.blocked, (name, plog.errors, plog.blocked)
        page.context.close()

        file = tmp_path / f"{name}.html"
        file.write_text(render_html(view), encoding="utf-8")
        plog = PageLog()
        page = guarded_page(browser, plog)
        page.goto(file.as_uri())
        wait_stable(page)
        assert drawn_nodes(page) == expected, name
        page.evaluate("id => window.kgNetwork.body.emitter.emit('doubleClick', {nodes: [id]})", view.nodes[0].id)
        assert "需要服务器" in page.text_content("#kg-status")
        assert not plog.errors and not plog.blocked, (name, plog.errors, plog.blocked)
        page.context.close()


def test_unauthenticated_browser_goes_to_login(server: str, browser: Any) -> None:
    plog = PageLog()
    page = guarded_page(browser, plog)
    page.goto(f"{server}/views/ecosystem_map.html")
    assert page.url.startswith(f"{server}/login")
    page.context.close()
