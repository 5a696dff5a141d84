// name: unit_overview
// title: 单位概览
// description: 一个单位：上级单位、下级单位（depth 层）、在职人员、党组织、负责人、分管领导、联系领导和监督机构的节点和关系。
// columns: unit, tree, people, orgs, leaders, supervisors
// A unit may have no parent, people, Party org, leader or supervisor: every list is then empty
// (collect skips the nulls of an OPTIONAL MATCH that found nothing).
MATCH (u:Unit {code: $unit_code})
CALL (u) {
  OPTIONAL MATCH p = (u)-[:PART_OF*0..6]->(:Unit)
  RETURN collect(p) AS ancestors
}
CALL (u) {
  OPTIONAL MATCH p = (:Unit)-[:PART_OF*1..6]->(u)
  WHERE length(p) <= $depth
  WITH p LIMIT $limit
  RETURN collect(p) AS subtree
}
CALL (u) {
  OPTIONAL MATCH (o:Officer)-[s:SERVES_IN]->(u)
  WHERE {{current(s)}}
  WITH o, s LIMIT $limit
  RETURN collect(CASE WHEN o IS NOT NULL THEN [s, o] END) AS people, count(o) AS officers
}
CALL (u) {
  OPTIONAL MATCH (po:PartyOrg)-[r:SET_UP_IN]->(u)
  RETURN collect(CASE WHEN po IS NOT NULL THEN [r, po] END) AS orgs
}
CALL (u) {
  OPTIONAL MATCH (l:Officer)-[r:HEADS|IN_CHARGE_OF|LIAISES_WITH]->(u)
  WHERE {{not_ended_at(r, $as_of)}}
  RETURN collect(CASE WHEN l IS NOT NULL THEN [r, l] END) AS leaders
}
CALL (u) {
  OPTIONAL MATCH (u)-[:PART_OF*0..]->(x:Unit)<-[sv:SUPERVISES]-(b:Unit)
  WHERE {{current(sv)}}
    AND (x = u OR sv.include_subtree)
  RETURN collect(CASE WHEN b IS NOT NULL THEN [sv, b, x] END) AS supervisors
}
RETURN u AS unit, ancestors + subtree AS tree, people, officers, orgs, leaders, supervisors
