// name: officer_profile
// title: 民警画像
// description: 一名民警及其一至二度邻域（任职、党组织、职务、线索、案件、联系点……）的节点和关系。
// columns: officer, rels, nodes
MATCH (o:Officer {badge_no: $badge_no})
CALL (o) {
  OPTIONAL MATCH (o)-[r]-(x)
  WITH r, x LIMIT $limit
  RETURN collect(r) AS rels1, collect(x) AS nodes1
}
CALL (o, nodes1) {
  UNWIND CASE WHEN $depth >= 2 THEN nodes1 ELSE [] END AS x
  CALL (o, x) {
    MATCH (x)-[r2]-(y)
    WHERE y <> o
    RETURN r2, y
    LIMIT $per_node
  }
  RETURN collect(r2) AS rels2, collect(y) AS nodes2
}
RETURN o AS officer, [r IN rels1 + rels2 | {{rel_map(r)}}] AS rels, nodes1 + nodes2 AS nodes
