// name: officer_summary
// title: 民警概况
// description: 一名民警的当前单位、岗位、党组织、职务以及线索和案件数。
// columns: badge_no, name, rank, police_type, post, high_risk_post, unit_code, unit_name, party_org, roles, clues, cases
MATCH (o:Officer {badge_no: $badge_no})
OPTIONAL CALL (o) {
  MATCH (o)-[s:SERVES_IN]->(u:Unit)
  WHERE {{current(s)}}
  RETURN u, s.post AS posting_post ORDER BY s.start_date DESC LIMIT 1
}
OPTIONAL CALL (o) {
  MATCH (o)-[m:MEMBER_OF]->(po:PartyOrg)
  WHERE {{current(m)}}
  RETURN po LIMIT 1
}
CALL (o) {
  OPTIONAL MATCH (o)-[r:SECRETARY_OF|DISCIPLINE_COMMISSIONER_OF|COMMITTEE_MEMBER_OF|HEADS|IN_CHARGE_OF]->(x)
  WHERE {{current(r)}}
  RETURN collect(type(r) + ':' + x.name) AS roles
}
RETURN o.badge_no AS badge_no, o.name AS name, o.rank AS rank, o.police_type AS police_type,
       coalesce(o.post, posting_post) AS post, coalesce(o.high_risk_post, false) AS high_risk_post,
       u.code AS unit_code, u.name AS unit_name, po.name AS party_org, roles,
       COUNT { (o)<-[:CONCERNS]-(:Clue) } AS clues, COUNT { (o)<-[:INVOLVES]-(:Case) } AS cases
