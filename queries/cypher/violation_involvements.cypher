// name: violation_involvements
// title: 违纪违法人次明细
// description: 统计期内立案的案件的每一涉案人次：违纪违法类型、警种、职级、处理形态、立案日期和所在区县（当前单位或最近有区县的上级单位）。
// columns: case_no, officer, opened_on, year, quarter, violation_type, police_type, rank, form, district
// An unknown value (null or 未知) is reported as 未知, never as a real category. Several links between
// one case and one officer (one per allegation) are one involvement.
MATCH (c:Case)
WHERE c.opened_on >= $date_from AND c.opened_on <= $date_to
OPTIONAL MATCH (c)-[i:INVOLVES]->(o:Officer)
WITH c, o, head([l IN collect(i) WHERE l.form IS NOT NULL | l.form]) AS link_form
OPTIONAL CALL (o) {
  MATCH (o)-[s:SERVES_IN]->(u:Unit)
  WHERE {{current(s)}}
  OPTIONAL MATCH p = (u)-[:PART_OF*0..]->(d:Unit)
  WHERE d.district IS NOT NULL
  WITH u, d ORDER BY length(p)
  RETURN u, head(collect(d.district)) AS district
  LIMIT 1
}
RETURN c.case_no AS case_no, o.badge_no AS officer, c.opened_on AS opened_on, c.opened_on.year AS year,
       c.opened_on.quarter AS quarter, coalesce(c.violation_type, $unknown) AS violation_type,
       coalesce(o.police_type, u.police_type, $unknown) AS police_type, coalesce(o.rank, $unknown) AS rank,
       coalesce(link_form, c.form, '未定') AS form, coalesce(district, $unknown) AS district
