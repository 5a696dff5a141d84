"""Domain thresholds: the numbers in the definitions of docs/architecture.md, each written once.

The queries (parameter defaults and internal parameters), the sample city and its answer key, and
the views read them from here. They sit in ``graph/`` beside the schema rather than in
``queries/ecosystem.toml`` because the answer key (``ingest/``) is below ``queries/`` in the layering
and must follow the same numbers; ``ecosystem.toml`` keeps the rating's weights only.
"""

from __future__ import annotations

__all__ = ["DEFAULT_PERIOD_DAYS", "FEEDBACK_DAYS", "NEST_MIN_OFFICERS", "STALE_DAYS"]

STALE_DAYS = 180
"""A covered grassroots unit whose latest committee-member visit is older than this many days
(or unknown) is 久未走访 (stale); the default of ``stale_days``."""

NEST_MIN_OFFICERS = 3
"""窝案: one case involving at least this many officers of the same unit."""

DEFAULT_PERIOD_DAYS = 365
"""The default statistics period: this many days up to the end date (the political-ecosystem rating
without ``year``, the supervision-order statistics)."""

FEEDBACK_DAYS = 30
"""A transfer (移送) with no feedback this many days after it is an open loop; the default of
``closed_loop``'s ``days``."""
