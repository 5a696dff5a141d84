// Named fragments: each domain definition the query files share, written once (docs/queries.md).
// A query file writes {{name(arg, …)}}; when it is loaded (queries.registry.load_cypher) the call
// is replaced by the fragment's text, each parameter (a whole word) replaced by its argument.
// Fragments may call fragments. Predicates expand in parentheses, so they combine safely with
// AND / OR; node fragments expand to a node pattern (an empty argument gives an anonymous node).
// Variables a fragment introduces inside EXISTS carry the fragment's name, so they cannot capture
// a variable of the calling query.

// fragment: not_ended_at(r, d)
// The relationship r (posting, role, jurisdiction) has not ended before the date d.
(r.end_date IS NULL OR r.end_date >= d)

// fragment: current_at(r, d)
// "Current" at the date d: r has started by d (or its start is unknown) and has not ended before d.
((r.start_date IS NULL OR r.start_date <= d) AND {{not_ended_at(r, d)}})

// fragment: current(r)
// "Current" at the query's as_of: the definition every posting, role and jurisdiction uses.
{{current_at(r, $as_of)}}

// fragment: grassroots_unit(u)
// A grassroots unit (基层单位): a Unit whose level is 基层.
(u:Unit {level: $grassroots_level})

// fragment: police_branch(u)
// A police branch (警种支队): a Unit of that kind.
(u:Unit {kind: $police_branch_kind})

// fragment: committee(p)
// A Party committee (党委): a PartyOrg of that kind.
(p:PartyOrg {kind: $committee_kind})

// fragment: committee_member(o)
// The officer o holds a current seat on a Party committee (党委班子成员).
EXISTS { MATCH (o)-[committee_member_seat:COMMITTEE_MEMBER_OF]->{{committee()}}
         WHERE {{current(committee_member_seat)}} }

// fragment: leader(o)
// A leader (领导干部): the officer o has a leader rank (处级 and above; 未知 or null never is), or
// currently heads a unit, or currently sits on a Party committee.
(coalesce(o.rank IN $leader_ranks, false)
 OR EXISTS { MATCH (o)-[leader_head:HEADS]->(:Unit) WHERE {{current(leader_head)}} }
 OR {{committee_member(o)}})

// fragment: rank_admits(scope, o)
// A supervision rule's rank scope admits the officer o: 全部 (or no scope) admits everyone, rank
// known or not; a restricted scope only a known rank in it (queries.common.RANK_SCOPES).
(coalesce(scope, $rank_scope_all) = $rank_scope_all OR o.rank IN $rank_scopes[scope])

// fragment: rel_map(r)
// The relationship r as a map (graph.shape.REL_MAP_KEYS): results holding relationship objects
// make the Python driver build a class per relationship type, a measurable cost on hot reads.
{eid: elementId(r), type: type(r), from: elementId(startNode(r)), to: elementId(endNode(r)), props: properties(r)}

// fragment: data_dates()
// The newest business date of each kind (clue received, case opened, case closed, liaison visit,
// inspection started), one row each as d: max(d) is the data's date, the default as_of. The body of
// a CALL () { … } subquery.
MATCH (c:Clue) WHERE c.received_on IS NOT NULL RETURN max(c.received_on) AS d
UNION ALL
MATCH (k:Case) WHERE k.opened_on IS NOT NULL RETURN max(k.opened_on) AS d
UNION ALL
MATCH (k:Case) WHERE k.closed_on IS NOT NULL RETURN max(k.closed_on) AS d
UNION ALL
MATCH ()-[l:LIAISES_WITH]->() WHERE l.last_visit_on IS NOT NULL RETURN max(l.last_visit_on) AS d
UNION ALL
MATCH (i:Inspection) WHERE i.started_on IS NOT NULL RETURN max(i.started_on) AS d
