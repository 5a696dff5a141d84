""" "下发督办" in headless Chromium: the form prefilled from a target, submitted, the order's page
drawn; the home page's to-do panel filled from /orders/todo. Nothing leaves localhost."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest

from api.serving import served
from api.tokens import create_token
from graph.orders.store import Actor, act, create_order
from graph.schema import OrderInput
from graph.settings import Settings
from tests.data.orders.world import build
from viz.browser import PageLog, chromium, drawn_nodes, guarded_page, wait_stable

pytestmark = [pytest.mark.browser, pytest.mark.neo4j]


@pytest.fixture
def server(db: neo4j.Driver, db_settings: Settings) -> Iterator[str]:
    build(db, db_settings.neo4j_database)
    with served(db_settings) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path("/usr/bin/chromium").exists() and os.environ.get("KG_SKIP_BROWSER") == "1":
        pytest.skip("Chromium is not installed and KG_SKIP_BROWSER=1")
    with chromium() as b:
        yield b


def _page(browser: Any, server: str, secret: str, plog: PageLog) -> Any:
    page = guarded_page(browser, plog)
    session = httpx.post(f"{server}/login", data={"token": secret}, follow_redirects=False).cookies[
        "kg_session"
    ]
    page.context.add_cookies([{"name": "kg_session", "value": session, "url": server}])
    return page


def test_issue_from_the_form_then_see_the_order(
    server: str, browser: Any, db: neo4j.Driver, db_settings: Settings
) -> None:
    database = db_settings.neo4j_database
    secret = create_token(db, database, "strict_office", "浏览器测试")[1]
    plog = PageLog()
    page = _page(browser, server, secret, plog)
    page.goto(f"{server}/orders/new?target=Officer:010001")
    assert "民警" in page.text_content("#kg-target") and "张伟" in page.text_content("#kg-target")
    assert page.input_value("#assignee_code") == "U2"  # the officer's unit
    assert page.input_value("#targets") == "Officer:010001"
    assert page.input_value("#title") == "关于张伟的督办"
    assert page.eval_on_selector("#kind", "e => e.value") == "督办单"
    page.fill("#requirement", "请于期限内书面反馈整改情况")
    page.fill("#deadline", "2099-12-31")
    page.click("#kg-submit")
    page.wait_for_url("**/orders/DB*.html")
    wait_stable(page)
    assert drawn_nodes(page) == 4  # the order, issuer, assignee, officer
    assert page.text_content("#kg-state") == "已下发"
    assert "下发" in page.text_content("#kg-events")
    no = page.url.rsplit("/", 1)[1].removesuffix(".html")
    assert (
        db.execute_query(
            "MATCH (o:SupervisionOrder {order_no: $no})-[:ORDER_ABOUT]->(:Officer {badge_no: '010001'}) "
            "RETURN o.requirement AS r",
            no=no,
            database_=database,
        ).records[0]["r"]
        == "请于期限内书面反馈整改情况"
    )
    # A bad submission shows the API's message on the form, not a broken page.
    page.goto(f"{server}/orders/new?target=Unit:U3")
    page.fill("#assignee_code", "NOPE")
    page.click("#kg-submit")
    page.wait_for_function("document.getElementById('kg-form-error').textContent.length > 0")
    assert "NOPE" in page.text_content("#kg-form-error")
    assert not plog.blocked, plog.blocked
    assert all("404" in e for e in plog.errors), plog.errors  # only the refused POST is logged
    page.context.close()


def test_home_page_shows_my_todo_and_overdue_by_body(
    server: str, browser: Any, db: neo4j.Driver, db_settings: Settings
) -> None:
    database = db_settings.neo4j_database
    office = Actor("王主任", "从严办")
    late = create_order(
        db,
        database,
        OrderInput.model_validate(
            {
                "kind": "督办单",
                "title": "逾期未反馈",
                "assignee_code": "U3",
                "issuer_code": "B0",
                "issued_on": "2026-01-10",
                "deadline": "2026-02-10",
            }
        ),
        office,
    )
    answered = create_order(
        db,
        database,
        OrderInput.model_validate(
            {
                "kind": "工作提示",
                "title": "已反馈待办结",
                "assignee_code": "U2",
                "issuer_code": "B0",
                "issued_on": "2026-01-10",
                "deadline": "2026-02-10",
            }
        ),
        office,
    )
    act(db, database, answered, "feedback", Actor("所长", "责任单位"), text="已落实", on=dt.date(2026, 1, 20))
    secret = create_token(db, database, "strict_office", "首页测试")[1]
    plog = PageLog()
    page = _page(browser, server, secret, plog)
    page.goto(f"{server}/?as_of=2026-03-01", timeout=180_000)  # the key figures run several queries
    page.wait_for_selector("#kg-orders-by-body")
    text = page.text_content("#kg-orders")
    assert "我的待办" in text and answered in text and late in text
    assert page.text_content("#kg-orders-by-body").replace(" ", "") == "北关派出所1"
    page.click(f"text={answered}：已反馈待办结")
    page.wait_for_url(f"**/orders/{answered}.html")
    assert [b.text_content() for b in page.query_selector_all("#kg-actions button")] == [
        "办结",
        "退回",
        "撤销",
    ]
    page.click("#kg-actions button[data-action=close]")
    page.wait_for_function("document.getElementById('kg-state').textContent === '已办结'")
    assert not plog.errors and not plog.blocked, (plog.errors, plog.blocked)
    page.context.close()
