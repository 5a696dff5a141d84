// name: accountability_chain
// title: 案件责任链
// description: 一个案件的责任链：涉案民警→所在单位及负责人→党支部及书记→分管的党委班子成员（本单位或最近的上级单位）→党委及书记→监督机构，以及查办机构。
// columns: case, handlers, officer, involvement, involvements, posting, unit, heads, branch_rel, branch, secretaries, charge_path, charge_nodes, leader_rel, leader, seat, committee, committee_secretaries, supervisions
// internal: rank_scopes
MATCH (c:Case {case_no: $case_no})
CALL (c) {
  OPTIONAL MATCH (c)-[h:INVESTIGATED_BY]->(b:Unit)
  RETURN collect([h, b]) AS handlers
}
OPTIONAL MATCH (c)-[i:INVOLVES]->(o:Officer)
// several links between the case and one officer: one per allegation (what he was found to have done)
WITH c, handlers, o, collect(i) AS involvements
WITH c, handlers, o, involvements, head(involvements) AS i
OPTIONAL CALL (o) {
  MATCH (o)-[s:SERVES_IN]->(u:Unit)
  WHERE (s.start_date IS NULL OR s.start_date <= $as_of) AND (s.end_date IS NULL OR s.end_date >= $as_of)
  RETURN s AS posting, u AS unit
  ORDER BY s.start_date DESC
  LIMIT 1
}
OPTIONAL CALL (unit) {
  MATCH (hd:Officer)-[hr:HEADS]->(unit)
  WHERE (hr.start_date IS NULL OR hr.start_date <= $as_of) AND (hr.end_date IS NULL OR hr.end_date >= $as_of)
  RETURN collect([hr, hd]) AS heads
}
OPTIONAL CALL (o, unit) {
  // the officer's branch: his current membership, else a Party org set up in his unit
  MATCH (o)-[m:MEMBER_OF]->(br:PartyOrg)
  WHERE (m.start_date IS NULL OR m.start_date <= $as_of) AND (m.end_date IS NULL OR m.end_date >= $as_of)
  RETURN m AS branch_rel, br AS branch, 0 AS pref
  UNION
  MATCH (br:PartyOrg)-[m:SET_UP_IN]->(unit)
  WHERE br.kind <> '党委'
  RETURN m AS branch_rel, br AS branch, 1 AS pref
}
WITH c, handlers, o, i, involvements, posting, unit, heads, branch_rel, branch, pref
ORDER BY pref
WITH c, handlers, o, i, involvements, posting, unit, heads, head(collect([branch_rel, branch])) AS br_pair
WITH c, handlers, o, i, involvements, posting, unit, heads, br_pair[0] AS branch_rel, br_pair[1] AS branch
OPTIONAL CALL (branch) {
  MATCH (sc:Officer)-[sr:SECRETARY_OF]->(branch)
  WHERE (sr.start_date IS NULL OR sr.start_date <= $as_of) AND (sr.end_date IS NULL OR sr.end_date >= $as_of)
  RETURN collect([sr, sc]) AS secretaries
}
OPTIONAL CALL (unit) {
  // the committee member in charge: IN_CHARGE_OF on the unit or its nearest ancestor
  MATCH p = (unit)-[:PART_OF*0..]->(x:Unit)<-[ic:IN_CHARGE_OF]-(ld:Officer)
  WHERE (ic.start_date IS NULL OR ic.start_date <= $as_of) AND (ic.end_date IS NULL OR ic.end_date >= $as_of)
  RETURN relationships(p) AS charge_path, nodes(p) AS charge_nodes, ic AS leader_rel, ld AS leader
  ORDER BY length(p)
  LIMIT 1
}
OPTIONAL CALL (leader) {
  MATCH (leader)-[st:COMMITTEE_MEMBER_OF]->(cm:PartyOrg {kind: '党委'})
  WHERE (st.start_date IS NULL OR st.start_date <= $as_of) AND (st.end_date IS NULL OR st.end_date >= $as_of)
  RETURN st AS seat, cm AS committee
  LIMIT 1
}
OPTIONAL CALL (committee) {
  MATCH (cs:Officer)-[csr:COMMITTEE_MEMBER_OF {position: '书记'}]->(committee)
  WHERE (csr.start_date IS NULL OR csr.start_date <= $as_of) AND (csr.end_date IS NULL OR csr.end_date >= $as_of)
  RETURN collect([csr, cs]) AS committee_secretaries
}
OPTIONAL CALL (o, unit) {
  MATCH (unit)-[:PART_OF*0..]->(x:Unit)<-[sv:SUPERVISES]-(b:Unit)
  WHERE sv.supervision_type = $supervision_type
    AND (sv.start_date IS NULL OR sv.start_date <= $as_of) AND (sv.end_date IS NULL OR sv.end_date >= $as_of)
    AND (x = unit OR sv.include_subtree)
    AND (coalesce(sv.rank_scope, '全部') = '全部' OR o.rank IN $rank_scopes[sv.rank_scope])
  RETURN collect(DISTINCT [sv, b, x]) AS supervisions
}
RETURN c AS case, handlers, o AS officer, i AS involvement, involvements, posting, unit, coalesce(heads, []) AS heads,
       branch_rel, branch, coalesce(secretaries, []) AS secretaries, coalesce(charge_path, []) AS charge_path,
       coalesce(charge_nodes, []) AS charge_nodes,
       leader_rel, leader, seat, committee, coalesce(committee_secretaries, []) AS committee_secretaries,
       coalesce(supervisions, []) AS supervisions
ORDER BY officer.badge_no
