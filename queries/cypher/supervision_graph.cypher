// name: supervision_graph
// title: 监督覆盖网络
// description: 给定监督类型下的监督机构及其当前直接监督的单位，缺位民警及其任职单位，多头监督民警，无纪检委员的警种支队（节点与关系），供网络图展示。
// columns: n, r, m
// internal: gap_badges, claimed_badges, branch_codes
// Jurisdictions: every current SUPERVISES of the type, with its body and supervised unit.
MATCH (n:Unit)-[r:SUPERVISES]->(m:Unit)
WHERE r.supervision_type = $supervision_type
  AND {{current(r)}}
RETURN n, r, m
UNION
// Gap officers with their current posting.
MATCH (n:Officer)-[r:SERVES_IN]->(m:Unit)
WHERE n.badge_no IN $gap_badges
  AND {{current(r)}}
RETURN n, r, m
UNION
// Double-claimed officers; their edges to the claiming bodies are derived by the caller.
MATCH (n:Officer) WHERE n.badge_no IN $claimed_badges
RETURN n, null AS r, null AS m
UNION
MATCH (n:Unit) WHERE n.code IN $branch_codes
RETURN n, null AS r, null AS m
