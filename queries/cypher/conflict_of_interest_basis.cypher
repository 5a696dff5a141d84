// name: conflict_of_interest_basis
// title: 利益冲突判断依据
// description: 判断利益冲突所依据的数据有多少：人员级办理关系（线索、案件）和任职记录的条数，以及开始日期未知的任职条数。
// columns: clue_workers, case_workers, postings, postings_start_unknown
CALL () { MATCH ()-[w:WORKS_ON_CLUE]->() RETURN count(w) AS clue_workers }
CALL () { MATCH ()-[w:WORKS_ON_CASE]->() RETURN count(w) AS case_workers }
CALL () {
  MATCH ()-[s:SERVES_IN]->()
  RETURN count(s) AS postings, count(CASE WHEN s.start_date IS NULL THEN 1 END) AS postings_start_unknown
}
RETURN clue_workers, case_workers, postings, postings_start_unknown
