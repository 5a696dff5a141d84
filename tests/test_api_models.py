"""Request value types: what the API accepts is what Neo4j can store."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import TypeAdapter, ValidationError

from api.models import IsoDateTime

_dt = TypeAdapter(IsoDateTime)


def test_datetimes_are_normalised_to_utc() -> None:
    # Python accepts offsets up to ±24:00, Neo4j only up to ±18:00: found by schemathesis on GET /audit.
    value = _dt.validate_python("2379-06-27T17:55:01.51186-18:39")
    assert value == dt.datetime(2379, 6, 28, 12, 34, 1, 511860, tzinfo=dt.UTC)
    assert _dt.validate_python("2024-03-05T08:00:00") == dt.datetime(2024, 3, 5, 8, tzinfo=dt.UTC)


def test_datetime_past_the_calendar_after_normalising_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="超出范围"):
        _dt.validate_python("9999-12-31T23:00-18:39")
