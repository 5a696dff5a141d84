"""The leaders' experience in headless Chromium, in one browser session against a real uvicorn on
the city sample: search → view, top-10 row → focused node, click → detail panel, legend filter →
fewer nodes, expansion placed without overlap and undone (also on the layered chain), cluster
picker ordered 窝案 first, PNG export carrying the marking; no console error, nothing off localhost."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import neo4j
import pytest

from api.tokens import create_token
from graph.settings import Settings
from tests.test_viz_browser import browser, server  # noqa: F401  (module fixtures reused)
from viz.browser import PageLog, guarded_page, wait_stable

pytestmark = [pytest.mark.browser, pytest.mark.neo4j]
AS_OF = "2026-06-30"

BOXES = """ids => ids.map(id => { const b = window.kgNetwork.getBoundingBox(id); return [id, b.left, b.top, b.right, b.bottom]; })"""


PURPOSE = "领导页浏览器测试"


def _overlapping(new: list[list[Any]], old: list[list[Any]]) -> list[tuple[str, str]]:
    return [
        (a[0], b[0])
        for a in new
        for b in old
        if not (a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2])
    ]


@pytest.fixture(scope="module")
def page(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    city_driver: neo4j.Driver,  # noqa: F811
    city_settings: Settings,
) -> Iterator[tuple[Any, PageLog]]:
    token = create_token(city_driver, city_settings.neo4j_database, "strict_office", "领导页测试")[1]
    log = PageLog()
    p = guarded_page(browser, log, width=1920, height=1080)
    session = httpx.post(f"{server}/login", data={"token": token}, follow_redirects=False).cookies[
        "kg_session"
    ]
    p.context.add_cookies([{"name": "kg_session", "value": session, "domain": "127.0.0.1", "path": "/"}])
    # The home page's first load runs the whole-graph queries behind its figures (then cached);
    # on a loaded two-core machine that can take longer than Playwright's 30 s default.
    p.set_default_timeout(120_000)
    p.set_default_navigation_timeout(120_000)
    yield p, log
    p.context.close()


def _stable(p: Any) -> None:
    p.wait_for_load_state()
    wait_stable(p)


def _state_purpose(p: Any, log: PageLog) -> None:
    """A view with clues or cases first asks for the purpose (answered with 400, which the
    browser logs); state it and the view opens with it."""
    p.wait_for_load_state()
    if p.locator("#purpose").count():
        p.fill("#purpose", "领导页浏览器测试")
        p.click("button[type=submit]")
        p.wait_for_url("**purpose=**")
        log.errors[:] = [e for e in log.errors if "status of 400" not in e]


def test_leaders_pages(
    server: str,  # noqa: F811
    page: tuple[Any, PageLog],
    city_sample: tuple[Any, dict[str, Any]],
) -> None:
    p, log = page
    key = city_sample[1]
    badge = key["clusters"][0]["officers"][0]

    # 1. Search → view: type a badge number, Enter opens the officer's network with him selected.
    p.goto(f"{server}/?as_of={AS_OF}")
    p.fill("#kg-search", badge)
    p.wait_for_selector(f'#kg-search-results li[data-id="Officer:{badge}"]')
    p.press("#kg-search", "Enter")
    p.wait_for_url(f"**/views/officer_ego.html?badge_no={badge}**")
    _state_purpose(p, log)
    _stable(p)
    p.wait_for_function("window.kgNetwork.getSelectedNodes().length === 1")
    assert p.evaluate("window.kgNetwork.getSelectedNodes()") == [f"Officer:{badge}"]

    # 2. Top-10 row → its view with the node focused, highlighted and its row selected.
    p.goto(f"{server}/?as_of={AS_OF}")
    first = p.locator("#top-uncovered li a").first
    href = first.get_attribute("href")
    unit_id = href.split("#focus=")[1].replace("%3A", ":")
    assert unit_id.removeprefix("Unit:") in key["liaison"]["uncovered_units"]
    first.click()
    _stable(p)
    p.wait_for_function("window.kgNetwork.getSelectedNodes().length === 1")
    assert p.evaluate("window.kgNetwork.getSelectedNodes()") == [unit_id]
    assert p.get_attribute("#kg-ranked li.sel", "data-id") == unit_id
    # Readable at first sight: every message-carrying label >= 12 px on screen at the fitted zoom.
    p.click("#kg-fit")
    small = p.evaluate("""() => { const s = window.kgNetwork.getScale();
        return window.kgNetwork.body.data.nodes.get({filter: n => n.kgImportant && !n.hidden})
          .filter(n => n.font.size * s < 12).map(n => n.id); }""")
    assert small == []

    # 3. Click a node → detail panel with its fields, relationships and the order link.
    p.evaluate("id => window.kgNetwork.body.emitter.emit('click', {nodes: [id], edges: []})", unit_id)
    p.wait_for_selector("#kg-details h3")
    assert "单位" in p.text_content("#kg-details h3")
    assert p.get_attribute("#kg-order", "href") == f"/orders/new?target={unit_id.replace(':', '%3A')}"
    p.wait_for_selector("#kg-rel-all button[data-rel]")

    # 4. Filter: a legend entry hides its nodes.
    before = p.evaluate("window.kgVisibleCount()")
    p.click('#kg-legend li[data-key="node:民警·党委班子成员"]')
    after = p.evaluate("window.kgVisibleCount()")
    assert 0 < after < before
    p.click('#kg-legend li[data-key="node:民警·党委班子成员"]')
    assert p.evaluate("window.kgVisibleCount()") == before

    # Gap views open in focus mode; "显示全部" shows everything, "只看重点" returns.
    p.goto(f"{server}/views/ecosystem_map.html?as_of={AS_OF}")
    _stable(p)
    focused = p.evaluate("window.kgVisibleCount()")
    bad = p.eval_on_selector_all("#kg-ranked li.bad", "ls => ls.map(l => l.getAttribute('data-id'))")
    shown = set(p.evaluate("window.kgNetwork.body.data.nodes.getIds()"))
    assert bad and set(bad) <= shown  # every unit rated 差 is in the focus picture
    p.click("#kg-focus")
    p.wait_for_function(f"window.kgVisibleCount() > {focused}")
    assert p.text_content("#kg-focus") == "只看重点"
    p.click("#kg-focus")
    p.wait_for_function(f"window.kgVisibleCount() === {focused}")

    # 5. Cluster picker: ordered 窝案 first with a reason line; choosing re-queries the server.
    p.goto(f"{server}/views/risk_cluster.html?as_of={AS_OF}&purpose={PURPOSE}")
    _stable(p)
    options = p.eval_on_selector_all("#kg-pick-cluster_id option", "os => os.map(o => o.textContent)")
    kinds = [o.split(" · ")[1] for o in options]
    assert kinds == sorted(kinds, key=["窝案", "串案", "关联"].index)
    assert "窝案" in p.text_content("#kg-pick-note")
    p.select_option("#kg-pick-cluster_id", "K2")
    p.wait_for_url("**cluster_id=K2**")
    _stable(p)
    assert "K2" in p.text_content("#kg-title")

    # 6. Expansion without overlap, "再显示 N 个", undo — on a physics view and on the layered chain.
    for url in (
        f"/views/risk_cluster.html?as_of={AS_OF}&cluster_id=K2&purpose={PURPOSE}",
        f"/views/accountability_chain.html?as_of={AS_OF}&case_no={key['clusters'][0]['cases'][0]}"
        f"&purpose={PURPOSE}",
    ):
        p.goto(server + url)
        _stable(p)
        ids = p.evaluate("window.kgNetwork.body.data.nodes.getIds()")
        old = p.evaluate(BOXES, ids)
        unit = next(i for i in ids if i.startswith("Unit:"))
        p.evaluate("id => window.kgExpand(id, 'SERVES_IN')", unit)
        p.wait_for_function("document.getElementById('kg-status').textContent.startsWith('已展开')")
        now = p.evaluate("window.kgNetwork.body.data.nodes.getIds()")
        new_ids = [i for i in now if i not in ids]
        assert new_ids, url
        p.evaluate("() => window.kgNetwork.redraw()")
        assert _overlapping(p.evaluate(BOXES, new_ids), old) == [], url
        if p.is_visible("#kg-more-btn"):
            p.click("#kg-more-btn")
            p.wait_for_function(f"window.kgNetwork.body.data.nodes.length > {len(now)}")
        p.click("#kg-undo")
        if p.is_enabled("#kg-undo"):
            p.click("#kg-undo")
        assert sorted(p.evaluate("window.kgNetwork.body.data.nodes.getIds()")) == sorted(ids), url
        assert p.is_disabled("#kg-undo")

    # 7. Export PNG (and PDF) carrying the title, the marking and who exported.
    texts = p.evaluate("""() => { const seen = []; const orig = CanvasRenderingContext2D.prototype.fillText;
        CanvasRenderingContext2D.prototype.fillText = function (t, x, y) { seen.push(String(t)); return orig.call(this, t, x, y); };
        const url = window.kgExportPng(); CanvasRenderingContext2D.prototype.fillText = orig;
        return [url.slice(0, 22), seen]; }""")
    assert texts[0] == "data:image/png;base64,"
    assert "内部资料 注意保密" in texts[1]
    assert any("导出人：从严办 · 领导页测试" in t for t in texts[1])
    assert any(t.startswith("案件责任链") for t in texts[1])
    assert any("数据截至 2026-06-30" in t for t in texts[1])
    pdf_head = p.evaluate("() => window.kgExportPdf().slice(0, 8).text()")
    assert pdf_head == "%PDF-1.4"

    assert not log.errors, log.errors
    assert not log.blocked, log.blocked
