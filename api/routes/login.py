"""A small login page so leaders can open the HTML views in a browser: the token is exchanged
for an opaque server-side session whose id goes into an HttpOnly, SameSite=Strict cookie
(``kg_session``), which every endpoint accepts like a Bearer token. Logout is a POST."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.audit import failure_record
from api.deps import COOKIE_NAME, DriverHolder
from api.errors import ERROR_RESPONSES
from api.limits import Throttle, client_address
from api.tokens import SESSION_HOURS, TokenCache, create_session, end_session

router = APIRouter(tags=["login"])

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>登录 · 监督知识图谱</title>
<style>body{{font-family:sans-serif;max-width:28em;margin:4em auto;color:#222}}
input{{width:100%;padding:.5em;margin:.5em 0;box-sizing:border-box}}button{{padding:.5em 2em}}
.err{{color:#b00}}</style></head>
<body><h1>监督知识图谱</h1><p>请输入从严办发放的访问令牌。</p>{error}
<form method="post" action="/login"><label for="token">访问令牌</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">登录</button></form></body></html>"""


def _page(error: str = "") -> str:
    return _PAGE.format(error=f'<p class="err">{html.escape(error)}</p>' if error else "")


@router.get("/login", response_class=HTMLResponse, summary="登录页 / login page")
def login_page() -> str:
    return _page()


@router.post(
    "/login",
    response_class=HTMLResponse,
    summary="登录 / log in (sets the kg_session cookie: an opaque server-side session)",
    responses={
        303: {"description": "登录成功，转到首页 / logged in, redirect to /"},
        401: {"description": "令牌无效 / invalid token", "content": {"text/html": {}}},
        403: {"description": "跨站请求 / cross-site request"},
        429: {"description": "失败次数过多 / too many failed attempts (Retry-After)"},
        503: ERROR_RESPONSES[503],
    },
)
def login(request: Request, token: Annotated[str, Form(min_length=1, max_length=200)]) -> Response:
    """Exchange a token for a session: the cookie holds a random session id, never the token.
    Failed attempts are logged and throttled per client address."""
    settings = request.app.state.settings
    throttle: Throttle = request.app.state.throttle
    address = client_address(request)
    throttle.check(address)
    tokens: TokenCache = request.app.state.tokens
    holder: DriverHolder = request.app.state.drivers
    driver = holder.get()
    principal = tokens.resolve(driver, settings.neo4j_database, token.strip(), settings.kg_query_timeout)
    if principal is None:
        throttle.fail(address)
        request.app.state.audit.append(failure_record(request, "login_failed", 401))
        return HTMLResponse(_page("令牌无效、已过期或已撤销。"), status_code=401)
    sid, until = create_session(driver, settings.neo4j_database, principal.token_id)
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(
        COOKIE_NAME,
        sid,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=SESSION_HOURS * 3600,
        path="/",
    )
    return resp


@router.post(
    "/logout",
    summary="退出 / log out (ends the session)",
    responses={303: {"description": "转到登录页 / to /login"}},
)
def logout(request: Request) -> Response:
    """End the server-side session (the cookie stops working everywhere) and clear the cookie."""
    sid = request.cookies.get(COOKIE_NAME)
    if sid:
        settings = request.app.state.settings
        holder: DriverHolder = request.app.state.drivers
        end_session(holder.get(), settings.neo4j_database, sid)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
    return resp
