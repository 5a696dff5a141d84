// name: branches_without_discipline_staff
// title: 无纪检委员的警种支队
// description: 建在其中的党组织都没有在任纪检委员的警种支队。
// columns: unit_code, unit_name
MATCH {{police_branch(u)}}
WHERE NOT EXISTS {
  MATCH (:Officer)-[d:DISCIPLINE_COMMISSIONER_OF]->(:PartyOrg)-[:SET_UP_IN]->(u)
  WHERE {{current(d)}}
}
RETURN u.code AS unit_code, u.name AS unit_name
ORDER BY unit_code
