"""Domain thresholds: one definition (graph.thresholds) read by the queries, the sample and the views."""

from __future__ import annotations

import inspect
import tomllib

from graph.thresholds import DEFAULT_PERIOD_DAYS, FEEDBACK_DAYS, NEST_MIN_OFFICERS, STALE_DAYS
from ingest import sample_key
from queries.analysis.ecosystem import CONFIG_PATH
from queries.registry import get_query
from viz.views import get_view


def test_the_numbers() -> None:
    assert STALE_DAYS == 180
    assert NEST_MIN_OFFICERS == 3


def test_stale_days_default_everywhere() -> None:
    assert get_query("liaison_coverage").params.model_fields["stale_days"].default == 180
    assert get_view("liaison_coverage").params.model_fields["stale_days"].default == 180
    default = inspect.signature(sample_key.answer_key_sections).parameters["stale_days"].default
    assert default == 180


def test_nest_threshold_not_repeated_in_the_rating_config() -> None:
    with open(CONFIG_PATH, "rb") as f:
        assert "nest" not in tomllib.load(f)
    assert "同一单位 3 人以上" in get_query("risk_clusters").description


def test_default_period_is_one_year_up_to_the_end_date() -> None:
    assert DEFAULT_PERIOD_DAYS == 365
    p = get_query("order_statistics").validate({"date_to": "2026-06-30", "as_of": "2026-06-30"})
    assert str(p.date_from) == "2025-07-01"  # type: ignore[attr-defined]
    assert "前 365 天" in get_query("political_ecosystem").description
    with open(CONFIG_PATH, "rb") as f:
        assert "period" not in tomllib.load(f)


def test_feedback_days_default() -> None:
    assert FEEDBACK_DAYS == 30
    assert get_query("closed_loop").params.model_fields["days"].default == 30
    assert "（默认 30）" in get_query("closed_loop").description
