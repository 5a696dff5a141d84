"""Pre-serialised JSON responses (the entity shape itself is built by ``graph.shape``)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response

__all__ = ["json_response"]


def json_response(body: Any) -> Response:
    """A body already in the documented shape, serialised once with orjson.

    Returning a ``Response`` skips FastAPI's second pass (validating the dict against the
    ``response_model`` and serialising it again); the route keeps ``response_model`` for the
    OpenAPI schema.
    """
    return Response(orjson.dumps(body), media_type="application/json")
