// name: co_involvement
// title: 共同涉及投影
// description: 共同涉及图的投影：每个案件、每条线索及其涉及的民警（线索的民警含由其立案的案件的涉案人），供社区发现使用。
// columns: kind, key, form, officers
// A case groups the officers it involves; a clue groups the officers it concerns plus the officers
// of the cases opened from it (so cases linked by a shared clue are tied). Up to as_of.
MATCH (c:Case)-[:INVOLVES]->(o:Officer)
WHERE c.opened_on IS NULL OR c.opened_on <= $as_of
WITH c, collect(DISTINCT o.badge_no) AS officers
RETURN 'Case' AS kind, c.case_no AS key, c.form AS form, officers
UNION ALL
MATCH (cl:Clue)
WHERE cl.received_on IS NULL OR cl.received_on <= $as_of
CALL (cl) {
  MATCH (cl)-[:CONCERNS]->(o:Officer)
  RETURN o.badge_no AS badge
  UNION
  MATCH (cl)<-[:ARISES_FROM]-(c:Case)-[:INVOLVES]->(o:Officer)
  WHERE c.opened_on IS NULL OR c.opened_on <= $as_of
  RETURN o.badge_no AS badge
}
WITH cl, collect(DISTINCT badge) AS officers
RETURN 'Clue' AS kind, cl.clue_no AS key, null AS form, officers
