// name: cluster_subgraph
// title: 风险群组子图
// description: 一个风险群组的民警、案件、线索、当前任职单位及它们之间的关系，供网络图展示。
// columns: nodes, rels
// internal: badges, case_nos, clue_nos
MATCH (o:Officer) WHERE o.badge_no IN $badges
OPTIONAL MATCH (o)-[s:SERVES_IN]->(u:Unit)
WHERE {{current(s)}}
WITH collect(o) AS officers, collect(u) AS units, collect(s) AS postings
OPTIONAL MATCH (c:Case)-[i:INVOLVES]->(o2:Officer)
WHERE c.case_no IN $case_nos AND o2.badge_no IN $badges
WITH officers, units, postings, collect(DISTINCT c) AS cases, collect(i) AS involvements
OPTIONAL MATCH (cl:Clue)-[k:CONCERNS]->(o3:Officer)
WHERE cl.clue_no IN $clue_nos AND o3.badge_no IN $badges
WITH officers, units, postings, cases, involvements, collect(DISTINCT cl) AS clues, collect(k) AS concerns
OPTIONAL MATCH (c2:Case)-[a:ARISES_FROM]->(cl2:Clue)
WHERE c2.case_no IN $case_nos AND cl2.clue_no IN $clue_nos
WITH officers, units, postings, cases, involvements, clues, collect(DISTINCT cl2) AS source_clues, concerns,
     collect(a) AS arises
RETURN officers + units + cases + clues + source_clues AS nodes, postings + involvements + concerns + arises AS rels
