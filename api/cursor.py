"""Opaque keyset cursors: the last position of a page, handed to the client and back.

A cursor is base64url of a JSON list of strings. It is not signed: it only says where the next
page starts, and every page is read under the caller's own visibility, so a forged cursor can
skip rows but never show more. Input that is not one of ours is a ``BadRequest`` (422).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import astuple, dataclass
from typing import Any

from api.errors import BadRequest
from graph.schema import REL_SPECS

__all__ = ["RelationshipCursor", "decode_cursor", "encode_cursor"]

_REL_TYPES = frozenset(s.type for s in REL_SPECS)
INVALID = "游标无效 / invalid cursor"


def encode_cursor(values: list[Any]) -> str:
    """base64url (unpadded) of the JSON list.

    >>> encode_cursor(["a", "b"])
    'WyJhIiwgImIiXQ'
    """
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any] | None:
    """The ``length`` strings of an opaque cursor, or None when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
    if not isinstance(values, list) or len(values) != length or not all(isinstance(v, str) for v in values):
        return None
    return values


@dataclass(frozen=True)
class RelationshipCursor:
    """Where a page of ``/relationships`` ended: the relationship type, the from and to keys and
    the tie-break of key properties (the page order)."""

    rel_type: str
    from_key: str
    to_key: str
    tie: str

    def encode(self) -> str:
        return encode_cursor(list(astuple(self)))

    @classmethod
    def decode(cls, text: str) -> RelationshipCursor:
        """The cursor ``encode`` made; anything else (garbled, cut, another type) is a BadRequest."""
        values = decode_cursor(text, 4)
        if values is None or values[0] not in _REL_TYPES:
            raise BadRequest(INVALID)
        return cls(*values)
