// name: co_involvement
// title: 共同涉及投影
// description: 共同涉及图的投影：统计期内的每个案件、每条线索及其涉及的民警（线索的民警含由其立案的案件的涉案人），供社区发现使用。
// columns: kind, key, form, officers, named
// A case groups the officers it involves (opened in $date_from..$date_to); a clue groups the
// officers it concerns plus the officers of the cases opened from it (received in the period;
// those cases opened by $date_to), so cases linked by a shared clue are tied. `named` counts every
// officer the group names (for the max_subjects cap); `officers` only those whose link's finding
// passes $findings ('sustained': 查实/部分查实). Several links per officer (one per allegation)
// count once. A record without its date is kept only when the period has no lower bound.
MATCH (c:Case)-[i:INVOLVES]->(o:Officer)
WHERE CASE WHEN c.opened_on IS NULL THEN $date_from IS NULL
           ELSE ($date_from IS NULL OR c.opened_on >= $date_from) AND c.opened_on <= $date_to END
WITH c, o, any(l IN collect(i) WHERE $findings = 'all' OR l.finding IN $sustained) AS counted
WITH c, collect(o.badge_no) AS named, collect(CASE WHEN counted THEN o.badge_no END) AS officers
RETURN 'Case' AS kind, c.case_no AS key, c.form AS form, officers, size(named) AS named
UNION ALL
MATCH (cl:Clue)
WHERE CASE WHEN cl.received_on IS NULL THEN $date_from IS NULL
           ELSE ($date_from IS NULL OR cl.received_on >= $date_from) AND cl.received_on <= $date_to END
CALL (cl) {
  MATCH (cl)-[k:CONCERNS]->(o:Officer)
  RETURN o.badge_no AS badge, ($findings = 'all' OR k.finding IN $sustained) AS counted
  UNION ALL
  MATCH (cl)<-[:ARISES_FROM]-(c:Case)-[i:INVOLVES]->(o:Officer)
  WHERE c.opened_on IS NULL OR c.opened_on <= $date_to
  RETURN o.badge_no AS badge, ($findings = 'all' OR i.finding IN $sustained) AS counted
}
WITH cl, badge, any(x IN collect(counted) WHERE x) AS counted
WITH cl, collect(badge) AS named, collect(CASE WHEN counted THEN badge END) AS officers
RETURN 'Clue' AS kind, cl.clue_no AS key, null AS form, officers, size(named) AS named
