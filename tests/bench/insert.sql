-- Benchmark for scripts/bench.sh (sqlite3 :memory: < insert.sql): insert
-- 200,000 generated rows in one transaction, then aggregate over them.
CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT);
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200000)
INSERT INTO t SELECT i, (i * 7919) % 100003, 'row ' || i FROM c;
COMMIT;
SELECT count(*), sum(k), sum(length(v)), max(v) FROM t;
