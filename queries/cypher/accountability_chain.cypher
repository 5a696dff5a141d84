// name: accountability_chain
// title: 案件责任链
// description: 一个案件的责任链：涉案民警→所在单位及负责人→党支部及书记→分管的党委班子成员（本单位或最近的上级单位）→党委及书记→监督机构，以及查办机构。
// columns: case, handlers, officer, involvement, involvements, posting, unit, heads, branch_rel, branch, secretaries, charge_path, charge_nodes, leader_rel, leader, seat, committee, committee_secretaries, supervisions
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
  WHERE {{current(s)}}
  RETURN s AS posting, u AS unit
  ORDER BY s.start_date DESC
  LIMIT 1
}
OPTIONAL CALL (unit) {
  MATCH (hd:Officer)-[hr:HEADS]->(unit)
  WHERE {{current(hr)}}
  RETURN collect([hr, hd]) AS heads
}
OPTIONAL CALL (o, unit) {
  // the officer's branch: his current membership, else a Party org set up in his unit
  MATCH (o)-[m:MEMBER_OF]->(br:PartyOrg)
  WHERE {{current(m)}}
  RETURN m AS branch_rel, br AS branch, 0 AS pref
  UNION
  MATCH (br:PartyOrg)-[m:SET_UP_IN]->(unit)
  WHERE br.kind <> $committee_kind
  RETURN m AS branch_rel, br AS branch, 1 AS pref
}
WITH c, handlers, o, i, involvements, posting, unit, heads, branch_rel, branch, pref
ORDER BY pref
WITH c, handlers, o, i, involvements, posting, unit, heads, head(collect([branch_rel, branch])) AS br_pair
WITH c, handlers, o, i, involvements, posting, unit, heads, br_pair[0] AS branch_rel, br_pair[1] AS branch
OPTIONAL CALL (branch) {
  MATCH (sc:Officer)-[sr:SECRETARY_OF]->(branch)
  WHERE {{current(sr)}}
  RETURN collect([sr, sc]) AS secretaries
}
OPTIONAL CALL (unit) {
  // the committee member in charge: IN_CHARGE_OF on the unit or its nearest ancestor
  MATCH p = (unit)-[:PART_OF*0..]->(x:Unit)<-[ic:IN_CHARGE_OF]-(ld:Officer)
  WHERE {{current(ic)}}
  RETURN relationships(p) AS charge_path, nodes(p) AS charge_nodes, ic AS leader_rel, ld AS leader
  ORDER BY length(p)
  LIMIT 1
}
OPTIONAL CALL (leader) {
  MATCH (leader)-[st:COMMITTEE_MEMBER_OF]->{{committee(cm)}}
  WHERE {{current(st)}}
  RETURN st AS seat, cm AS committee
  LIMIT 1
}
OPTIONAL CALL (committee) {
  MATCH (cs:Officer)-[csr:COMMITTEE_MEMBER_OF {position: $secretary_position}]->(committee)
  WHERE {{current(csr)}}
  RETURN collect([csr, cs]) AS committee_secretaries
}
OPTIONAL CALL (o, unit) {
  MATCH (unit)-[:PART_OF*0..]->(x:Unit)<-[sv:SUPERVISES]-(b:Unit)
  WHERE sv.supervision_type = $supervision_type
    AND {{current(sv)}}
    AND (x = unit OR sv.include_subtree)
    AND {{rank_admits(sv.rank_scope, o)}}
  RETURN collect(DISTINCT [sv, b, x]) AS supervisions
}
RETURN c AS case, handlers, o AS officer, i AS involvement, involvements, posting, unit, coalesce(heads, []) AS heads,
       branch_rel, branch, coalesce(secretaries, []) AS secretaries, coalesce(charge_path, []) AS charge_path,
       coalesce(charge_nodes, []) AS charge_nodes,
       leader_rel, leader, seat, committee, coalesce(committee_secretaries, []) AS committee_secretaries,
       coalesce(supervisions, []) AS supervisions
ORDER BY officer.badge_no
