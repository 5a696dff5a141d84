"""Each view in headless Chromium, served by a real uvicorn and from an exported file: it draws
the expected nodes, logs no console error, and nothing leaves localhost."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest

from api.serving import served
from api.tokens import create_token
from graph.settings import Settings
from viz.browser import PageLog, chromium, drawn_nodes, guarded_page, wait_stable
from viz.render import render_html
from viz.screenshots import AS_OF, sample_params
from viz.views import get_view

pytestmark = [pytest.mark.browser, pytest.mark.neo4j]


@pytest.fixture(scope="module")
def server(city_driver: neo4j.Driver, city_settings: Settings) -> Iterator[str]:
    with served(city_settings) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path("/usr/bin/chromium").exists() and os.environ.get("KG_SKIP_BROWSER") == "1":
        pytest.skip("Chromium is not installed and KG_SKIP_BROWSER=1")
    with chromium() as b:
        yield b


def test_every_view_served_and_exported(
    server: str, browser: Any, city_driver: neo4j.Driver, city_settings: Settings, tmp_path: Path
) -> None:
    db = city_settings.neo4j_database
    token = create_token(city_driver, db, "strict_office", "浏览器测试")[1]
    host = server.removeprefix("http://").split(":")[0]
    # Log in as a browser would: the cookie holds a server-side session id, not the token.
    session = httpx.post(f"{server}/login", data={"token": token}, follow_redirects=False).cookies[
        "kg_session"
    ]
    for name, params in sample_params(city_driver, db).items():
        query = {"as_of": AS_OF, **params}
        view = get_view(name).build(city_driver, db, query)
        ids = view.node_ids()
        focus = {i for i in view.focus or [] if i in ids}
        expected = (
            len(focus) if focus and len(focus) < len(ids) else len(view.nodes)
        )  # gap views open in focus

        plog = PageLog()
        page = guarded_page(browser, plog)
        page.context.add_cookies([{"name": "kg_session", "value": session, "domain": host, "path": "/"}])
        # Views with clues or cases need a stated purpose; the page passes it on to its expansions.
        qs = "&".join(f"{k}={v}" for k, v in {**query, "purpose": "浏览器测试"}.items())
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
        page.evaluate(
            "id => window.kgNetwork.body.emitter.emit('doubleClick', {nodes: [id]})", view.nodes[0].id
        )
        assert "需要服务器" in page.text_content("#kg-status")
        assert not plog.errors and not plog.blocked, (name, plog.errors, plog.blocked)
        page.context.close()


def test_unauthenticated_browser_goes_to_login(server: str, browser: Any) -> None:
    plog = PageLog()
    page = guarded_page(browser, plog)
    page.goto(f"{server}/views/ecosystem_map.html")
    assert page.url.startswith(f"{server}/login")
    page.context.close()


def test_view_without_purpose_asks_for_one(
    server: str, browser: Any, city_driver: neo4j.Driver, city_settings: Settings
) -> None:
    """A page with cases asks for the purpose in a form, then opens with it; the purpose is
    written to the access log."""
    token = create_token(city_driver, city_settings.neo4j_database, "discipline", "浏览器事由")[1]
    host = server.removeprefix("http://").split(":")[0]
    session = httpx.post(f"{server}/login", data={"token": token}, follow_redirects=False).cookies[
        "kg_session"
    ]
    params = sample_params(city_driver, city_settings.neo4j_database)["accountability_chain"]
    plog = PageLog()
    page = guarded_page(browser, plog)
    page.context.add_cookies([{"name": "kg_session", "value": session, "domain": host, "path": "/"}])
    page.goto(f"{server}/views/accountability_chain.html?as_of={AS_OF}&case_no={params['case_no']}")
    assert "请说明调阅事由" in page.text_content("h1")
    assert [e for e in plog.errors if "status of 400" not in e] == []  # the form is answered with 400
    plog.errors.clear()
    page.fill("#purpose", "核查案件责任链")
    page.click("button[type=submit]")
    wait_stable(page)
    assert drawn_nodes(page) > 0 and "purpose=" in page.url
    assert not plog.errors and not plog.blocked
    page.context.close()
