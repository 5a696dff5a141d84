// name: liaison_graph
// title: 联系基层网络
// description: 当前党委班子成员与其联系的基层单位（节点与联系关系），供网络图展示。
// columns: m, l, u
MATCH (m:Officer)-[c:COMMITTEE_MEMBER_OF]->(:PartyOrg {kind: '党委'})
WHERE (c.start_date IS NULL OR c.start_date <= $as_of) AND (c.end_date IS NULL OR c.end_date >= $as_of)
OPTIONAL MATCH (m)-[l:LIAISES_WITH]->(u:Unit {level: '基层'})
RETURN DISTINCT m, l, u
UNION
MATCH (u:Unit {level: '基层'})
RETURN null AS m, null AS l, u
