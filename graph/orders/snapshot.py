"""``Cluster:K3`` as an order target: the risk cluster's members frozen in a ``ClusterSnapshot``.

Cluster numbers are ranks of one run of ``risk_clusters`` and change as data changes; an order
must keep pointing at the same officers, so it points at a snapshot of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import neo4j

__all__ = ["snapshot_cluster"]


def snapshot_cluster(driver: neo4j.Driver, database: str, cluster_id: str, as_of: dt.date) -> str:
    """Take (or find) the snapshot of cluster ``cluster_id`` of ``risk_clusters`` at ``as_of``; returns its id."""
    from queries.registry import get_query  # the query layer sits above graph/: imported only when needed

    result = get_query("risk_clusters").execute(
        driver, database, {"as_of": as_of.isoformat(), "cluster_id": cluster_id}
    )
    row = result.rows[0]
    officers = sorted(row["officers"])
    digest = hashlib.sha256(",".join(officers).encode()).hexdigest()[:10]
    snapshot_id = f"CS{as_of:%Y%m%d}-{digest}"
    driver.execute_query(
        "MERGE (s:ClusterSnapshot {snapshot_id: $id}) "
        "ON CREATE SET s.cluster_id = $cid, s.as_of = $as_of, s.kind = $kind, s.officers = $officers, "
        "s.cases = $cases, s.clues = $clues, s.risk = $risk "
        "WITH s UNWIND $officers AS b MATCH (o:Officer {badge_no: b}) MERGE (s)-[:SNAPSHOT_MEMBER]->(o)",
        id=snapshot_id,
        cid=row["cluster_id"],
        as_of=as_of,
        kind=row["kind"],
        officers=officers,
        cases=list(row["cases"]),
        clues=list(row["clues"]),
        risk=row["risk"],
        database_=database,
    )
    return snapshot_id
