"""Graph views: JSON (`GET /views/{name}`), HTML pages (`GET /views/{name}.html`) and the leaders' home page."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["views"])
