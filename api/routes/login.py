"""A small login page so leaders can open the HTML views in a browser: the token goes into an
HttpOnly cookie (``kg_token``), which every endpoint accepts like a Bearer token."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import COOKIE_NAME, DriverHolder
from api.errors import ERROR_RESPONSES
from api.tokens import TokenCache

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


@router.post("/login", response_class=HTMLResponse, summary="登录 / log in (sets the kg_token cookie)",
             responses={303: {"description": "登录成功，转到首页 / logged in, redirect to /"},
                        401: {"description": "令牌无效 / invalid token", "content": {"text/html": {}}},
                        503: ERROR_RESPONSES[503]})
def login(request: Request, token: Annotated[str, Form(min_length=1, max_length=200)]) -> Response:
    settings = request.app.state.settings
    tokens: TokenCache = request.app.state.tokens
    holder: DriverHolder = request.app.state.drivers
    principal = tokens.resolve(holder.get(), settings.neo4j_database, token.strip(),
                               settings.kg_query_timeout)
    if principal is None:
        return HTMLResponse(_page("令牌无效或已撤销。"), status_code=401)
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(COOKIE_NAME, token.strip(), httponly=True, samesite="lax",
                    secure=request.url.scheme == "https", max_age=12 * 3600)
    return resp


@router.get("/logout", summary="退出 / log out", responses={303: {"description": "转到登录页 / to /login"}})
def logout() -> Response:
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE_NAME)
    return resp
