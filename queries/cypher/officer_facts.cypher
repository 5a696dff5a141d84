// name: officer_facts
// title: 民警基本情况
// description: 给定警号的民警的姓名、职级、岗位、是否高风险岗位、当前单位及是否领导干部（处级以上、单位负责人或党委班子成员）。
// columns: badge_no, name, rank, post, high_risk_post, unit_code, unit_name, leader
// internal: badges
UNWIND $badges AS badge
MATCH (o:Officer {badge_no: badge})
OPTIONAL CALL (o) {
  MATCH (o)-[s:SERVES_IN]->(u:Unit)
  WHERE {{current(s)}}
  RETURN u, s.post AS posting_post
  ORDER BY s.start_date DESC
  LIMIT 1
}
RETURN o.badge_no AS badge_no, o.name AS name, o.rank AS rank, coalesce(o.post, posting_post) AS post,
       coalesce(o.high_risk_post, false) AS high_risk_post, u.code AS unit_code, u.name AS unit_name,
       {{leader(o)}} AS leader
