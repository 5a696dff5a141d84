// name: officer_profile
// title: 民警画像
// description: 一名民警的概况（当前单位、岗位、党组织、职务、线索和案件数）及其一至二度邻域（任职、党组织、职务、线索、案件、联系点……）的节点和关系，连同数据截至日期，一次读取。
// columns: badge_no, name, rank, police_type, post, high_risk_post, unit_code, unit_name, party_org, roles, clues, cases
// internal: today
// One statement, one round trip: the data's date (the default as_of, as queries.period.window_for
// computes it: the given as_of, else the data's date, else $today), the summary row (the columns
// above) and the network (officer, rels, nodes). No row: no such officer.
CALL () {
  {{data_dates()}}
}
WITH max(d) AS data_date
WITH data_date, coalesce($as_of, data_date, $today) AS as_of
MATCH (o:Officer {badge_no: $badge_no})
OPTIONAL CALL (o, as_of) {
  MATCH (o)-[s:SERVES_IN]->(u:Unit)
  WHERE {{current_at(s, as_of)}}
  RETURN u, s.post AS posting_post ORDER BY s.start_date DESC LIMIT 1
}
OPTIONAL CALL (o, as_of) {
  MATCH (o)-[m:MEMBER_OF]->(po:PartyOrg)
  WHERE {{current_at(m, as_of)}}
  RETURN po LIMIT 1
}
CALL (o, as_of) {
  OPTIONAL MATCH (o)-[r:SECRETARY_OF|DISCIPLINE_COMMISSIONER_OF|COMMITTEE_MEMBER_OF|HEADS|IN_CHARGE_OF]->(x)
  WHERE {{current_at(r, as_of)}}
  RETURN collect(type(r) + ':' + x.name) AS roles
}
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
RETURN o.badge_no AS badge_no, o.name AS name, o.rank AS rank, o.police_type AS police_type,
       coalesce(o.post, posting_post) AS post, coalesce(o.high_risk_post, false) AS high_risk_post,
       u.code AS unit_code, u.name AS unit_name, po.name AS party_org, roles,
       COUNT { (o)<-[:CONCERNS]-(:Clue) } AS clues, COUNT { (o)<-[:INVOLVES]-(:Case) } AS cases,
       data_date, o AS officer, [r IN rels1 + rels2 | {{rel_map(r)}}] AS rels, nodes1 + nodes2 AS nodes
